package io.spikert.model.cli;

/** Parses token ids: {@code 1,2,3}, spaces allowed, or the JSON array {@code [1,2,3]} that spikert tokenize prints. */
final class TokenIds {
    private TokenIds() {}

    static int[] parse(String option, String value) {
        String v = value.strip();
        if (v.startsWith("[") && v.endsWith("]")) {
            v = v.substring(1, v.length() - 1).strip();
        }
        if (v.isEmpty()) {
            throw new UsageException(option + " has no token ids");
        }
        String[] parts = v.split(",", -1);
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].strip();
            try {
                ids[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new UsageException(option + " must be comma-separated token ids, got '" + p + "'");
            }
            if (ids[i] < 0) {
                throw new UsageException(option + ": token ids are >= 0, got " + ids[i]);
            }
        }
        return ids;
    }
}
