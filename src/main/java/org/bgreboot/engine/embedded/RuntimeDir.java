package org.bgreboot.engine.embedded;

import java.nio.file.Path;

/**
 * The runtime directory of one QEMU process (mode 0700): its QMP and agent sockets (0600), serial
 * log, pid file and QEMU's own log. One per generation, so a quitting QEMU that unlinks its socket
 * paths can never remove the sockets of the process that replaced it.
 */
public record RuntimeDir(Path dir) {
    public Path qmpSocket() {
        return dir.resolve("qmp.sock");
    }

    /**
     * A second QMP monitor for observers ({@code vm status}): QEMU serves one client per monitor,
     * and a reboot holds the first for minutes.
     */
    public Path observerSocket() {
        return dir.resolve("qmp-observer.sock");
    }

    public Path agentSocket() {
        return dir.resolve("qga.sock");
    }

    public Path serialLog() {
        return dir.resolve("serial.log");
    }

    public Path pidFile() {
        return dir.resolve("qemu.pid");
    }

    public Path qemuLog() {
        return dir.resolve("qemu.log");
    }
}
