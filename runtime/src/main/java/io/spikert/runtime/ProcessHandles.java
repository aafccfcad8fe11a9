package io.spikert.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Open file descriptors and memory mappings of this process (Linux /proc/self), in all and those that
 * refer to files under one folder. Exact counts; -1 where /proc is not there. Used by the soak command and
 * the lifecycle tests to show that closing a model releases every descriptor and mapping of its files.
 */
public record ProcessHandles(int fds, int fdsUnder, int mappings, int mappingsUnder) {

    public static ProcessHandles now(Path folder) {
        String prefix = folder.toAbsolutePath().normalize() + "/";
        int fds = 0;
        int fdsUnder = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : entries) {
                fds++;
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith(prefix)) {
                        fdsUnder++;
                    }
                } catch (IOException e) {
                    // the listing's own descriptor, closed by now
                }
            }
        } catch (IOException e) {
            return new ProcessHandles(-1, -1, -1, -1);
        }
        int mappings = 0;
        int mappingsUnder = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                mappings++;
                int path = line.indexOf('/');
                if (path >= 0 && line.startsWith(prefix, path)) {
                    mappingsUnder++;
                }
            }
        } catch (IOException e) {
            return new ProcessHandles(fds, fdsUnder, -1, -1);
        }
        return new ProcessHandles(fds, fdsUnder, mappings, mappingsUnder);
    }
}
