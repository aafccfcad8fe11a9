package io.spikert.model.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code --key value} and {@code --flag} options of one subcommand, checked against what it accepts. */
final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();

    Args(String[] argv, int from, Set<String> valued, Set<String> flags) {
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String key = a.substring(2);
            String inline = null;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                inline = key.substring(eq + 1);
                key = key.substring(0, eq);
            }
            if (flags.contains(key) && inline == null) {
                values.put(key, "true");
            } else if (valued.contains(key)) {
                if (inline == null) {
                    if (i + 1 >= argv.length) {
                        throw new UsageException("--" + key + " needs a value");
                    }
                    inline = argv[++i];
                }
                if (values.put(key, inline) != null) {
                    throw new UsageException("--" + key + " given twice");
                }
            } else {
                throw new UsageException("unknown option --" + key);
            }
        }
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    boolean flag(String key) {
        return values.containsKey(key);
    }

    String string(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    String required(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new UsageException("--" + key + " is required");
        }
        return v;
    }

    Path path(String key) {
        return Path.of(required(key));
    }

    int intValue(String key, int fallback, int min) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min) {
                throw new UsageException("--" + key + " must be at least " + min + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + key + " must be an integer, got '" + v + "'");
        }
    }

    long longValue(String key, long fallback) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + key + " must be an integer, got '" + v + "'");
        }
    }

    float floatValue(String key, float fallback) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            float f = Float.parseFloat(v.trim());
            if (!Float.isFinite(f) || f < 0) {
                throw new UsageException("--" + key + " must be a finite number >= 0, got '" + v + "'");
            }
            return f;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + key + " must be a number, got '" + v + "'");
        }
    }

    /** Parses {@code 1,2,3} (spaces allowed) into token ids. */
    int[] ids(String key) {
        String v = required(key);
        String[] parts = v.split(",");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + key + " must be comma-separated token ids, got '" + parts[i].trim() + "'");
            }
            if (ids[i] < 0) {
                throw new UsageException("--" + key + ": token ids are >= 0, got " + ids[i]);
            }
        }
        return ids;
    }
}
