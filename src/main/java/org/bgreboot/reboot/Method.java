package org.bgreboot.reboot;

import java.util.Locale;

/** How a VM is rebooted into its update. */
public enum Method {
    /** Clone, boot the clone in the background, switch over (BackGroundReboot). */
    BACKGROUND,
    /** A graceful reboot inside the guest: the baseline. */
    NORMAL,
    /** {@code kexec} inside the guest: skips firmware and boot loader, still a full OS restart. */
    KEXEC;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
