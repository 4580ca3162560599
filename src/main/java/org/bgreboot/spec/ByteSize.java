package org.bgreboot.spec;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size such as {@code 512M} or {@code 2G}; a bare number means MiB, as on QEMU's -m. */
public record ByteSize(long bytes) {
    private static final Pattern FORM = Pattern.compile("(\\d{1,12})\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    public static ByteSize parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size: use a whole number with K, M or G, like 512M or 2G");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2).isEmpty() ? "m" : m.group(2).toLowerCase(Locale.ROOT);
        int shift = switch (unit) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 40;
        };
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return new ByteSize(n << shift);
    }

    public static ByteSize ofMiB(long mib) {
        return new ByteSize(mib << 20);
    }

    public long mib() {
        return bytes >> 20;
    }

    @Override public String toString() {
        return bytes % (1L << 30) == 0 && bytes > 0 ? (bytes >> 30) + "G" : mib() + "M";
    }
}
