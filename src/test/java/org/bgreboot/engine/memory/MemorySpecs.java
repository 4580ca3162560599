package org.bgreboot.engine.memory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.spec.ByteSize;
import org.bgreboot.spec.VmSpec;

/**
 * Specs of VMs whose guests run in memory: the guest's programs by their {@link GuestPaths}, every
 * kind of readiness check (agent, console line, guest command, service), hooks with short timeouts.
 */
public final class MemorySpecs {
    private MemorySpecs() {}

    public static VmSpec spec(Path dir, String name) {
        return new VmSpec(dir.resolve(name + ".toml"), name, ByteSize.ofMiB(512), 1, "q35",
                List.of(dir.resolve("images").resolve(name + "-system.qcow2")),
                new VmSpec.PersistentDisk(dir.resolve("images").resolve(name + "-data.qcow2"), "qcow2", "data-" + name),
                VmSpec.Network.user("52:54:00:00:00:01", List.of(new VmSpec.PortForward("127.0.0.1", 18080, 80))),
                Optional.empty(),
                new VmSpec.Hooks(List.of(GuestPaths.RELEASE), List.of(GuestPaths.ATTACH), Duration.ofMillis(500)),
                new VmSpec.Readiness(Duration.ofSeconds(5), true, List.of(List.of(GuestPaths.READY)), Optional.of(GuestPaths.READY_LINE),
                        Optional.of("http://localhost/")),
                Optional.of(new VmSpec.Update(List.of(GuestPaths.INSTALL), Optional.empty(), List.of(GuestPaths.KEXEC))),
                VmSpec.SwitchPolicy.DEFAULT, Optional.empty());
    }

    /** A guest that installs its own updates: no install command; the reboot boots what it installed. */
    public static VmSpec selfUpdating(VmSpec s) {
        return new VmSpec(s.file(), s.name(), s.memory(), s.cpus(), s.machine(), s.systemDisks(), s.persistentDisk(), s.network(), s.boot(),
                s.hooks(), s.ready(), Optional.empty(), s.switchPolicy(), s.libvirt());
    }

    public static VmSpec withReadyTimeout(VmSpec s, Duration timeout) {
        return new VmSpec(s.file(), s.name(), s.memory(), s.cpus(), s.machine(), s.systemDisks(), s.persistentDisk(), s.network(), s.boot(),
                s.hooks(), new VmSpec.Readiness(timeout, s.ready().agent(), s.ready().commands(), s.ready().serial(), s.ready().service()),
                s.update(), s.switchPolicy(), s.libvirt());
    }

    public static VmSpec withHooks(VmSpec s, VmSpec.Hooks hooks) {
        return new VmSpec(s.file(), s.name(), s.memory(), s.cpus(), s.machine(), s.systemDisks(), s.persistentDisk(), s.network(), s.boot(),
                hooks, s.ready(), s.update(), s.switchPolicy(), s.libvirt());
    }

    public static VmSpec withSwitchPolicy(VmSpec s, VmSpec.SwitchPolicy policy) {
        return new VmSpec(s.file(), s.name(), s.memory(), s.cpus(), s.machine(), s.systemDisks(), s.persistentDisk(), s.network(), s.boot(),
                s.hooks(), s.ready(), s.update(), policy, s.libvirt());
    }

    /** Direct kernel boot: the VM boots {@code kernel} now and the update's kernel after a reboot. */
    public static VmSpec withKernels(VmSpec s, Path kernel, Path updateKernel) {
        VmSpec.KernelBoot now = new VmSpec.KernelBoot(kernel, null, "console=ttyS0");
        VmSpec.Update u = s.update().orElseThrow();
        return new VmSpec(s.file(), s.name(), s.memory(), s.cpus(), s.machine(), s.systemDisks(), s.persistentDisk(), s.network(),
                Optional.of(now), s.hooks(), s.ready(), Optional.of(new VmSpec.Update(u.install(), Optional.of(new VmSpec.KernelBoot(updateKernel, null,
                "console=ttyS0")), u.kexec())), s.switchPolicy(), s.libvirt());
    }

    /** On a bridge, with its own address: what carries a kept service's TCP connections across the switch. */
    public static VmSpec bridged(VmSpec s) {
        VmSpec.Network n = new VmSpec.Network(VmSpec.Network.Mode.BRIDGE, s.network().mac(), List.of(), "br0", "", "10.77.110.10", "", 80);
        return new VmSpec(s.file(), s.name(), s.memory(), s.cpus(), s.machine(), s.systemDisks(), s.persistentDisk(), n, s.boot(),
                s.hooks(), s.ready(), s.update(), s.switchPolicy(), s.libvirt());
    }

    public static VmSpec withMemory(VmSpec s, ByteSize memory) {
        return new VmSpec(s.file(), s.name(), memory, s.cpus(), s.machine(), s.systemDisks(), s.persistentDisk(), s.network(), s.boot(),
                s.hooks(), s.ready(), s.update(), s.switchPolicy(), s.libvirt());
    }
}
