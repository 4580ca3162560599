package org.bgreboot.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** [ready]: when the clone counts as ready, and how long it may take. */
final class ReadySection {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private ReadySection() {}

    static VmSpec.Readiness read(SpecFile.Ready r, SpecCheck check) {
        if (r == null) {
            return new VmSpec.Readiness(DEFAULT_TIMEOUT, true, List.of(), Optional.empty(), Optional.empty());
        }
        Duration timeout = r.timeout() == null ? DEFAULT_TIMEOUT : check.duration("ready.timeout", r.timeout());
        List<List<String>> commands = new ArrayList<>();
        for (List<String> c : r.commands() == null ? List.<List<String>>of() : r.commands()) {
            commands.add(check.argv("ready.commands", c));
        }
        if (r.service() != null && !r.service().matches("https?://[^\\s'\"`;|&$]+")) {
            check.fail("ready.service '" + r.service() + "' must be an http:// URL as seen inside the guest, like http://127.0.0.1/");
        }
        return new VmSpec.Readiness(timeout, r.agent() == null || r.agent(), List.copyOf(commands),
                Optional.ofNullable(r.serial()), Optional.ofNullable(r.service()));
    }
}
