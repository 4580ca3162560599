package org.bgreboot.watch;

import java.time.Duration;
import org.bgreboot.UserError;

/** Durations as people write them in options and config files: 10m, 90s, 1h30m, 2h. */
public final class Durations {
    private Durations() {}

    public static Duration parse(String option, String text) {
        String t = text.strip().toLowerCase();
        if (!t.matches("(\\d+(h|m|s|ms))+")) {
            throw new UserError(option + " " + text + " is not a duration: give e.g. 10m, 90s, 1h30m");
        }
        Duration d = Duration.ZERO;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|h|m|s)").matcher(t);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
        }
        return d;
    }

    public static String text(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        StringBuilder b = new StringBuilder();
        if (s >= 3600) {
            b.append(s / 3600).append('h');
            s %= 3600;
        }
        if (s >= 60) {
            b.append(s / 60).append('m');
            s %= 60;
        }
        if (s > 0 || b.length() == 0) {
            b.append(s).append('s');
        }
        return b.toString();
    }
}
