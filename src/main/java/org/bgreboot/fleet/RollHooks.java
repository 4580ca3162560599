package org.bgreboot.fleet;

/**
 * What a caller adds to a roll: a gate asked before each VM starts, a stop that signals may
 * request, and a listener. {@link #plain()}: a roll as {@code bgreboot fleet} runs it.
 */
public record RollHooks(RollGate gate, RollStop stop, RollListener listener) {
    public static RollHooks plain() {
        return new RollHooks(RollGate.OPEN, new RollStop(), RollListener.NONE);
    }
}
