package org.bgreboot.watch;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.bgreboot.Progress;
import org.bgreboot.engine.libvirt.HostLease;
import org.bgreboot.engine.libvirt.LibvirtEngine;

/**
 * Host locks as leases kept by each libvirt host ({@link HostLease}): taken for {@value #TTL_S} s
 * and renewed every {@value #RENEW_S} s while held, so a holder killed outright stops blocking the
 * host a minute and a half later, and a holder that lost its lease notices at its next renewal or
 * before its next reboot starts.
 */
public final class LeaseLocks implements HostLocks, AutoCloseable {
    static final long TTL_S = 90;
    static final long RENEW_S = 20;

    private final Function<String, Optional<LibvirtEngine>> engines;
    private final Clock clock;
    private final Progress log;
    private final String id = UUID.randomUUID().toString();
    private final String who;
    private final Map<String, Boolean> held = new ConcurrentHashMap<>();
    private final Thread renewer;
    private volatile boolean open = true;

    /** @param what who this is, for others to read: "watch", "reboot of web" */
    public LeaseLocks(String what, Function<String, Optional<LibvirtEngine>> engines, Clock clock, Progress log) {
        this.engines = engines;
        this.clock = clock;
        this.log = log;
        this.who = what + " (pid " + ProcessHandle.current().pid() + " on " + hostname() + ", since "
                + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault()).format(clock.instant()) + ")";
        this.renewer = new Thread(this::renewLoop, "lease-renewer");
        renewer.setDaemon(true);
        renewer.start();
    }

    public String who() {
        return who;
    }

    @Override public Optional<String> take(String host) {
        Optional<LibvirtEngine> e = engines.apply(host);
        if (e.isEmpty()) {
            return Optional.of("nobody can tell: the host does not answer");
        }
        Instant now = clock.instant();
        HostLease lease = e.get().lease();
        HostLease.Holder h = lease.take(id, who, now.plusSeconds(TTL_S), now);
        if (!h.id().equals(id) && deadHereAlready(h)) {
            log.step("the lease of host " + host + " was held by " + h.who() + ", which no longer runs: taken over");
            h = lease.take(id, who, now.plusSeconds(TTL_S), h.until()); // as if it had expired: only one taker's define wins
        }
        if (h.id().equals(id)) {
            held.put(host, true);
            return Optional.empty();
        }
        return Optional.of(describe(h));
    }

    @Override public boolean renew(String host) {
        if (!held.containsKey(host)) {
            return false;
        }
        boolean ok = engines.apply(host).map(e -> e.lease().renew(id, who, clock.instant().plusSeconds(TTL_S))).orElse(false);
        if (!ok) {
            held.remove(host);
            log.step("the lease of host " + host + " was lost (it expired and was taken, or the host does not answer): nothing new starts there");
        }
        return ok;
    }

    @Override public void release(String host) {
        if (held.remove(host) != null) {
            engines.apply(host).ifPresent(e -> {
                try {
                    e.lease().release(id);
                } catch (RuntimeException ex) {
                    log.step("could not give up the lease of " + host + " (" + ex.getMessage() + "): it expires by itself");
                }
            });
        }
    }

    @Override public Optional<String> holder(String host) {
        try {
            Instant now = clock.instant();
            return engines.apply(host).flatMap(e -> e.lease().holder()).filter(h -> !h.expired(now)).map(LeaseLocks::describe);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * A holder on this machine whose process is gone (a watch killed outright) need not be waited
     * out: its lease is as good as expired. One elsewhere is, since its process cannot be seen.
     */
    static boolean deadHereAlready(HostLease.Holder h) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(pid (\\d+) on ([^,]+),").matcher(h.who());
        return m.find() && m.group(2).equals(hostname()) && ProcessHandle.of(Long.parseLong(m.group(1))).map(p -> !p.isAlive()).orElse(true);
    }

    static String describe(HostLease.Holder h) {
        return h.who();
    }

    private void renewLoop() {
        while (open) {
            try {
                Thread.sleep(RENEW_S * 1000);
            } catch (InterruptedException e) {
                return;
            }
            for (String host : held.keySet()) {
                try {
                    renew(host);
                } catch (RuntimeException e) {
                    log.step("renewing the lease of " + host + " failed: " + e.getMessage());
                }
            }
        }
    }

    @Override public void close() {
        open = false;
        renewer.interrupt();
        held.keySet().forEach(this::release);
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "this machine";
        }
    }
}
