package org.bgreboot.watch;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * When reboots may start: inside any of the windows, or at any time when there are none. A reboot
 * that started inside a window finishes after it closes; what had not started waits for the next
 * opening.
 */
public record Windows(List<Window> windows) {
    public static final Windows ALWAYS = new Windows(List.of());

    public Windows {
        windows = List.copyOf(windows);
    }

    public static Windows parse(List<String> texts, ZoneId hostZone) {
        return new Windows(texts.stream().map(t -> Window.parse(t, hostZone)).toList());
    }

    public boolean always() {
        return windows.isEmpty();
    }

    public boolean openAt(Instant t) {
        return always() || windows.stream().anyMatch(w -> w.closingIfOpen(t).isPresent());
    }

    /** When the windows open at {@code t} close (the latest of them); empty when none is open, or there are none. */
    public Optional<Instant> closingAt(Instant t) {
        return windows.stream().map(w -> w.closingIfOpen(t)).flatMap(Optional::stream).max(Comparator.naturalOrder());
    }

    /** The first moment at or after {@code t} when reboots may start. */
    public Instant nextOpening(Instant t) {
        return always() ? t : windows.stream().map(w -> w.nextOpening(t)).min(Comparator.naturalOrder()).orElseThrow();
    }

    /** For people: "any time", or the windows as written. */
    public String describe() {
        return always() ? "any time" : String.join(", ", windows.stream().map(Window::text).toList());
    }
}
