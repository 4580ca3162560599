package org.bgreboot.watch;

import java.util.Optional;
import org.bgreboot.installed.NeedsReboot;

/**
 * What one VM said when watch asked it: whether it needs a reboot (through its guest agent), or
 * why it could not be asked (its guest does not answer, a reboot of it is under way).
 */
public record VmAnswer(String vm, String host, Optional<NeedsReboot> needs, String problem) {
    public static VmAnswer of(String vm, String host, NeedsReboot n) {
        return new VmAnswer(vm, host, Optional.of(n), "");
    }

    public static VmAnswer unknown(String vm, String host, String why) {
        return new VmAnswer(vm, host, Optional.empty(), why);
    }

    public boolean needed() {
        return needs.map(NeedsReboot::needed).orElse(false);
    }

    public PendingUpdate update() {
        return needs.map(PendingUpdate::of).orElse(new PendingUpdate("", java.util.List.of(), java.util.List.of()));
    }
}
