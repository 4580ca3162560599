package org.bgreboot.spec;

import java.util.List;
import java.util.Optional;

/**
 * [update], read once for every engine: the install command, the kernel the update boots, the
 * kexec command. Where the kernel's files are is the engine's say ({@link Kernel}).
 */
final class UpdateSection {
    /** An engine's reading of update.kernel, .initrd and .cmdline: files beside the spec, or paths on a libvirt host. */
    interface Kernel {
        Optional<VmSpec.KernelBoot> read(SpecFile.Upd update);
    }

    private UpdateSection() {}

    static Optional<VmSpec.Update> read(SpecFile.Upd u, Kernel kernel, SpecCheck check) {
        if (u == null) {
            return Optional.empty();
        }
        List<String> install = u.install() == null ? List.of() : check.argv("update.install", u.install());
        Optional<VmSpec.KernelBoot> boot = kernel.read(u);
        List<String> kexec = u.kexec() == null ? List.of() : check.argv("update.kexec", u.kexec());
        return Optional.of(new VmSpec.Update(install, boot, kexec));
    }
}
