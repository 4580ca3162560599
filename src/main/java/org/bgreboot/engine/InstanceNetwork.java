package org.bgreboot.engine;

/**
 * An instance's side of the VM's network identity (its MAC, its address, its host ports). A clone
 * is isolated before its first instruction and takes the identity at the switch, while the old
 * instance hands it over and answers what it had accepted. Every call is safe to repeat.
 */
public interface InstanceNetwork {

    /** Cuts the instance off its network: link down, no ports. */
    void isolate();

    /**
     * The switch's first move, before the old instance hands over (it still serves meanwhile): a
     * clone whose link could not come up before the switch without being reached (user networking,
     * isolated by its link alone) has it up now, and its guest is waited for until it sends, a
     * moment at most. A guest drops what it sends until it has taken the carrier; a client's
     * handshake that met that moment waited out TCP's 1-s retry. Nothing where the link came up
     * before the switch, where nothing reached the clone yet (a bridge, libvirt's holding network).
     *
     * @return what happened, in a few words (the step's detail in results): where the link came up, how long the guest took
     */
    default String linkUp() {
        return "";
    }

    /** Gives the instance the VM's network identity: link up, its ports, neighbours told. */
    void take();

    /**
     * Lets a clone with this instance's identity take the network while this one still runs: new
     * clients reach the clone, answers to the ones this one has still reach them. Undone by {@link #take}.
     */
    void handOver();

    /**
     * Waits, a moment at most, until the instance has answered what it had accepted (it has sent
     * nothing for a while), so that a kill does not leave its clients to a timeout.
     *
     * @return how long it waited, ms (0 where nothing can be seen)
     */
    long drain();

    /** Undoes whatever part of {@link #take} a clone did (a crash mid-switch), so another can take it. */
    void release();
}
