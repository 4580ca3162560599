package org.bgreboot.reboot;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bgreboot.vm.VmSpec;

/**
 * Every name a background reboot will create, decided in PREPARE and journaled before anything is
 * created, so recovery knows what may exist.
 *
 * @param fgOverlays     the overlays FG writes to now; they become the clone point (read-only)
 * @param fgScratch      where FG writes after the clone point; discarded after the switch
 * @param bgOverlays     the clone's overlays on the same backing files; they become the VM's
 * @param fgRuntime      FG's runtime directory (generation {@code fromGeneration})
 * @param bgRuntime      the clone's runtime directory (generation {@code toGeneration})
 */
public record RebootPlan(
        String id,
        String vm,
        String method,
        int fromGeneration,
        int toGeneration,
        long fgPid,
        Path fgRuntime,
        Path bgRuntime,
        List<Path> fgOverlays,
        List<Path> fgScratch,
        List<Path> bgOverlays,
        Optional<VmSpec.KernelBoot> bgBoot) {}
