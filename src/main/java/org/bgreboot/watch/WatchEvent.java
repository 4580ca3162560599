package org.bgreboot.watch;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.time.Instant;
import java.util.Optional;
import org.bgreboot.fleet.VmFigures;
import org.bgreboot.fleet.VmProgress;

/**
 * One thing watch tells {@code --notify-command}, as one JSON object on its standard input:
 * {@code start} (a VM's reboot began), an outcome ({@code switched}, {@code rebooted}, {@code aborted},
 * {@code cold_booted}, {@code down}: the values of {@link org.bgreboot.reboot.Outcome.Kind}), or
 * {@code blocked} (the veto said not now). {@code vm} is null for a host's event.
 */
public record WatchEvent(String event, Optional<String> vm, String host, String at, Optional<String> detail, @JsonUnwrapped EventFigures figures) {
    public static final String START = "start";
    public static final String BLOCKED = "blocked";

    /** What an event carries of its reboot: its wave, and once it ended its figures (ms; null where it had no such part). */
    public record EventFigures(Optional<Integer> wave, Optional<Integer> generation, Optional<Double> downtimeMs, Optional<Double> switchMs,
                               Optional<Double> bgReadyMs, Optional<Double> fgPauseMs, Optional<Integer> ackedWrites,
                               Optional<Integer> ackedWritesLost) {

        static EventFigures ofWave(int wave) {
            return new EventFigures(Optional.of(wave), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty());
        }

        /** A finished reboot's figures as the roll's journal keeps them. */
        static EventFigures of(VmProgress p) {
            Optional<VmFigures> f = p.figures();
            return new EventFigures(Optional.empty(), f.map(VmFigures::generation), f.flatMap(x -> x.clients()).map(c -> c.downtimeMs()).filter(EventFigures::real),
                    f.map(VmFigures::switchMs).filter(EventFigures::real), f.map(VmFigures::bgReadyMs).filter(EventFigures::real),
                    f.map(VmFigures::fgPauseMs).filter(EventFigures::real), f.flatMap(x -> x.clients()).map(c -> c.ackedWrites()),
                    f.flatMap(x -> x.clients()).map(c -> c.ackedWritesLost()));
        }

        private static boolean real(double ms) {
            return !Double.isNaN(ms);
        }
    }

    static WatchEvent of(String event, String vm, String host, Instant at, String detail, EventFigures figures) {
        return new WatchEvent(event, vm.isEmpty() ? Optional.empty() : Optional.of(vm), host, at.toString(),
                detail.isEmpty() ? Optional.empty() : Optional.of(detail), figures);
    }
}
