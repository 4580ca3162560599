package org.bgreboot.engine.memory;

/** The programs a guest in memory knows by path, for specs that drive it. */
public final class GuestPaths {
    public static final String INSTALL = "/usr/lib/bgreboot/update";
    public static final String READY = "/usr/lib/bgreboot/ready";
    public static final String RELEASE = "/usr/lib/bgreboot/release";
    public static final String ATTACH = "/usr/lib/bgreboot/attach";
    public static final String KEXEC = "/usr/lib/bgreboot/kexec";
    /** The line the guest's console shows once it is up. */
    public static final String READY_LINE = "bgreboot-ready";

    private GuestPaths() {}
}
