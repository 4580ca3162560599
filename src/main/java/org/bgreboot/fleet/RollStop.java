package org.bgreboot.fleet;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.bgreboot.reboot.Cancel;

/**
 * A request to stop a whole roll (SIGINT, SIGTERM): nothing new starts, and every reboot in flight
 * is asked to stop through its own {@link Cancel}: one before its point of no return aborts (the
 * VM keeps serving unchanged), one past it completes its switch. The VMs not rebooted stay pending
 * in the roll's journal, for {@code bgreboot fleet resume}.
 */
public final class RollStop {
    private final AtomicReference<String> reason = new AtomicReference<>();
    private final Set<Cancel> inFlight = ConcurrentHashMap.newKeySet();
    private volatile Path journal;

    /** Asks the roll to stop; {@code why} (a signal's name) ends up in the aborted reboots' reasons. */
    public void request(String why) {
        if (reason.compareAndSet(null, why)) {
            inFlight.forEach(c -> c.request(why));
        }
    }

    public Optional<String> requested() {
        return Optional.ofNullable(reason.get());
    }

    /** The roll's journal, once the roll has one: what a resume is given. */
    public Optional<Path> journal() {
        return Optional.ofNullable(journal);
    }

    /** Whether a reboot in flight is past its point of no return now (a stop would complete it). */
    public boolean anyCommitted() {
        return inFlight.stream().anyMatch(Cancel::committed);
    }

    /** How many reboots are in flight now. */
    public int inFlight() {
        return inFlight.size();
    }

    void journal(Path file) {
        journal = file;
    }

    /** A reboot begins: its own cancel, already requested if the roll is stopping. */
    Cancel begin() {
        Cancel c = new Cancel();
        inFlight.add(c);
        String why = reason.get();
        if (why != null) {
            c.request(why);
        }
        return c;
    }

    void end(Cancel c) {
        inFlight.remove(c);
    }
}
