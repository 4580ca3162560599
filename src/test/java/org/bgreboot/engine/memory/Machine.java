package org.bgreboot.engine.memory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bgreboot.engine.CpuShare;

/**
 * One instance as its hypervisor has it, whoever holds a handle to it: running, paused or gone;
 * its layers, its hold on the persistent disk, its place on the network, its CPU. Kept by the
 * world, changed only under its lock.
 */
final class Machine {
    enum State { PAUSED, RUNNING, DEAD }

    final String vm;
    final String id;
    final String host;
    final long memoryBytes;
    final int generation;
    final long startedNanos = System.nanoTime();
    final Guest guest = new Guest();

    State state = State.PAUSED;
    String exitWhy = "";
    /** Launched beside the serving one and not promoted yet. */
    boolean clone;
    /** The top layer of each system disk. */
    List<Path> layers;
    /** The clone point was cut under it. */
    boolean cutDone;
    /** The persistent disk it gets (at boot, or when it takes it). */
    Path disk;
    /** Booted with an empty device where the persistent disk will be (a swap, not a hot-plug, at the switch). */
    boolean placeholder;
    /** Holds the persistent disk's image open. */
    boolean opened;
    /** Its guest sees the persistent disk. */
    boolean attached;
    /** Once dead and still holding the image: when it lets go. */
    long releaseAtNanos = Long.MAX_VALUE;
    /** Its link is up and its guest sends (a clone's from {@code World.linkUp} on). */
    boolean linkUp;
    /** New clients reach it. */
    boolean owns;
    /** It let a clone take the network; it answers only what it had accepted. */
    boolean handedOver;
    CpuShare share = CpuShare.NORMAL;
    final List<Double> ceilings = new ArrayList<>();
    double busy;
    boolean forgotten;
    /** Asked to power off: it goes down at its next look. */
    boolean powerOffAsked;

    Machine(String vm, String id, String host, long memoryBytes, int generation) {
        this.vm = vm;
        this.id = id;
        this.host = host;
        this.memoryBytes = memoryBytes;
        this.generation = generation;
    }

    boolean alive() {
        return state != State.DEAD;
    }

    /** Dead, and its process has closed the image: what "released" means from outside. */
    boolean holdsImage() {
        return opened && (alive() || System.nanoTime() < releaseAtNanos);
    }

    String name() {
        return vm + "/" + id;
    }

    @Override public String toString() {
        return name();
    }
}
