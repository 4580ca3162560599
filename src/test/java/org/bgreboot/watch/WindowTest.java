package org.bgreboot.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import org.bgreboot.UserError;
import org.junit.jupiter.api.Test;

class WindowTest {
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    static Instant at(String local) {
        return LocalDateTime.parse(local).atZone(BERLIN).toInstant();
    }

    @Test void weekdaysAtNight() {
        Window w = Window.parse("Mon-Fri 02:00-05:00", BERLIN);
        assertThat(w.closingIfOpen(at("2026-12-07T02:00:00"))).contains(at("2026-12-07T05:00:00")); // Monday
        assertThat(w.closingIfOpen(at("2026-12-07T04:59:59"))).isPresent();
        assertThat(w.closingIfOpen(at("2026-12-07T05:00:00"))).isEmpty();
        assertThat(w.closingIfOpen(at("2026-12-07T01:59:59"))).isEmpty();
        assertThat(w.closingIfOpen(at("2026-12-06T03:00:00"))).isEmpty(); // Sunday
        assertThat(w.nextOpening(at("2026-12-05T12:00:00"))).isEqualTo(at("2026-12-07T02:00:00")); // Saturday -> Monday
        assertThat(w.nextOpening(at("2026-12-07T03:00:00"))).isEqualTo(at("2026-12-07T03:00:00")); // open now
    }

    @Test void overMidnightClosesTheNextDay() {
        Window w = Window.parse("Fri 22:00-02:00", BERLIN);
        assertThat(w.overnight()).isTrue();
        assertThat(w.closingIfOpen(at("2026-12-04T23:30:00"))).contains(at("2026-12-05T02:00:00")); // Friday night
        assertThat(w.closingIfOpen(at("2026-12-05T01:00:00"))).contains(at("2026-12-05T02:00:00")); // Saturday morning: Friday's window
        assertThat(w.closingIfOpen(at("2026-12-05T23:00:00"))).isEmpty(); // Saturday night: not a Friday
        assertThat(w.closingIfOpen(at("2026-12-04T01:00:00"))).isEmpty(); // Friday morning: Thursday's would be, there is none
    }

    @Test void daysListsRangesOverTheWeekendAndEveryDay() {
        assertThat(Window.parse("Sat,Sun 01:00-06:00", BERLIN).days()).hasSize(2);
        assertThat(Window.parse("Fri-Mon 01:00-06:00", BERLIN).days()).hasSize(4);
        assertThat(Window.parse("01:00-06:00", BERLIN).days()).hasSize(7);
        assertThat(Window.parse("monday 01:00-06:00", BERLIN).days()).hasSize(1);
    }

    @Test void secondsAndAZoneOfItsOwn() {
        Window w = Window.parse("10:00:05-10:00:35 UTC", BERLIN);
        Instant t = Instant.parse("2026-12-07T10:00:10Z");
        assertThat(w.closingIfOpen(t)).contains(Instant.parse("2026-12-07T10:00:35Z"));
        assertThat(w.closingIfOpen(Instant.parse("2026-12-07T10:00:04Z"))).isEmpty();
    }

    @Test void wallClockHoursHoldAcrossDaylightSaving() {
        Window w = Window.parse("02:30-04:00", BERLIN);
        // 2026-10-25: clocks go back at 03:00 CEST -> 02:00 CET; the window still closes at 04:00 local
        assertThat(w.closingIfOpen(at("2026-10-25T03:30:00"))).contains(at("2026-10-25T04:00:00"));
        // 2026-03-29: 02:00 -> 03:00; 02:30 does not exist and is taken as 03:30 (java.time's gap rule)
        assertThat(w.nextOpening(at("2026-03-29T01:00:00"))).isEqualTo(at("2026-03-29T03:30:00"));
    }

    @Test void badWindowsAreOneLine() {
        for (String bad : List.of("Mon-Fri", "Mon-Fri 2-5", "Funday 02:00-05:00", "Mon-Fri 02:00-02:00", "Mon-Fri 25:00-26:00",
                "Mon 02:00-05:00 Mars/Olympus", "", "Mon-Fri 02:00 05:00 UTC extra")) {
            assertThatThrownBy(() -> Window.parse(bad, BERLIN)).isInstanceOf(UserError.class)
                    .hasMessageStartingWith("--window '" + bad.strip() + "' does not parse").hasMessageNotContaining("\n");
        }
    }

    @Test void severalWindowsOpenAtEitherAndNoneMeansAlways() {
        Windows ws = Windows.parse(List.of("Mon-Fri 02:00-05:00", "Sat 01:00-06:00"), BERLIN);
        assertThat(ws.openAt(at("2026-12-05T05:30:00"))).isTrue(); // Saturday
        assertThat(ws.openAt(at("2026-12-07T05:30:00"))).isFalse(); // Monday after 05:00
        assertThat(ws.nextOpening(at("2026-12-07T05:30:00"))).isEqualTo(at("2026-12-08T02:00:00"));
        assertThat(Windows.ALWAYS.openAt(Instant.EPOCH)).isTrue();
        assertThat(Windows.ALWAYS.nextOpening(Instant.EPOCH)).isEqualTo(Instant.EPOCH);
    }
}
