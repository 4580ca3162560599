package org.bgreboot.watch;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.bgreboot.UserError;

/**
 * One maintenance window: on some days of the week, from a time to a time, in a time zone (the
 * host's unless one is named). {@code Mon-Fri 02:00-05:00}, {@code Sat,Sun 01:00-06:00},
 * {@code 22:00-02:00} (every day, over midnight: it opens at 22:00 on the days named and closes at
 * 02:00 the next day), {@code Fri-Mon 23:30-01:00 Europe/Berlin}; times may have seconds.
 * Each opening is a local date and time, so a window keeps its wall-clock hours across DST.
 */
public record Window(String text, Set<DayOfWeek> days, LocalTime start, LocalTime end, ZoneId zone) {
    private static final String FORM = "give [DAYS] HH:MM-HH:MM [ZONE], e.g. 'Mon-Fri 02:00-05:00' (days: Mon..Sun, ranges and lists "
            + "like Mon-Fri or Sat,Sun, none for every day; a window may run over midnight, as in '22:00-02:00')";

    public Window {
        days = Set.copyOf(days);
    }

    /** One window as the user wrote it; {@code hostZone} unless the text names a zone. */
    public static Window parse(String text, ZoneId hostZone) {
        String[] parts = text.strip().split("\\s+");
        if (text.isBlank() || parts.length > 3) {
            throw bad(text, "");
        }
        int i = 0;
        Set<DayOfWeek> days = EnumSet.allOf(DayOfWeek.class);
        if (!Character.isDigit(parts[0].charAt(0))) {
            days = days(text, parts[i++]);
        }
        if (i >= parts.length) {
            throw bad(text, "it has no times");
        }
        String[] times = parts[i++].split("-", -1);
        if (times.length != 2) {
            throw bad(text, "'" + parts[i - 1] + "' is not FROM-TO");
        }
        LocalTime start = time(text, times[0]);
        LocalTime end = time(text, times[1]);
        if (start.equals(end)) {
            throw bad(text, "it opens and closes at the same time");
        }
        ZoneId zone = hostZone;
        if (i < parts.length) {
            try {
                zone = ZoneId.of(parts[i]);
            } catch (DateTimeException e) {
                throw bad(text, "'" + parts[i] + "' is not a time zone (such as UTC or Europe/Berlin)");
            }
        }
        return new Window(text.strip(), days, start, end, zone);
    }

    /** Whether the window runs over midnight (it closes the day after it opens). */
    public boolean overnight() {
        return end.isBefore(start);
    }

    /** The opening this window is in at {@code t}, if it is open then: when it closes. */
    public Optional<Instant> closingIfOpen(Instant t) {
        LocalDate today = t.atZone(zone).toLocalDate();
        for (LocalDate day : new LocalDate[] {today.minusDays(1), today}) {
            if (!days.contains(day.getDayOfWeek())) {
                continue;
            }
            Instant open = at(day, start);
            Instant close = at(overnight() ? day.plusDays(1) : day, end);
            if (!t.isBefore(open) && t.isBefore(close)) {
                return Optional.of(close);
            }
        }
        return Optional.empty();
    }

    /** The first opening at or after {@code t} (t itself when open then). */
    public Instant nextOpening(Instant t) {
        if (closingIfOpen(t).isPresent()) {
            return t;
        }
        LocalDate today = t.atZone(zone).toLocalDate();
        for (int d = 0; d <= 8; d++) {
            LocalDate day = today.plusDays(d);
            Instant open = at(day, start);
            if (days.contains(day.getDayOfWeek()) && !open.isBefore(t)) {
                return open;
            }
        }
        throw new IllegalStateException("window " + text + " never opens"); // days is never empty
    }

    private Instant at(LocalDate day, LocalTime time) {
        return ZonedDateTime.of(day, time, zone).toInstant();
    }

    private static Set<DayOfWeek> days(String text, String spec) {
        Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
        for (String item : spec.split(",", -1)) {
            String[] range = item.split("-", -1);
            if (range.length == 1) {
                days.add(day(text, range[0]));
            } else if (range.length == 2) {
                DayOfWeek from = day(text, range[0]);
                DayOfWeek to = day(text, range[1]);
                for (DayOfWeek d = from; ; d = d.plus(1)) { // Fri-Mon runs over the weekend
                    days.add(d);
                    if (d == to) {
                        break;
                    }
                }
            } else {
                throw bad(text, "'" + item + "' is not a day or a range of days");
            }
        }
        return days;
    }

    private static DayOfWeek day(String text, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (DayOfWeek d : DayOfWeek.values()) {
            String full = d.name().toLowerCase(Locale.ROOT);
            if (n.length() >= 3 && full.startsWith(n)) {
                return d;
            }
        }
        throw bad(text, "'" + name + "' is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
    }

    private static LocalTime time(String text, String t) {
        if (!t.matches("\\d{1,2}:\\d{2}(:\\d{2})?")) {
            throw bad(text, "'" + t + "' is not a time HH:MM");
        }
        if (t.equals("24:00")) {
            return LocalTime.MAX;
        }
        try {
            return LocalTime.parse(t.length() == 4 || t.length() == 7 ? "0" + t : t);
        } catch (DateTimeParseException e) {
            throw bad(text, "'" + t + "' is not a time of day");
        }
    }

    private static UserError bad(String text, String why) {
        return new UserError("--window '" + text + "' does not parse" + (why.isEmpty() ? "" : ": " + why) + "; " + FORM);
    }
}
