package org.bgreboot.engine.embedded;

import java.util.Locale;

/** The QEMU accelerator a VM runs under. */
public enum Accel {
    KVM, TCG;

    public String qemuName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Accel parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "kvm" -> KVM;
            case "tcg" -> TCG;
            default -> throw new IllegalArgumentException("accelerator '" + s + "' is unknown: use kvm or tcg");
        };
    }
}
