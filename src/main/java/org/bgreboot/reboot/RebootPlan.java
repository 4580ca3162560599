package org.bgreboot.reboot;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.bgreboot.engine.ClonePlan;
import org.bgreboot.state.VmState;

/**
 * Everything a reboot will create, decided in PREPARE and journaled before anything is created,
 * so recovery knows what may exist. An in-place reboot's "clone" is the VM itself restarted.
 *
 * @param from what FG runs: its layers, kernel and persistent disk
 * @param to   what the clone runs and the VM runs afterwards: the new layers and kernel
 * @param keepState the guest's named services are carried across the switch (bgreboot-keep armed in
 *                  FG, images on the persistent disk): recovery resumes or restores them too.
 *                  Absent (false) in journals written before it existed.
 */
public record RebootPlan(String id, String vm, String engine, Method method, SwitchMode switchMode, ClonePlan clonePlan,
                         VmState from, VmState to, boolean keepState) {

    public RebootPlan(String id, String vm, String engine, Method method, SwitchMode switchMode, ClonePlan clonePlan, VmState from, VmState to) {
        this(id, vm, engine, method, switchMode, clonePlan, from, to, false);
    }

    /** {@code 20261201T140602Z-g3}: when, and the generation it makes. */
    static String newId(int toGeneration) {
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now()) + "-g" + toGeneration;
    }

    public int fromGeneration() {
        return from.generation();
    }

    public int toGeneration() {
        return to.generation();
    }
}
