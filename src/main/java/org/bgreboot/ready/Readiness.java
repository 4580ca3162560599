package org.bgreboot.ready;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.bgreboot.spec.VmSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until every check passes, in order, under one timeout (Testcontainers' WaitAllStrategy).
 * Between attempts it checks that the guest is still alive, so a dead guest fails at once.
 */
public final class Readiness {
    private static final Logger log = LoggerFactory.getLogger(Readiness.class);
    private static final long PAUSE_MS = 25;

    /** When each check passed, in ms since waiting began. */
    public record Passed(String check, double atMs) {}

    private final List<ReadyCheck> checks;
    private final Duration timeout;

    public Readiness(List<ReadyCheck> checks, Duration timeout) {
        this.checks = List.copyOf(checks);
        this.timeout = timeout;
    }

    /** The checks a VM spec asks for, agent first (the others run through it). */
    public static Readiness of(VmSpec.Readiness spec) {
        List<ReadyCheck> checks = new ArrayList<>();
        if (spec.agent() || !spec.commands().isEmpty() || spec.service().isPresent()) {
            checks.add(new AgentAnswers());
        }
        spec.serial().ifPresent(text -> checks.add(new SerialLine(text)));
        spec.commands().forEach(argv -> checks.add(new GuestCommand(argv)));
        spec.service().ifPresent(url -> checks.add(new ServiceAnswers(url)));
        return new Readiness(checks, spec.timeout());
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * @throws GuestFailedException when the guest died, panicked or shut down
     * @throws NotReadyException when a check has not passed at the deadline
     */
    public List<Passed> await(ReadyTarget target, Consumer<Passed> progress) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        List<Passed> passed = new ArrayList<>();
        for (ReadyCheck check : checks) {
            while (true) {
                target.ensureAlive();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new NotReadyException("readiness check '" + check.description() + "' did not pass within "
                            + timeout.toSeconds() + " s");
                }
                boolean ok;
                try {
                    ok = check.attempt(target, Duration.ofNanos(Math.min(left, Duration.ofSeconds(5).toNanos())));
                } catch (RuntimeException e) {
                    log.debug("check '{}' not yet: {}", check.description(), e.toString());
                    ok = false;
                }
                if (ok) {
                    Passed p = new Passed(check.description(), (System.nanoTime() - start) / 1e6);
                    passed.add(p);
                    progress.accept(p);
                    break;
                }
                target.ensureAlive();
                sleep();
            }
        }
        return passed;
    }

    private static void sleep() {
        try {
            Thread.sleep(PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotReadyException("interrupted");
        }
    }
}
