package org.bgreboot.experiment;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.Part;
import org.bgreboot.reboot.Span;
import org.bgreboot.reboot.TimedStep;
import org.bgreboot.render.Table;
import org.bgreboot.output.Figures;

/**
 * The libvirt demo's figures: the demo's table and JSON (with {@code "engine": "libvirt"}), the
 * background switch's steps as libvirt ran them, the domains of the VM running afterwards, and a
 * cold boot of its persistent definition.
 *
 * @param running    the VM's domains running after both reboots: exactly one
 * @param newKernel  the kernel release and version the update brings
 */
public record LibvirtDemoReport(DemoReport demo, List<String> running, ColdBoot coldBoot, String newKernel, String newVersion) implements ExperimentReport {
    /** What the demo promises: the background reboot's downtime at most this share of the normal one's. */
    static final double MAX_DOWNTIME_RATIO = 0.05;

    /** @param failure why the cold boot could not be checked, empty when it was */
    public record ColdBoot(String domain, String kernel, String version, int ackedWrites, int missing, double readyMs, String failure) {}

    /** The background reboot's steps inside its switch (from the network's move to the mount), as libvirt ran them. */
    public List<TimedStep> switchSteps() {
        return demo.run(Method.BACKGROUND).flatMap(r -> Optional.ofNullable(r.reboot().spans().get(Span.SWITCH)).map(sw ->
                r.reboot().steps().stream().filter(s -> s.startMs() >= sw.startMs() && s.endMs() <= sw.endMs()).toList()))
                .orElse(List.of());
    }

    @Override public List<String> problems() {
        List<String> p = new ArrayList<>(demo.problems());
        if (!Double.isNaN(demo.downtimeRatio()) && demo.downtimeRatio() > MAX_DOWNTIME_RATIO) {
            p.add(String.format("the background reboot's downtime is %.1f %% of the normal reboot's, above %.0f %%", 100 * demo.downtimeRatio(),
                    100 * MAX_DOWNTIME_RATIO));
        }
        if (running.size() != 1) {
            p.add(running.size() + " domains of the VM run after the reboots, not one: " + running);
        }
        if (!coldBoot.failure().isEmpty()) {
            p.add("the cold boot of the persistent definition failed: " + coldBoot.failure());
        } else {
            if (!coldBoot.kernel().equals(newKernel) || !coldBoot.version().equals(newVersion)) {
                p.add("the cold boot of the persistent definition runs " + coldBoot.version() + " on " + coldBoot.kernel() + ", not "
                        + newVersion + " on " + newKernel);
            }
            if (coldBoot.missing() > 0) {
                p.add("after the cold boot, " + coldBoot.missing() + " acknowledged writes are missing from the persistent disk");
            }
        }
        return p;
    }

    @Override public String table() {
        StringBuilder b = new StringBuilder(demo.table());
        Table steps = Table.of("background switch on libvirt", "ms");
        switchSteps().forEach(s -> steps.row(s.label(), String.format("%.1f", s.ms())));
        b.append("\n").append(steps.toText());
        b.append("\ndomains of the VM running afterwards: ").append(running.size()).append(" (").append(String.join(", ", running)).append(")\n");
        if (coldBoot.failure().isEmpty()) {
            b.append(String.format("cold boot of its persistent definition (%s): %s on %s, ready after %s; %d of %d acknowledged writes present%n",
                    coldBoot.domain(), coldBoot.version(), coldBoot.kernel(), DemoReport.ms(coldBoot.readyMs()),
                    coldBoot.ackedWrites() - coldBoot.missing(), coldBoot.ackedWrites()));
        } else {
            b.append("cold boot of its persistent definition failed: ").append(coldBoot.failure()).append("\n");
        }
        return b.toString();
    }

    /**
     * {@code demo --engine libvirt --json}: the demo's JSON (docs/schema/demo.schema.json) and what
     * a libvirt VM shows besides.
     *
     * @param switchStepsMs the background switch's parts as libvirt ran them, by key
     */
    public record Json(@JsonUnwrapped DemoReport.Json demo, Map<Part, Double> switchStepsMs, List<String> domainsRunningAfter, ColdBootJson coldBoot) {}

    /** The cold boot of the VM's persistent definition after the switch; {@code failure} null when it could be checked. */
    public record ColdBootJson(String domain, String kernel, String version, double readyMs, int ackedWritesChecked, int ackedWritesMissing,
                               Optional<String> failure) {}

    @Override public Json json() {
        Map<Part, Double> steps = new LinkedHashMap<>();
        switchSteps().forEach(s -> steps.merge(s.part(), s.ms(), Double::sum));
        steps.replaceAll((p, ms) -> Figures.ms(ms));
        ColdBootJson cold = new ColdBootJson(coldBoot.domain(), coldBoot.kernel(), coldBoot.version(), Figures.ms(coldBoot.readyMs()),
                coldBoot.ackedWrites(), coldBoot.missing(), Optional.of(coldBoot.failure()).filter(f -> !f.isEmpty()));
        return new Json(demo.json(problems()), steps, running, cold);
    }

    @Override public String svg() {
        return demo.svg();
    }
}
