package org.bgreboot.fleet;

import java.util.Map;

/**
 * Where one VM of a roll stands, journaled at each change: pending, running (its reboot under
 * way, or interrupted: resume recovers it), then its reboot's outcome (switched, aborted: the VM
 * kept serving unchanged, cold-booted, down), failed (bgreboot could not run it), or skipped. {@code generationBefore} tells a resumed roll whether a recovered reboot completed;
 * {@code result} holds the report's figures once there are any.
 */
public record VmProgress(String vm, String host, State state, String detail, int generationBefore, Map<String, Object> result) {
    public enum State {
        PENDING, RUNNING, SWITCHED, ABORTED, COLD_BOOTED, DOWN, FAILED, SKIPPED;

        /** A reboot's outcome as the roll's state (an in-place reboot's counts as a switch: the VM serves the update). */
        static State of(org.bgreboot.reboot.Outcome o) {
            return switch (o.kind()) {
                case SWITCHED, REBOOTED -> SWITCHED;
                case ABORTED -> ABORTED;
                case COLD_BOOTED -> COLD_BOOTED;
                case DOWN -> DOWN;
            };
        }
    }

    public VmProgress {
        result = result == null ? Map.of() : Map.copyOf(result.entrySet().stream().filter(e -> e.getValue() != null)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }

    VmProgress with(State s, String why) {
        return new VmProgress(vm, host, s, why, generationBefore, result);
    }

    VmProgress started(int generation) {
        return new VmProgress(vm, host, State.RUNNING, "", generation, Map.of());
    }

    VmProgress finished(State s, String why, Map<String, Object> figures) {
        return new VmProgress(vm, host, s, why, generationBefore, figures);
    }

    boolean finished() {
        return state != State.PENDING && state != State.RUNNING;
    }

    /** Finished, and not by a switch: what --on-failure acts on. */
    boolean failed() {
        return finished() && state != State.SWITCHED && state != State.SKIPPED;
    }
}
