package org.bgreboot.experiment.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.bgreboot.UserError;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.spec.ByteSize;

import org.bgreboot.experiment.bench.Bench;
import org.bgreboot.experiment.bench.BenchMethod;
/**
 * What one {@code bgreboot bench} run measures: every method at every memory size on one guest,
 * {@code repeat} times each, and optionally FG's throughput while a clone boots.
 *
 * @param guest               {@code tiny} (the demo guest) or {@code debian}
 * @param methods             empty for every method the guest supports (see {@link #resolve})
 * @param interferenceSeconds the length of each throughput window
 */
public record BenchPlan(String guest, List<ByteSize> memories, List<BenchMethod> methods, int repeat,
                        boolean interference, int interferenceSeconds) {
    /** Bench guest name → guest builder kind ({@code guest/<kind>/build.sh}). */
    private static final Map<String, String> BUILDERS = Map.of("tiny", "demo", "debian", "debian");

    public BenchPlan {
        if (!BUILDERS.containsKey(guest)) {
            throw new UserError("unknown guest '" + guest + "': use tiny, debian or debian-postgres");
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

    /** The plan with its methods settled for the guest: all it supports if none were named; kexec only where it can run. */
    public BenchPlan resolve(GuestImage image) {
        if (methods.isEmpty()) {
            return new BenchPlan(guest, memories, Arrays.stream(BenchMethod.values()).filter(m -> m.appliesTo(image)).toList(),
                    repeat, interference, interferenceSeconds);
        }
        for (BenchMethod m : methods) {
            if (!m.appliesTo(image)) {
                throw new UserError("the " + guest + " guest cannot be rebooted by " + m.label()
                        + " (its image has no kexec command, [update] kexec): leave it out of --methods");
            }
        }
        return this;
    }

    public String builderKind() {
        return BUILDERS.get(guest);
    }

    public int runCount() {
        return memories.size() * methods.size() * repeat;
    }

    public ByteSize largestMemory() {
        return memories.get(memories.size() - 1);
    }

    /** The VM the bench makes for one memory size, e.g. {@code bench-tiny-256m}. */
    public String vmName(ByteSize memory) {
        return "bench-" + guest + "-" + memory.toString().toLowerCase();
    }

    /** The command line that runs this plan again, to quote beside its table. */
    public String command() {
        StringBuilder b = new StringBuilder("bgreboot bench --guest ").append(guest)
                .append(" --memory ").append(memories.stream().map(ByteSize::toString).collect(Collectors.joining(",")))
                .append(" --repeat ").append(repeat)
                .append(" --methods ").append(methods.stream().map(BenchMethod::label).collect(Collectors.joining(",")));
        b.append(interference ? " --interference-seconds " + interferenceSeconds : " --no-interference");
        return b.toString();
    }
}
