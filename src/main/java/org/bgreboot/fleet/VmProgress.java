package org.bgreboot.fleet;

import java.util.Map;

/**
 * Where one VM of a roll stands, journaled at each change: pending, running (its reboot under
 * way, or interrupted: resume recovers it), done, aborted (the VM kept serving unchanged), failed,
 * skipped. {@code generationBefore} tells a resumed roll whether a recovered reboot completed;
 * {@code result} holds the report's figures once there are any.
 */
public record VmProgress(String vm, String host, State state, String detail, int generationBefore, Map<String, Object> result) {
    public enum State { PENDING, RUNNING, DONE, ABORTED, FAILED, SKIPPED }

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

    boolean failed() {
        return state == State.ABORTED || state == State.FAILED;
    }
}
