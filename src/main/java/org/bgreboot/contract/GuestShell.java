package org.bgreboot.contract;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.jsonwire.WireException;

/** Questions asked inside a guest through its agent: argv, no shell, a short timeout each. */
record GuestShell(GuestAgent agent) {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    ExecResult run(String... argv) {
        return agent.exec(List.of(argv), TIMEOUT);
    }

    boolean ok(String... argv) {
        try {
            return run(argv).ok();
        } catch (WireException e) {
            return false; // no such program, or it hung: a "no" either way
        }
    }

    /** A file's text, or "" when it cannot be read. */
    String read(String path) {
        try {
            return new String(agent.readFile(path, TIMEOUT), StandardCharsets.UTF_8);
        } catch (WireException e) {
            return "";
        }
    }

    /** The block device whose virtio serial is {@code serial} (/dev/vdb), or "" when none has it. */
    String diskWithSerial(String serial) {
        ExecResult r = run("/bin/sh", "-c", "for s in /sys/block/*/serial; do [ \"$(cat \"$s\" 2>/dev/null)\" = \"$1\" ] && "
                + "{ d=${s%/serial}; echo /dev/${d##*/}; }; done; true", "sh", serial);
        return r.stdoutText().strip().lines().findFirst().orElse("");
    }
}
