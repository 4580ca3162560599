package org.bgreboot.spec;

import java.time.Duration;
import java.util.List;

/** [hooks]: the guest commands that release and attach the persistent disk, and their timeout. */
final class HooksSection {
    private HooksSection() {}

    static VmSpec.Hooks read(SpecFile.HookSet h, SpecCheck check) {
        List<String> release = h == null || h.release() == null ? List.of() : check.argv("hooks.release", h.release());
        List<String> attach = h == null || h.attach() == null ? List.of() : check.argv("hooks.attach", h.attach());
        Duration timeout = h == null || h.timeout() == null ? VmSpec.Hooks.DEFAULT_TIMEOUT : check.duration("hooks.timeout", h.timeout());
        return new VmSpec.Hooks(release, attach, timeout);
    }
}
