package org.bgreboot.reboot;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.bgreboot.engine.ClonePlan;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.VmState;

/**
 * Everything a reboot will create, decided in PREPARE and journaled before anything is created,
 * so recovery knows what may exist. An in-place reboot's "clone" is the VM itself restarted.
 *
 * @param nextBoot the kernel the updated OS boots (direct kernel boot), or empty (its boot loader)
 */
public record RebootPlan(
        String id,
        String vm,
        String engine,
        Method method,
        SwitchMode switchMode,
        int fromGeneration,
        int toGeneration,
        ClonePlan clonePlan,
        Optional<VmSpec.KernelBoot> nextBoot,
        Optional<VmSpec.KernelBoot> previousBoot) {

    /** {@code 20261201T140602Z-g3}: when, and the generation it makes. */
    static String newId(int toGeneration) {
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now()) + "-g" + toGeneration;
    }

    /** The VM as the clone runs it: the new layers and the new kernel. */
    public VmState cloneState() {
        return new VmState(toGeneration, clonePlan.bgOverlays(), nextBoot);
    }

    /** The VM as FG ran it before the reboot. */
    public VmState fgState() {
        return new VmState(fromGeneration, clonePlan.fgOverlays(), previousBoot);
    }
}
