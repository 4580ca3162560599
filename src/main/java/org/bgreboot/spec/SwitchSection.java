package org.bgreboot.spec;

import org.bgreboot.spec.VmSpec.SwitchPolicy;

/** [switch]: how the old VM lets go of the persistent disk, and how the clone gets it. */
final class SwitchSection {
    private SwitchSection() {}

    static SwitchPolicy read(SpecFile.Sw sw, SpecFile.HookSet hooks, SpecCheck check) {
        if (sw == null) {
            return SwitchPolicy.DEFAULT;
        }
        SwitchPolicy.Release release = sw.release() == null ? SwitchPolicy.DEFAULT.release()
                : check.choice("switch.release", sw.release(), SwitchPolicy.Release.class);
        SwitchPolicy.DiskHandover disk = sw.disk() == null ? SwitchPolicy.DEFAULT.disk()
                : check.choice("switch.disk", sw.disk(), SwitchPolicy.DiskHandover.class);
        if (release == SwitchPolicy.Release.HOOK && (hooks == null || hooks.release() == null)) {
            check.fail("switch.release = \"hook\" needs a release hook: add release = [...] to [hooks], or use \"freeze\"");
        }
        return new SwitchPolicy(release, disk);
    }
}
