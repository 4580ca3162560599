package org.bgreboot.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.engine.libvirt.LibvirtVm;
import org.bgreboot.experiment.LibvirtLab;
import org.bgreboot.measure.LedgerCheck;
import org.bgreboot.measure.RawHttp;
import org.bgreboot.report.MeasuredReboot;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.testnet.TestNetwork;

/**
 * The libvirt integration tests' hosts: one lab per test JVM (a test network, two private libvirt
 * hosts in namespaces of their own, the second also on qemu+tcp), made on first use and torn down
 * when the JVM ends; demo-guest domains on them, each with its own address. Real libvirtd, real
 * QEMU, real guests.
 */
final class LibvirtTestLab {
    static final int TCP_PORT = 16611;
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static LibvirtLab lab;

    private LibvirtTestLab() {}

    static synchronized LibvirtLab lab() {
        if (lab == null) {
            // BGREBOOT_IT_LIBVIRT_LAB=NET:SUBNET:DIR puts the lab elsewhere (two test runs on one machine)
            // (else BGREBOOT_TESTNETS may move lvit, as for every test network)
            String where = System.getenv("BGREBOOT_IT_LIBVIRT_LAB");
            if (where == null) {
                lab = LibvirtLab.start(TestVms.home(), "lvit", 73, 2, TCP_PORT, TestVms.progress());
            } else {
                String[] w = where.split(":", 3);
                java.nio.file.Path dir = w.length < 3 || w[2].isEmpty() ? TestVms.home().home().resolve("libvirt-lab").resolve(w[0]) : java.nio.file.Path.of(w[2]);
                lab = LibvirtLab.start(TestVms.home(), dir, new TestNetwork.Place(w[0], Integer.parseInt(w[1])), 2, TCP_PORT, TestVms.progress());
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> lab.close(), "libvirt-lab-teardown"));
        }
        return lab;
    }

    static LibvirtLab.LabHost host(int i) {
        return lab().hosts().get(i);
    }

    /** A new demo-guest domain on host {@code hostIndex}, defined (v1, a pristine persistent disk), not started. */
    static LibvirtLab.DemoDomain newDomain(String prefix, int hostIndex) {
        int n = NEXT.incrementAndGet();
        LibvirtLab.DemoDomain d = lab().demoDomain(TestVms.demoImage(), prefix + "-" + n, host(hostIndex), n, "512");
        lab().define(d, true);
        return d;
    }

    static VmSpec spec(LibvirtLab.DemoDomain d) {
        return SpecLoader.forThisHost().load(d.spec());
    }

    /** The VM as the engine sees it, on a connection the caller closes with the engine. */
    static LibvirtVm vm(LibvirtEngine e, LibvirtLab.DemoDomain d) {
        return e.vm(spec(d), TestVms.home().stateDir(d.vm()));
    }

    static LibvirtEngine engine(String uri) {
        return LibvirtEngine.connect(Optional.of(uri));
    }

    /** What the guest's service says of itself (version, kernel, boot id), asked from the client namespace. */
    static JsonNode identity(LibvirtLab.DemoDomain d) {
        URI service = MeasuredReboot.serviceUri(spec(d));
        IOException last = null;
        for (int i = 0; i < 50; i++) {
            try {
                return new ObjectMapper().readTree(RawHttp.get(service, Duration.ofSeconds(5)).body());
            } catch (IOException e) {
                last = e;
                sleep(200);
            }
        }
        throw new AssertionError("the service of " + d.vm() + " does not answer: " + last);
    }

    /** The service's ledger (every acknowledged append on the persistent disk). */
    static String ledger(LibvirtLab.DemoDomain d) throws IOException {
        return LedgerCheck.fetch(MeasuredReboot.serviceUri(spec(d)), Duration.ofSeconds(10));
    }

    static Optional<Long> libvirtdPid(LibvirtLab.DemoDomain d) {
        return lab().libvirtdPid(d.host().index());
    }

    /** SIGKILL to the libvirtd of {@code d}'s host, by its pid; its domains keep running. */
    static long killLibvirtd(LibvirtLab.DemoDomain d) {
        long pid = lab().libvirtdPid(d.host().index()).orElseThrow(() -> new AssertionError("no libvirtd runs for " + d.host().dir()));
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        TestVms.await("libvirtd " + pid + " gone", Duration.ofSeconds(10), () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        return pid;
    }

    /** A new libvirtd for {@code d}'s host (scripts/libvirt-host.sh restart). */
    static void startLibvirtd(LibvirtLab.DemoDomain d) {
        lab().restartLibvirtd(d.host().index());
    }

    /** Ends and undefines every domain of the VM. */
    static void remove(LibvirtLab.DemoDomain d) {
        if (d == null) {
            return;
        }
        try (LibvirtEngine e = engine(d.host().uri())) {
            e.removeVm(d.vm(), d.vm());
        }
    }

    /** The VM's domains on its host as {@code vm list --connect} shows them. */
    static List<LibvirtEngine.Listing> domainsOf(LibvirtLab.DemoDomain d) {
        try (LibvirtEngine e = engine(d.host().uri())) {
            return e.list().stream().filter(l -> l.vm().equals(d.vm()) || l.domain().equals(d.vm())).toList();
        }
    }

    static List<String> running(LibvirtLab.DemoDomain d) {
        return domainsOf(d).stream().filter(LibvirtEngine.Listing::running).map(LibvirtEngine.Listing::domain).toList();
    }

    /** A domain's persistent definition as libvirt has it now (to show it untouched), or "" when there is none. */
    static String definition(String uri, String domain) {
        try (LibvirtEngine e = engine(uri)) { // the engine's runtime (event loop, quiet errors) comes first
            org.libvirt.Connect c = new org.libvirt.Connect(uri);
            try {
                return c.domainLookupByName(domain).getXMLDesc(1 | 2);
            } catch (org.libvirt.LibvirtException missing) {
                return "";
            } finally {
                c.close();
            }
        } catch (org.libvirt.LibvirtException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Defines a domain from XML; started paused when asked (its guest never runs, so its agent never answers). */
    static void define(String uri, String xml, boolean startPaused) {
        try (LibvirtEngine e = engine(uri)) {
            e.define(xml);
            if (startPaused) {
                org.libvirt.Connect c = new org.libvirt.Connect(uri);
                try {
                    c.domainLookupByName(DomainNames.of(xml)).create(1);
                } finally {
                    c.close();
                }
            }
        } catch (org.libvirt.LibvirtException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Starts a defined domain, as 'virsh start' does. */
    static void start(String uri, String domain) {
        onDomain(uri, domain, d -> d.create());
    }

    /** Ends a domain if it runs and removes its definition, as 'virsh destroy' and 'virsh undefine' do. */
    static void undefine(String uri, String domain) {
        onDomain(uri, domain, d -> {
            if (d.isActive() == 1) {
                d.destroy();
            }
            if (d.isPersistent() == 1) {
                d.undefine();
            }
        });
    }

    /** Ends a domain (a transient one is gone with it). */
    static void destroy(String uri, String domain) {
        onDomain(uri, domain, d -> d.destroy());
    }

    /** A transient domain from XML, started paused (as 'virsh create --paused'). */
    static void createTransient(String uri, String xml) {
        try (LibvirtEngine e = engine(uri)) {
            org.libvirt.Connect c = new org.libvirt.Connect(uri);
            try {
                c.domainCreateXML(xml, 1);
            } finally {
                c.close();
            }
        } catch (org.libvirt.LibvirtException ex) {
            throw new IllegalStateException(ex);
        }
    }

    interface DomainAction {
        void on(org.libvirt.Domain d) throws org.libvirt.LibvirtException;
    }

    private static void onDomain(String uri, String domain, DomainAction action) {
        try (LibvirtEngine e = engine(uri)) { // the engine's runtime (event loop, quiet errors) comes first
            org.libvirt.Connect c = new org.libvirt.Connect(uri);
            try {
                action.on(c.domainLookupByName(domain));
            } finally {
                c.close();
            }
        } catch (org.libvirt.LibvirtException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** What the guest's service says of itself, waiting up to {@code timeout} for it to answer (a guest that boots). */
    static JsonNode identity(LibvirtLab.DemoDomain d, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return new ObjectMapper().readTree(RawHttp.get(MeasuredReboot.serviceUri(spec(d)), Duration.ofSeconds(5)).body());
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the service of " + d.vm() + " does not answer after " + timeout.toSeconds() + " s: " + e);
                }
                sleep(500);
            }
        }
    }

    /** A domain's name from its XML. */
    static final class DomainNames {
        static String of(String xml) {
            return xml.replaceFirst("(?s).*?<name>([^<]+)</name>.*", "$1");
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
