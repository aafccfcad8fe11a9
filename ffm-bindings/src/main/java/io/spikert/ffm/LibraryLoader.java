package io.spikert.ffm;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds and opens the vendor libraries, lazily and never from a static initializer, so binding
 * classes and their constants load on machines without a GPU.
 *
 * <p>The binding classes resolve their symbols through {@link #lookup(NativeLibrary)}: a
 * process-wide choice per library, made on first use from {@link LibrarySearch#defaults}, or set
 * beforehand with {@link #bind}. Binding is how a fake driver (upcall stubs behind a
 * {@link SymbolLookup}) or an explicitly located library replaces the default search. Once a binding
 * class has resolved a symbol the choice is fixed for the life of the process, because its handles
 * are cached in static finals as jextract generates them.
 */
public final class LibraryLoader {
    private static final Map<NativeLibrary, Loaded> BOUND = new EnumMap<>(NativeLibrary.class);

    private LibraryLoader() {
    }

    /** An opened library: where it came from, and its symbols. */
    public record Loaded(NativeLibrary library, String source, SymbolLookup lookup) {
        public Loaded {
            Objects.requireNonNull(library, "library");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(lookup, "lookup");
        }
    }

    /**
     * The process-wide symbols of {@code library}: the bound lookup, or the library found by the
     * default search (then bound).
     *
     * @throws NativeLibraryNotFoundException listing every place tried, when it is not installed
     */
    public static SymbolLookup lookup(NativeLibrary library) {
        return require(library).lookup();
    }

    /** Like {@link #lookup}, but also says where the library came from. */
    public static synchronized Loaded require(NativeLibrary library) {
        Loaded loaded = BOUND.get(library);
        if (loaded == null) {
            loaded = load(LibrarySearch.defaults(library));
            BOUND.put(library, loaded);
        }
        return loaded;
    }

    /** Whether {@code library} is bound or can be found by the default search (loading it if so). */
    public static boolean isAvailable(NativeLibrary library) {
        try {
            require(library);
            return true;
        } catch (NativeLibraryNotFoundException e) {
            return false;
        }
    }

    /**
     * Makes {@code lookup} the process-wide symbols of {@code library}. Must come before any binding
     * class resolves a symbol of that library; binding the same lookup again is allowed.
     *
     * @param source a description for messages, e.g. the file path or "fake CUDA driver"
     * @throws IllegalStateException when a different lookup is already bound
     */
    public static synchronized void bind(NativeLibrary library, String source, SymbolLookup lookup) {
        Loaded current = BOUND.get(library);
        if (current != null && current.lookup() != lookup) {
            throw new IllegalStateException("the " + library.displayName() + " is already bound to "
                    + current.source() + "; bind " + source + " before the first call into it");
        }
        BOUND.put(library, new Loaded(library, source, lookup));
    }

    /** Binds a library opened by {@link #load}. */
    public static void bind(Loaded loaded) {
        bind(loaded.library(), loaded.source(), loaded.lookup());
    }

    /** The current process-wide binding of {@code library}, or null when none was made yet. */
    public static synchronized Loaded bound(NativeLibrary library) {
        return BOUND.get(library);
    }

    /**
     * Opens the first library {@code search} finds, without touching the process-wide binding. The
     * library stays loaded for the life of the process (drivers are never unloaded).
     *
     * @throws NativeLibraryNotFoundException listing every place tried
     */
    public static Loaded load(LibrarySearch search) {
        NativeLibrary library = search.library();
        List<String> tried = new ArrayList<>();
        for (String entry : search.explicit()) {
            Path p = Path.of(entry);
            Loaded l = Files.isDirectory(p) ? tryDirectory(library, p, tried) : tryFile(library, p, tried);
            if (l != null) {
                return l;
            }
        }
        for (String pattern : search.directories()) {
            List<Path> dirs = expand(pattern);
            if (dirs.isEmpty()) {
                tried.add(pattern);
            }
            for (Path dir : dirs) {
                Loaded l = tryDirectory(library, dir, tried);
                if (l != null) {
                    return l;
                }
            }
        }
        if (search.systemLoader()) {
            for (String name : library.fileNames()) {
                try {
                    SymbolLookup lookup = SymbolLookup.libraryLookup(name, Arena.global());
                    return new Loaded(library, name + " (system loader)", lookup);
                } catch (IllegalArgumentException e) {
                    // Not in the loader cache either; the message lists it below.
                }
            }
            tried.add("system loader (" + String.join(", ", library.fileNames()) + ")");
        }
        throw new NativeLibraryNotFoundException(library, tried);
    }

    private static Loaded tryDirectory(NativeLibrary library, Path dir, List<String> tried) {
        if (Files.isDirectory(dir)) {
            for (String name : library.fileNames()) {
                Path file = dir.resolve(name);
                if (Files.isRegularFile(file)) {
                    List<String> failures = new ArrayList<>();
                    Loaded l = tryFile(library, file, failures);
                    if (l != null) {
                        return l;
                    }
                    tried.addAll(failures);
                }
            }
        }
        tried.add(dir.toString());
        return null;
    }

    private static Loaded tryFile(NativeLibrary library, Path file, List<String> tried) {
        if (!Files.isRegularFile(file)) {
            tried.add(file + " (no such file)");
            return null;
        }
        if (!isElf(file)) {
            tried.add(file + " (could not be opened: not an ELF shared library)");
            return null;
        }
        try {
            SymbolLookup lookup = SymbolLookup.libraryLookup(file, Arena.global());
            return new Loaded(library, file.toString(), lookup);
        } catch (IllegalArgumentException e) {
            tried.add(file + " (could not be opened: " + e.getMessage() + ")");
            return null;
        }
    }

    /** Checks the magic number first, since dlopen of a non-library can upset the JVM's stack guard. */
    private static boolean isElf(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7F && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        } catch (IOException e) {
            return false;
        }
    }

    /** Expands {@code *} segments of an absolute or relative directory pattern, in sorted order. */
    static List<Path> expand(String pattern) {
        boolean absolute = pattern.startsWith("/");
        List<Path> current = List.of(absolute ? Path.of("/") : Path.of(""));
        for (String segment : pattern.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            List<Path> next = new ArrayList<>();
            for (Path base : current) {
                if (segment.contains("*")) {
                    Path dir = base.toString().isEmpty() ? Path.of(".") : base;
                    if (!Files.isDirectory(dir)) {
                        continue;
                    }
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, segment)) {
                        List<Path> found = new ArrayList<>();
                        ds.forEach(p -> found.add(base.resolve(p.getFileName())));
                        found.sort(null);
                        next.addAll(found);
                    } catch (IOException e) {
                        // An unreadable folder holds nothing we can load.
                    }
                } else {
                    next.add(base.resolve(segment));
                }
            }
            current = next;
        }
        return current.stream().filter(Files::isDirectory).toList();
    }
}
