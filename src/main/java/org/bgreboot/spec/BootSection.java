package org.bgreboot.spec;

import java.nio.file.Path;
import java.util.Optional;

/**
 * [boot] on the embedded engine, and the kernel of [update] there: files beside the spec. An
 * update may name a kernel only when the VM boots one (direct kernel boot); it inherits [boot]'s
 * command line unless it gives its own.
 */
final class BootSection {
    private static final String DEFAULT_CMDLINE = "console=ttyS0";

    private BootSection() {}

    static Optional<VmSpec.KernelBoot> read(SpecFile.Boot b, SpecCheck check) {
        return b == null ? Optional.empty() : Optional.of(kernel("boot", b.kernel(), b.initrd(), b.cmdline(), check));
    }

    static UpdateSection.Kernel updateKernel(SpecFile.Boot b, SpecCheck check) {
        return u -> {
            if (u.kernel() == null) {
                return Optional.empty();
            }
            if (b == null) {
                check.fail("update.kernel is set but the VM boots from disk: drop update.kernel (the updated disk chooses the kernel) or add [boot]");
            }
            String cmdline = u.cmdline() != null ? u.cmdline() : b.cmdline();
            return Optional.of(kernel("update", u.kernel(), u.initrd(), cmdline, check));
        };
    }

    private static VmSpec.KernelBoot kernel(String section, String kernel, String initrd, String cmdline, SpecCheck check) {
        Path k = check.existingFile(section + ".kernel", kernel);
        Path i = initrd == null ? null : check.existingFile(section + ".initrd", initrd);
        return new VmSpec.KernelBoot(k, i, cmdline == null ? DEFAULT_CMDLINE : cmdline);
    }
}
