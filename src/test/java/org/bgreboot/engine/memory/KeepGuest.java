package org.bgreboot.engine.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.keep.GuestKeep;

/**
 * The guest's bgreboot-keep in memory, as guest/keep/bgreboot-keep behaves: the services a guest
 * names run once its persistent disk is mounted; {@code arm} marks the system disk (a clone cut
 * after it is armed too); pre-dumps and the final dump write images on the persistent disk, the
 * final one leaving the service stopped; the disk's mount in another guest restores from complete
 * images (or starts the service as usual when the restore fails, or there were none), and the
 * images go; {@code resume} lets a stopped service go on; {@code status} says what the mount did.
 * Output is one JSON object per service, as the real script prints.
 */
final class KeepGuest {
    /** What the scripted guard held for a restored service's clients (no clients here: a figure the result must carry). */
    static final int HELD_SEGMENTS = 2;

    private KeepGuest() {}

    /** A kept service's processes in one guest: its pid, and which start it is (a restore carries both over). */
    static final class Service {
        final String name;
        final long pid;
        /** Which start of the service these processes are: the same in FG and in the guest that restored them. */
        final String identity;
        final boolean restored;
        boolean stopped;

        Service(String name, long pid, String identity, boolean restored) {
            this.name = name;
            this.pid = pid;
            this.identity = identity;
            this.restored = restored;
        }
    }

    /** What one service's images on a persistent disk hold. */
    static final class Images {
        int preDumps;
        /** The final dump, once complete: what a restore brings back. */
        Service dumped;
        /** A failed dump's record, for the new VM's status. */
        String failed;

        boolean empty() {
            return preDumps == 0 && dumped == null && failed == null;
        }
    }

    /** What the program does, called by the agent's exec: its end, or empty while it runs (a hang). */
    static Guest.Program program(World world, List<String> argv) {
        String command = argv.size() > 1 ? argv.get(1) : "";
        return (m, p) -> {
            Script s = world.scriptOf(m);
            List<String> names = s.keptServices;
            return switch (command) {
                case "list" -> Optional.of(s.keepWithoutList ? unknown("list") : list(m, s));
                case "arm" -> {
                    if (s.keepArmFails) {
                        yield Optional.of(Guest.Exit.failed("bgreboot-keep: cannot write /var/lib/bgreboot-keep/armed"));
                    }
                    m.guest.keepArmed = true;
                    world.event(m + " armed for keeping state");
                    yield Optional.of(Guest.Exit.ok("{\"armed\":true}\n"));
                }
                case "disarm" -> {
                    m.guest.keepArmed = false;
                    names.forEach(n -> world.keepImages(m).remove(n));
                    world.event(m + " disarmed: the kept services' images are gone");
                    yield Optional.of(Guest.Exit.ok("{\"armed\":false}\n"));
                }
                case "pre-dump" -> Optional.of(preDump(world, m, s));
                case "guard" -> {
                    m.guest.keepGuarded = true;
                    yield Optional.of(Guest.Exit.ok("{\"guard\":true,\"ports\":\"5432\"}\n"));
                }
                case "prime" -> {
                    if (s.keepWithoutPrime) {
                        yield Optional.of(unknown("prime"));
                    }
                    yield Optional.of(Guest.Exit.ok(names.stream().map(n -> "{\"name\":\"" + n + "\",\"primed\":true}\n").reduce("", String::concat)));
                }
                case "dump" -> {
                    if (s.keepDumpHangs) {
                        yield Optional.empty();
                    }
                    if (p.runningMs() < s.keepDumpMs) {
                        yield Optional.empty();
                    }
                    yield Optional.of(dump(world, m, s));
                }
                case "resume" -> Optional.of(resume(world, m, s));
                case "status" -> s.keepStatusSilent ? Optional.empty() : Optional.of(Guest.Exit.ok(String.join("", m.guest.keepStatus)));
                default -> Optional.of(unknown(command));
            };
        };
    }

    /** What an older bgreboot-keep says of a command it does not have. */
    private static Guest.Exit unknown(String command) {
        return new Guest.Exit(2, 0, "", "bgreboot-keep: unknown command '" + command + "'\n");
    }

    private static Guest.Exit list(Machine m, Script s) {
        StringBuilder out = new StringBuilder();
        for (String n : s.keptServices) {
            Service svc = m.guest.services.get(n);
            boolean setup = !s.keepNotSetUp.contains(n);
            out.append(String.format("{\"name\":\"%s\",\"unit\":\"%s.service\",\"ports\":\"5432\",\"setup\":%b,\"active\":\"%s\",\"main_pid\":%d,"
                    + "\"under_keep\":%b,\"criu\":true}%n", n, n, setup, svc == null ? "inactive" : "active", svc == null ? 0 : svc.pid, setup));
        }
        return Guest.Exit.ok(out.toString());
    }

    private static Guest.Exit preDump(World world, Machine m, Script s) {
        StringBuilder out = new StringBuilder();
        boolean failed = false;
        for (String n : s.keptServices) {
            Service svc = m.guest.services.get(n);
            if (svc == null || s.keepPreDumpFailures > 0) {
                if (svc != null) {
                    s.keepPreDumpFailures--;
                }
                out.append(String.format("{\"name\":\"%s\",\"pre_dump\":false,\"reason\":\"%s\"}%n", n, svc == null ? "not running"
                        : "criu pre-dump: Can't dump ghost file"));
                failed = true;
                continue;
            }
            Images img = world.keepImages(m).computeIfAbsent(n, k -> new Images());
            img.preDumps = img.preDumps >= 3 ? 1 : img.preDumps + 1;
            out.append(String.format("{\"name\":\"%s\",\"pre_dump\":true,\"iteration\":%d,\"ms\":1200,\"frozen_ms\":900,\"bytes\":%d,\"pid\":%d}%n",
                    n, img.preDumps, img.preDumps == 1 ? 22_600_000 : 1_200_000, svc.pid));
        }
        world.event(m + " pre-dumped its kept services");
        return failed ? new Guest.Exit(1, 0, out.toString(), "") : Guest.Exit.ok(out.toString());
    }

    private static Guest.Exit dump(World world, Machine m, Script s) {
        StringBuilder out = new StringBuilder();
        boolean failed = false;
        for (String n : s.keptServices) {
            Service svc = m.guest.services.get(n);
            Images img = world.keepImages(m).computeIfAbsent(n, k -> new Images());
            String fails = svc == null ? "postgresql.service is not running" : s.keepDumpFails.get(n);
            if (fails != null) {
                String line = String.format("{\"name\":\"%s\",\"dumped\":false,\"ms\":800,\"reason\":\"%s\"}", n, fails);
                img.preDumps = 0;
                img.dumped = null;
                img.failed = line;
                out.append(line).append('\n');
                failed = true;
                continue;
            }
            svc.stopped = true;
            img.dumped = svc;
            out.append(String.format("{\"name\":\"%s\",\"dumped\":true,\"ms\":3100,\"frozen_ms\":2400,\"bytes\":13100000,\"pre_dumps\":%d,"
                    + "\"pre_dump_bytes\":%d,\"pid\":%d}%n", n, img.preDumps, img.preDumps * 1_000_000L, svc.pid));
        }
        m.guest.keepArmed = false;
        world.event(m + " dumped its kept services" + (failed ? " (some failed)" : ""));
        return failed ? new Guest.Exit(1, 0, out.toString(), "") : Guest.Exit.ok(out.toString());
    }

    private static Guest.Exit resume(World world, Machine m, Script s) {
        StringBuilder out = new StringBuilder();
        for (String n : s.keptServices) {
            Service svc = m.guest.services.get(n);
            Images img = world.keepImages(m).remove(n);
            boolean dumped = img != null && img.dumped != null;
            if (svc != null) {
                svc.stopped = false;
            }
            out.append(String.format("{\"name\":\"%s\",\"resumed\":true,\"dumped\":%b}%n", n, dumped));
        }
        m.guest.keepArmed = false;
        world.event(m + " resumed its kept services");
        return Guest.Exit.ok(out.toString());
    }

    /**
     * The disk was mounted in {@code m} (the attach hook, or a boot with it): each kept service not
     * running there yet is restored from complete images, or started as usual; the images go, and
     * the status says what happened. A service that runs there already (a rolled-back FG) is left be.
     */
    static void mounted(World world, Machine m) {
        Script s = world.scriptOf(m);
        if (s.keptServices == null) {
            return;
        }
        List<String> status = new ArrayList<>();
        for (String n : s.keptServices) {
            if (m.guest.services.containsKey(n)) {
                continue;
            }
            Images img = world.keepImages(m).remove(n);
            if (img != null && img.dumped != null) {
                String fails = s.keepRestoreTimesOut ? "criu restore exceeded 30 s" : s.keepRestoreFails.get(n);
                if (fails == null) {
                    Service restored = new Service(n, img.dumped.pid, img.dumped.identity, true);
                    world.restoredKept(m, restored);
                    m.guest.services.put(n, restored);
                    status.add(String.format("{\"name\":\"%s\",\"restored\":true,\"ms\":3500,\"pid\":%d,\"kept\":[],\"hold\":{\"held\":%d,"
                            + "\"held_ms\":3000,\"release_ms\":40}}%n", n, restored.pid, HELD_SEGMENTS));
                    world.event(m + " restored " + n + " (pid " + restored.pid + ")");
                    continue;
                }
                status.add(String.format("{\"name\":\"%s\",\"restored\":false,\"ms\":30000,\"reason\":\"%s\",\"kept\":[]}%n", n, fails));
            } else if (img != null && img.failed != null) {
                status.add(img.failed + "\n");
            }
            Service fresh = new Service(n, m.guest.nextPid++, java.util.UUID.randomUUID().toString(), false);
            m.guest.services.put(n, fresh);
            world.event(m + " started " + n + " as usual (pid " + fresh.pid + ")");
        }
        if (!status.isEmpty()) {
            m.guest.keepStatus = status;
        }
        m.guest.keepGuarded = false;
        m.guest.keepArmed = false;
    }

    /** The program's path, for the agent's dispatch. */
    static final String PATH = GuestKeep.PROGRAM;
}
