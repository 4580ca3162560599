package org.bgreboot.engine.memory;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * How one VM's guests and hypervisor behave, set by a test before it acts: how its next clones and
 * cold boots end, its hooks, its agent, its disk. Read under the world's lock.
 */
public final class Script {
    /** How long a boot takes, real ms (0: up at its first look). */
    public long bootMs;
    /** The fates of the next clones launched, in order; BOOTS once empty. */
    public final Deque<Fate> cloneFates = new ArrayDeque<>();
    /** The fates of the next cold boots, in order; BOOTS once empty. */
    public final Deque<Fate> coldBootFates = new ArrayDeque<>();

    /** The serving guest's agent answers nothing (timeouts). */
    public boolean agentSilent;
    /** A freeze is done in the guest but its reply never comes (a timeout). */
    public boolean freezeReplyLost;
    /** The release hook: exits 1. */
    public boolean releaseHookFails;
    /** The release hook never ends (until killed in the guest). */
    public boolean releaseHookHangs;
    /** The attach hook exits 1 this many more times (each run, armed or not). */
    public int attachHookFailures;
    /** An armed attach hook gives up waiting for the disk after this long, real ms. */
    public long attachWaitMs = 2_000;
    /** The attach hook takes this long once the disk is there, real ms (a slow switch). */
    public long attachMs;
    /** The update's install command exits 1. */
    public boolean installFails;

    /** A killed instance keeps the persistent disk's image open for this long, real ms (a process slow to exit). */
    public long lingerMs;
    /** A killed instance never lets go of the disk's image (stuck in the kernel). */
    public boolean diskNeverReleased;
    /** Free space where the clone's layers go. */
    public long freeBytes = 1L << 40;
    /** Whether the engine can save and restore an instance (the restore switch). */
    public boolean stateSaving = true;
    /** Whether a clone's CPU can be capped. */
    public boolean ceiling = true;
    /** The serving instance's CPU use, as a fraction of one CPU (the governor caps the clone above 0.1). */
    public double fgBusy;
    /** dpkg holds its lock in the serving guest for this many more looks (the clone point waits, a look a second). */
    public int dpkgBusyLooks;
    /** dpkg takes its lock right at the clone point (the look after the cut finds it held). */
    public boolean dpkgAtTheCut;
    /** What the guest says it has installed (the probe's lines); the default: a newer kernel installed and flagged. */
    public String installed = "running=6.1.0-50-amd64\nflag=1\npkg=linux-image-6.1.0-57-amd64\nkernel=6.1.0-50-amd64\nkernel=6.1.0-57-amd64\n";

    /** The services the guest names for bgreboot-keep (keep.d); null: bgreboot-keep is not installed. */
    public java.util.List<String> keptServices;
    /** Kept services whose unit is not set up (they run since before bgreboot-keep's setup). */
    public final java.util.Set<String> keepNotSetUp = new java.util.HashSet<>();
    /** The guest's bgreboot-keep is an older one that has no {@code list} (exit 2, "unknown command"). */
    public boolean keepWithoutList;
    /** The guest's bgreboot-keep is an older one that has no {@code prime} (exit 2, "unknown command"). */
    public boolean keepWithoutPrime;
    /** {@code bgreboot-keep arm} fails. */
    public boolean keepArmFails;
    /** The next this many pre-dumps of a running service fail. */
    public int keepPreDumpFailures;
    /** The final dump of a service fails with this reason (CRIU's), by service. */
    public final java.util.Map<String, String> keepDumpFails = new java.util.HashMap<>();
    /** The final dump takes this long, real ms. */
    public long keepDumpMs;
    /** The final dump never ends (until killed). */
    public boolean keepDumpHangs;
    /** A service's restore fails with this reason, by service; it is started as usual instead. */
    public final java.util.Map<String, String> keepRestoreFails = new java.util.HashMap<>();
    /** Every restore exceeds its time limit (RESTORE_TIMEOUT): killed, the service started as usual. */
    public boolean keepRestoreTimesOut;
    /** {@code bgreboot-keep status} never answers. */
    public boolean keepStatusSilent;

    /** The serving guest ignores power-off requests. */
    public boolean ignoresPowerOff;

    synchronized Fate nextCloneFate() {
        return cloneFates.isEmpty() ? Fate.BOOTS : cloneFates.poll();
    }

    synchronized Fate nextColdBootFate() {
        return coldBootFates.isEmpty() ? Fate.BOOTS : coldBootFates.poll();
    }
}
