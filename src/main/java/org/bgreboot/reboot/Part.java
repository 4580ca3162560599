package org.bgreboot.reboot;

import java.util.Locale;

/**
 * The timed parts of a reboot, each a value: results, tables and JSON name a part by this, never by
 * a label's text. The label is for people; {@link #key()} is the stable JSON name.
 */
public enum Part {
    PREPARE_SCRATCH("prepare FG scratch overlays"),
    SYNC_FG("sync FG filesystems"),
    FREEZE_FG("freeze FG filesystems"),
    CUT("cut the clone point"),
    THAW_FG("thaw FG filesystems"),
    FETCH_KERNEL("fetch the guest's kernel at the clone point"),
    CLONE_OVERLAYS("create clone overlays"),
    LAUNCH_CLONE("launch clone"),
    BG_NORMAL_PRIORITY("normal priority for BG"),
    REHEARSE("rehearse the switch in BG"),
    SET_BG_CLOCK("set BG clock"),
    ARM_ATTACH("arm attach hook in BG"),
    FIND_MOUNTS("find persistent mounts in FG"),
    /** Keeping state (reboot --keep-state): the guest's bgreboot-keep, each command timed. */
    KEEP_ARM("arm kept services in FG"),
    KEEP_PRE_DUMP("pre-dump kept services in FG"),
    KEEP_GUARD("guard kept ports in BG"),
    KEEP_PRIME("prime kept units in BG"),
    KEEP_DUMP("dump kept services in FG"),
    KEEP_RESUME("resume kept services in FG"),
    KEEP_STATUS("kept services' restore in BG"),
    KEEP_DISARM("disarm kept services in FG"),
    /** The switch's network move: BG's link up where it was still down (FG serving), FG lets go, BG takes it, FG answers what it had. */
    BG_LINK_UP("BG's link"),
    FG_HANDS_OVER("FG hands the network over"),
    BG_TAKES_NETWORK("BG takes the network"),
    FG_DRAINS("FG answers what it had"),
    RELEASE_FREEZE("freeze persistent disk in FG"),
    RELEASE_HOOK("release hook in FG"),
    STOP_FG("stop FG for good"),
    FG_LETS_GO("FG lets go of the persistent disk"),
    SAVE_RESTORE("save and restore the clone"),
    TAKE_DISK("give BG the persistent disk"),
    ATTACH_HOOK("attach hook in BG"),
    STREAM("stream old layer into new overlay"),
    COLD_BOOT("cold boot of the updated disks"),
    REQUEST_REBOOT("request reboot"),
    REQUEST_KEXEC("request kexec"),
    GUEST_POWERS_OFF("guest powers off"),
    START_VM("start the VM"),
    GUEST_RESTARTS("guest restarts (agent answers again)");

    private final String label;

    Part(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** Its stable name in JSON: {@code bg_takes_network}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
