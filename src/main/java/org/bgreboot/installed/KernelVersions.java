package org.bgreboot.installed;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Kernel releases ordered as GRUB's {@code update-grub} orders them (its {@code version_sort}, GNU
 * {@code sort -V}): runs of digits compare as numbers, everything else as text, so 6.1.0-57 comes
 * after 6.1.0-9 and 5.10.0-30 before 6.1.0-9.
 */
public final class KernelVersions {
    private KernelVersions() {}

    public static final Comparator<String> ORDER = KernelVersions::compare;

    /** The newest of {@code releases}, as update-grub would put it first. */
    public static Optional<String> newest(List<String> releases) {
        return releases.stream().max(ORDER);
    }

    static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y)) {
                int ei = end(a, i);
                int ej = end(b, j);
                String na = a.substring(i, ei).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(j, ej).replaceFirst("^0+(?=.)", "");
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
                i = ei;
                j = ej;
            } else {
                if (x != y) {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static int end(String s, int from) {
        int e = from;
        while (e < s.length() && Character.isDigit(s.charAt(e))) {
            e++;
        }
        return e;
    }
}
