package io.spikert.ffm;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * CPU libraries a jar on the class path carries (a Maven Central artifact that holds the native files, so
 * a build gets them without a system package), extracted once into a folder of SpikeRT's cache and found
 * there by {@link LibrarySearch}. For oneDNN: the linux-x86_64 jar of {@code org.bytedeco:dnnl}, whose
 * {@code libdnnl.so.3} finds its {@code libgomp.so.1} beside it (its RUNPATH is {@code $ORIGIN}); only its
 * native files are used, none of its Java classes.
 *
 * <p>The cache folder is {@code ~/.cache/spikert/native/<library>-<carrier jar>} (or under the system
 * property {@value #CACHE_PROPERTY}). Extraction writes a temporary file and links it into place, so a
 * concurrent process sees either no file or a whole one; a file already there is reused when it is a
 * regular file of the carried size, and nothing else under that name (a link, a device, a FIFO, another
 * file) is ever replaced: the carrier is then not used, and the search goes on.
 */
public final class ClasspathNatives {
    /** System property naming the folder extracted libraries go under. */
    public static final String CACHE_PROPERTY = "spikert.native.cache";

    private ClasspathNatives() {
    }

    /** The resources carried for {@code library} on this platform, dependencies first; empty when none. */
    static List<String> resources(NativeLibrary library) {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (library != NativeLibrary.ONEDNN || !os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return List.of();
        }
        String dir = "org/bytedeco/dnnl/linux-x86_64/";
        return List.of(dir + "libgomp.so.1", dir + "libdnnl.so.3");
    }

    /**
     * The folder holding {@code library} extracted from the class path under the default cache root, or
     * empty when no jar carries it or it cannot be extracted there.
     */
    public static Optional<Path> extracted(NativeLibrary library) {
        String root = System.getProperty(CACHE_PROPERTY);
        Path cache = root != null && !root.isBlank() ? Path.of(root)
                : Path.of(System.getProperty("user.home"), ".cache", "spikert", "native");
        try {
            return extract(library, cache, Thread.currentThread().getContextClassLoader());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Extracts the files {@code loader} carries for {@code library} into a folder under {@code cacheRoot}
     * named after the carrier jar, reusing whole files already there.
     *
     * @return the folder, or empty when nothing is carried or a name there is taken by something that is
     *         not a regular file of the carried size
     */
    public static Optional<Path> extract(NativeLibrary library, Path cacheRoot, ClassLoader loader) throws IOException {
        List<String> names = resources(library);
        if (names.isEmpty() || loader == null) {
            return Optional.empty();
        }
        URL main = loader.getResource(names.getLast());
        if (main == null) {
            return Optional.empty();
        }
        Path folder = cacheRoot.resolve(library.name().toLowerCase(Locale.ROOT) + "-" + carrierName(main));
        Files.createDirectories(folder);
        for (String name : names) {
            URL url = loader.getResource(name);
            if (url == null || !place(url, folder.resolve(name.substring(name.lastIndexOf('/') + 1)))) {
                return Optional.empty();
            }
        }
        return Optional.of(folder);
    }

    /** The carrier jar's file name without ".jar" (a version change gets a new folder), or "classes". */
    static String carrierName(URL resource) {
        String s = resource.toString();
        int bang = s.indexOf("!/");
        if (s.startsWith("jar:") && bang > 0) {
            String jar = s.substring(0, bang);
            String file = jar.substring(jar.lastIndexOf('/') + 1);
            return file.endsWith(".jar") ? file.substring(0, file.length() - 4) : file;
        }
        return "classes";
    }

    /**
     * Puts the resource at {@code target} unless a whole copy is there; false when the name is taken by
     * anything else, which is left as it is.
     */
    private static boolean place(URL resource, Path target) throws IOException {
        URLConnection c = resource.openConnection();
        long size = c.getContentLengthLong();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return isWholeCopy(target, size);
        }
        Path tmp = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".partial");
        try (InputStream in = c.getInputStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            if (size >= 0 && Files.size(tmp) != size) {
                throw new IOException(resource + ": read " + Files.size(tmp) + " bytes of " + size);
            }
            try {
                Files.createLink(target, tmp); // link(2) never replaces: a name taken meanwhile stays as it is
            } catch (FileAlreadyExistsException e) {
                return isWholeCopy(target, size);
            }
            return true;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean isWholeCopy(Path target, long size) throws IOException {
        return Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) && (size < 0 || Files.size(target) == size);
    }
}
