package io.spikert.ffm;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where {@link LibraryLoader} looks for one vendor library, in order: explicit entries (files or
 * directories), then directory patterns ({@code *} matches one path segment), then, if enabled,
 * the system loader's own search by file name ({@code ld.so.cache}).
 *
 * <p>The default CUDA order is: the {@code spikert.cuda.path} property, the distribution library
 * folder, {@code /usr/local/cuda}, {@code LD_LIBRARY_PATH}, then the {@code nvidia/*}{@code /lib}
 * folders of Python environments, where PyTorch's pip wheels put cuBLAS and NVRTC (CUDA 12 wheels:
 * one folder per component; CUDA 13 wheels: {@code nvidia/cu13/lib}). Python is never run to find
 * them: the usual prefixes, the active virtual or conda environment, and the prefix of every
 * {@code python3*} directory on {@code PATH} are scanned instead.
 *
 * @param library      the library sought
 * @param explicit     files or directories named by the user, tried first
 * @param directories  directory patterns tried next
 * @param systemLoader whether to finish with the system loader's search by file name
 */
public record LibrarySearch(NativeLibrary library, List<String> explicit, List<String> directories,
                            boolean systemLoader) {

    public LibrarySearch {
        Objects.requireNonNull(library, "library");
        explicit = List.copyOf(explicit);
        directories = List.copyOf(directories);
    }

    /**
     * The default search for this process: its system properties, environment and home folder; for a CPU
     * library also the copy a jar on the class path carries ({@link ClasspathNatives}), tried after the
     * system's folders and before the system loader.
     */
    public static LibrarySearch defaults(NativeLibrary library) {
        return defaults(library, System.getProperty(library.pathProperty()), System.getenv(), System.getProperty("user.home"),
                library.cpu() ? ClasspathNatives.extracted(library) : Optional.empty());
    }

    /**
     * The default search for a given environment, so tests can build one deterministically.
     *
     * @param explicitPath the path property's value ({@code File.pathSeparator}-separated), or null
     */
    public static LibrarySearch defaults(NativeLibrary library, String explicitPath, Map<String, String> env,
                                         String home) {
        return defaults(library, explicitPath, env, home, Optional.empty());
    }

    /**
     * As {@link #defaults(NativeLibrary, String, Map, String)}, with the folder holding the copy a jar on the class
     * path carries (a CPU library only).
     */
    public static LibrarySearch defaults(NativeLibrary library, String explicitPath, Map<String, String> env,
                                         String home, Optional<Path> carried) {
        List<String> explicit = new ArrayList<>();
        if (explicitPath != null) {
            for (String entry : explicitPath.split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    explicit.add(entry.strip());
                }
            }
        }
        LinkedHashSet<String> dirs = new LinkedHashSet<>();
        String multiarch = "/usr/lib/" + multiarchTriplet();
        if (library.cpu()) {
            // A CPU library: where the user's environment puts it, then the copy the build carries on the class
            // path (ClasspathNatives, extracted on first use), then the distribution's folders. The carried copy
            // comes before the distribution's: it is the version SpikeRT is built and tested with, while a system
            // one may be older (Debian's libdnnl2, 2.6, which python3-torch pulls in, lacks the 3.x primitive API
            // the matmul needs); another build is chosen with the path property or LD_LIBRARY_PATH.
            addEach(dirs, env.get("LD_LIBRARY_PATH"));
            carried.ifPresent(c -> dirs.add(c.toString()));
            dirs.add(multiarch);
            dirs.add("/usr/lib64");
            dirs.add("/usr/local/lib");
            dirs.add("/opt/intel/oneapi/dnnl/latest/lib");
            return new LibrarySearch(library, explicit, List.copyOf(dirs), true);
        }
        if (library.vendor() == Vendor.CUDA) {
            dirs.add(multiarch);
            dirs.add("/usr/lib64");
            dirs.add("/usr/lib/wsl/lib");
            addHome(dirs, env.get("CUDA_HOME"));
            addHome(dirs, env.get("CUDA_PATH"));
            dirs.add("/usr/local/cuda/lib64");
            dirs.add("/usr/local/cuda/targets/*/lib");
            addEach(dirs, env.get("LD_LIBRARY_PATH"));
            for (String sitePackages : pythonSitePackages(env, home)) {
                dirs.add(sitePackages + "/nvidia/*/lib");
            }
        } else {
            addHome(dirs, env.get("MACA_PATH"));
            dirs.add("/opt/maca/lib");
            dirs.add("/opt/maca/lib64");
            addEach(dirs, env.get("LD_LIBRARY_PATH"));
            dirs.add(multiarch);
            dirs.add("/usr/local/lib");
        }
        return new LibrarySearch(library, explicit, List.copyOf(dirs), true);
    }

    /** A search of exactly these entries, without the system loader; for tests and explicit setups. */
    public static LibrarySearch only(NativeLibrary library, List<String> explicit, List<String> directories) {
        return new LibrarySearch(library, explicit, directories, false);
    }

    /** This search with {@code paths} (files or directories) tried before everything else. */
    public LibrarySearch withExplicit(Path... paths) {
        List<String> first = new ArrayList<>();
        for (Path p : paths) {
            first.add(p.toString());
        }
        first.addAll(explicit);
        return new LibrarySearch(library, first, directories, systemLoader);
    }

    private static void addHome(LinkedHashSet<String> dirs, String home) {
        if (home != null && !home.isBlank()) {
            dirs.add(home.strip() + "/lib64");
            dirs.add(home.strip() + "/lib");
        }
    }

    private static void addEach(LinkedHashSet<String> dirs, String pathList) {
        if (pathList == null) {
            return;
        }
        for (String entry : pathList.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                dirs.add(entry.strip());
            }
        }
    }

    /** Site-packages patterns of the Python installations likely to hold NVIDIA's wheels. */
    static List<String> pythonSitePackages(Map<String, String> env, String home) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        String venv = env.get("VIRTUAL_ENV");
        if (venv != null && !venv.isBlank()) {
            out.add(venv.strip() + "/lib/python3*/site-packages");
        }
        String conda = env.get("CONDA_PREFIX");
        if (conda != null && !conda.isBlank()) {
            out.add(conda.strip() + "/lib/python3*/site-packages");
        }
        // A python3 on PATH lives in <prefix>/bin; its packages in <prefix>/lib/python3.X/site-packages.
        String path = env.get("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path bin = Path.of(dir.isBlank() ? "." : dir.strip());
                if (bin.getFileName() != null && bin.getFileName().toString().equals("bin")
                        && bin.getParent() != null && hasPython(bin)) {
                    out.add(bin.getParent().resolve("lib") + "/python3*/site-packages"); // "/" + "lib", not "//lib"
                }
            }
        }
        if (home != null && !home.isBlank()) {
            out.add(home + "/.local/lib/python3*/site-packages");
        }
        out.add("/usr/local/lib/python3*/dist-packages");
        out.add("/usr/local/lib/python3*/site-packages");
        out.add("/usr/lib/python3*/dist-packages");
        out.add("/usr/lib/python3/dist-packages");
        out.add("/opt/conda/lib/python3*/site-packages");
        return List.copyOf(out);
    }

    private static boolean hasPython(Path bin) {
        String[] names = bin.toFile().list((d, name) -> name.startsWith("python3"));
        return names != null && names.length > 0;
    }

    private static String multiarchTriplet() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "aarch64", "arm64" -> "aarch64-linux-gnu";
            case "ppc64le" -> "powerpc64le-linux-gnu";
            default -> "x86_64-linux-gnu";
        };
    }
}
