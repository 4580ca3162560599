package org.bgreboot.keep;

import java.time.Duration;

/**
 * How long the flow gives each bgreboot-keep command (guest/keep/README.md, "the flow contract").
 * The guest bounds its own CRIU runs below these (DUMP_TIMEOUT 40 s, RESTORE_TIMEOUT 30 s), so a
 * limit here is the backstop of a guest that stopped answering.
 */
public record KeepLimits(Duration arm, Duration preDump, Duration guard, Duration dump, Duration resume, Duration status) {
    public static final KeepLimits CONTRACT = new KeepLimits(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30),
            Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(10));
}
