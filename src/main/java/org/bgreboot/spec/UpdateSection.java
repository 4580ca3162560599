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
        return Optional.of(new VmSpec.Update(install, boot, kexec, guestKernel(u, boot, check)));
    }

    /** update.guest_kernel and .guest_initrd: absolute paths in the guest, instead of a kernel file on the host. */
    private static Optional<VmSpec.GuestKernel> guestKernel(SpecFile.Upd u, Optional<VmSpec.KernelBoot> boot, SpecCheck check) {
        if (u.guestKernel() == null) {
            if (u.guestInitrd() != null) {
                check.fail("update.guest_initrd needs update.guest_kernel");
            }
            return Optional.empty();
        }
        if (boot.isPresent()) {
            check.fail("update.kernel and update.guest_kernel both name the update's kernel: keep one (guest_kernel: the guest's own, fetched at the clone point)");
        }
        return Optional.of(new VmSpec.GuestKernel(guestPath("update.guest_kernel", u.guestKernel(), check),
                u.guestInitrd() == null ? null : guestPath("update.guest_initrd", u.guestInitrd(), check)));
    }

    private static String guestPath(String key, String value, SpecCheck check) {
        if (value.isBlank() || !value.startsWith("/") || value.chars().anyMatch(Character::isISOControl) || value.contains("..")) {
            check.fail(key + " '" + SpecCheck.shown(value) + "' must be an absolute path in the guest, such as /boot/vmlinuz");
        }
        return value;
    }
}
