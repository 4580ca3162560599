package org.bgreboot.fleet;

/** What a roll does when a VM's reboot fails: start nothing new (in-flight reboots finish or abort), or go on. */
public enum OnFailure {
    STOP, CONTINUE;

    public static OnFailure parse(String s) {
        for (OnFailure f : values()) {
            if (f.name().equalsIgnoreCase(s)) {
                return f;
            }
        }
        throw new org.bgreboot.UserError("--on-failure " + s + " is unknown: use stop or continue");
    }
}
