package io.spikert.spark.example;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} arguments of the example jobs; an unknown, repeated or valueless flag is refused by name. */
final class JobArguments {
    private final Map<String, String> values = new HashMap<>();

    JobArguments(String[] args, Set<String> known) {
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (!known.contains(flag)) {
                throw new IllegalArgumentException("unknown argument '" + flag + "'; known: " + List.copyOf(new java.util.TreeSet<>(known)));
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            if (values.put(flag, args[++i]) != null) {
                throw new IllegalArgumentException(flag + " is given twice");
            }
        }
    }

    String required(String flag) {
        String v = values.get(flag);
        if (v == null) {
            throw new IllegalArgumentException(flag + " is required");
        }
        return v;
    }

    String get(String flag, String fallback) {
        return values.getOrDefault(flag, fallback);
    }

    int intValue(String flag, int fallback, int min) {
        String v = values.get(flag);
        if (v == null) {
            return fallback;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a whole number, got '" + v + "'");
        }
        if (n < min) {
            throw new IllegalArgumentException(flag + " must be at least " + min + ", got " + n);
        }
        return n;
    }
}
