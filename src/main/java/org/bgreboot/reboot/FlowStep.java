package org.bgreboot.reboot;

/**
 * One step of a background reboot: what it does, how it is undone, and whether acting it is the
 * point of no return. Both its action and its undo look at what exists before they act (recovery
 * replays them after a crash, in another process), so each is safe to run again.
 */
interface FlowStep {

    Step id();

    /** The phase it belongs to, for progress and listeners. */
    Phase phase();

    void act(BackgroundFlow f);

    /** Undoes what {@link #act} did, or any part of it; nothing where nothing needs undoing. */
    default void undo(BackgroundFlow f) { }

    /**
     * Whether this step is the point of no return: once it has begun, the reboot only goes
     * forward (its steps and those after it are completed, never undone).
     */
    default boolean commits() {
        return false;
    }
}
