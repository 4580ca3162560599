package org.bgreboot.experiment.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bgreboot.UserError;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.spec.ByteSize;

/**
 * What one {@code bgreboot bench} run measures: every method at every memory size on each guest,
 * {@code repeat} times each, and optionally FG's throughput while a clone boots.
 *
 * @param guests              {@code tiny} (the demo guest), {@code debian} (Debian 12), {@code debian11},
 *                            {@code debian12}, {@code debian13}; in the order given, each once
 * @param methods             empty for every method all the guests support (see {@link #resolve})
 * @param interferenceSeconds the length of each throughput window
 */
public record BenchPlan(List<String> guests, List<ByteSize> memories, List<BenchMethod> methods, int repeat,
                        boolean interference, int interferenceSeconds) {
    /** Bench guest name → guest builder kind (see GuestBuilder). */
    private static final Map<String, String> BUILDERS = Map.of("tiny", "demo", "debian", "debian",
            "debian11", "debian11", "debian12", "debian12", "debian13", "debian13");
    private static final String KNOWN = "tiny, debian, debian11, debian12, debian13 or debian-postgres";

    public BenchPlan {
        guests = guests.stream().map(String::strip).distinct().toList();
        if (guests.isEmpty()) {
            throw new UserError("nothing to measure: give at least one guest (" + KNOWN + ")");
        }
        for (String g : guests) {
            if (!BUILDERS.containsKey(g)) {
                throw new UserError("unknown guest '" + g + "': use " + KNOWN);
            }
        }
        if (memories.isEmpty()) {
            throw new UserError("nothing to measure: give at least one memory size");
        }
        if (repeat < 1) {
            throw new UserError("--repeat must be at least 1");
        }
        if (interference && interferenceSeconds < 1) {
            throw new UserError("--interference-seconds must be at least 1");
        }
        // sorted and distinct, so tables and charts run from small to large
        memories = memories.stream().distinct().sorted((a, b) -> Long.compare(a.bytes(), b.bytes())).toList();
        methods = methods.stream().distinct().sorted().toList();
    }

    /** One guest: the plan as it was before benches measured several. */
    public BenchPlan(String guest, List<ByteSize> memories, List<BenchMethod> methods, int repeat, boolean interference, int interferenceSeconds) {
        this(List.of(guest), memories, methods, repeat, interference, interferenceSeconds);
    }

    /**
     * The plan with its methods settled for its guests' images (by guest): every method all of them
     * support if none were named; a named method one of them cannot run is refused.
     */
    public BenchPlan resolve(Map<String, GuestImage> images) {
        if (methods.isEmpty()) {
            return new BenchPlan(guests, memories, Arrays.stream(BenchMethod.values())
                    .filter(m -> guests.stream().allMatch(g -> m.appliesTo(images.get(g)))).toList(),
                    repeat, interference, interferenceSeconds);
        }
        for (String g : guests) {
            for (BenchMethod m : methods) {
                if (!m.appliesTo(images.get(g))) {
                    throw new UserError("the " + g + " guest cannot be rebooted by " + m.label()
                            + " (its image has no kexec command, [update] kexec): leave it out of --methods");
                }
            }
        }
        return this;
    }

    /** The plan of one guest resolved against its image. */
    public BenchPlan resolve(GuestImage image) {
        return resolve(guests.stream().collect(Collectors.toMap(g -> g, g -> image)));
    }

    public static String builderKind(String guest) {
        return BUILDERS.get(guest);
    }

    public int runCount() {
        return guests.size() * memories.size() * methods.size() * repeat;
    }

    public ByteSize largestMemory() {
        return memories.get(memories.size() - 1);
    }

    /** FG's throughput while a clone boots is measured on the first guest, at the largest memory size. */
    public String interferenceGuest() {
        return guests.get(0);
    }

    /** The VM the bench makes for one guest and memory size, e.g. {@code bench-tiny-256m}. */
    public String vmName(String guest, ByteSize memory) {
        return "bench-" + guest + "-" + memory.toString().toLowerCase();
    }

    /** The command line that runs this plan again, to quote beside its table. */
    public String command() {
        StringBuilder b = new StringBuilder("bgreboot bench --guest ").append(String.join(",", guests))
                .append(" --memory ").append(memories.stream().map(ByteSize::toString).collect(Collectors.joining(",")))
                .append(" --repeat ").append(repeat)
                .append(" --methods ").append(methods.stream().map(BenchMethod::label).collect(Collectors.joining(",")));
        b.append(interference ? " --interference-seconds " + interferenceSeconds : " --no-interference");
        return b.toString();
    }
}
