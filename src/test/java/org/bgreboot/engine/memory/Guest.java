package org.bgreboot.engine.memory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * What runs inside an instance: its boot (and how it ends), the agent, the filesystems (the system
 * disk at {@code /}, the persistent disk at {@code /data} once mounted, either frozen), the
 * programs started through the agent, the console. Kept by the world, under its lock.
 */
final class Guest {
    enum Status { BOOTING, UP, PANICKED, DOWN }

    /** A program's end: exit status (or the signal that killed it) and its output. */
    record Exit(int code, int signal, String out, String err) {
        static Exit ok(String out) {
            return new Exit(0, 0, out, "");
        }

        static Exit failed(String err) {
            return new Exit(1, 0, "", err);
        }
    }

    /** What a program does each time the agent asks about it: its end, or empty while it runs. */
    @FunctionalInterface
    interface Program {
        Optional<Exit> look(Machine m, GuestProcess p);
    }

    static final class GuestProcess {
        final long pid;
        final List<String> argv;
        final long startedNanos = System.nanoTime();
        final Program program;
        /** A program's own memory between looks (when the disk appeared, say). */
        long markNanos;
        Exit exit;

        GuestProcess(long pid, List<String> argv, Program program) {
            this.pid = pid;
            this.argv = List.copyOf(argv);
            this.program = program;
        }

        long runningMs() {
            return (System.nanoTime() - startedNanos) / 1_000_000;
        }
    }

    Status status = Status.BOOTING;
    Fate fate = Fate.BOOTS;
    long upAtNanos;
    boolean everUp;
    String bootId = UUID.randomUUID().toString();
    final Set<String> frozen = new TreeSet<>();
    boolean dataMounted;
    /** The persistent disk as this guest sees it once mounted: every write it has acknowledged. */
    List<Long> view = new ArrayList<>();
    final Map<Long, GuestProcess> processes = new HashMap<>();
    long nextPid = 300;
    final StringBuilder console = new StringBuilder();
    boolean clockSet;
    /** bgreboot-keep's marker on the system disk: the next switch keeps state. */
    boolean keepArmed;
    /** The kept services' ports drop what arrives (a clone awaiting the restore). */
    boolean keepGuarded;
    /** The kept services running here, by name. */
    final Map<String, KeepGuest.Service> services = new java.util.LinkedHashMap<>();
    /** What the last mount's restore said, one JSON line per service ({@code bgreboot-keep status}). */
    List<String> keepStatus = new ArrayList<>();

    boolean up() {
        return status == Status.UP;
    }

    /** The mountpoints there are now. */
    List<String> mounts() {
        return dataMounted ? List.of("/", "/data") : List.of("/");
    }
}
