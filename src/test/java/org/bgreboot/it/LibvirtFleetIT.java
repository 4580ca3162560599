package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bgreboot.FaultPoint;
import org.bgreboot.experiment.LibvirtLab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.bgreboot.output.Schemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code bgreboot fleet} against real libvirt hosts: the bad inputs are one line each with nothing
 * touched; a host whose libvirtd stops mid-roll is reported while the other host's VM is rebooted
 * unharmed. A roll killed mid-way and finished by {@code fleet resume} is FleetRollMemoryTest's
 * (every point, in seconds) and, on a real host, WatchIT's (a watch killed mid-reboot resumes its roll).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibvirtFleetIT {
    private final List<LibvirtLab.DemoDomain> made = new ArrayList<>();

    @AfterEach
    void removeTheVms() {
        made.forEach(LibvirtTestLab::remove);
        made.clear();
    }

    private LibvirtLab.DemoDomain started(String prefix, int host) {
        LibvirtLab.DemoDomain d = LibvirtTestLab.newDomain(prefix, host);
        made.add(d);
        Cli.Run start = Cli.run("vm", "start", "--connect", d.host().uri(), d.spec().toString());
        assertThat(start.exit()).as(start.stderr()).isZero();
        return d;
    }

    private static String uri(int host) {
        return LibvirtTestLab.host(host).uri();
    }

    private static JsonNode vmOf(JsonNode report, String vm) {
        for (JsonNode v : report.path("vms")) {
            if (v.path("vm").asText().equals(vm)) {
                return v;
            }
        }
        throw new AssertionError(vm + " is not in the report");
    }

    @Test
    @Order(3)
    void badInputsAreOneLineEachAndTouchNothing() throws Exception {
        LibvirtLab.DemoDomain d = started("flbad", 0);
        String boot = LibvirtTestLab.identity(d).path("boot_id").asText();
        oneLine(Cli.run("fleet", "--connect", "qemu+unix:///system?socket=/nonexistent/libvirt-sock", "--all"), "cannot reach libvirt at");
        oneLine(Cli.run("fleet", "--connect", uri(0), "nosuchvm"), "VM nosuchvm is on no host of the roll");
        oneLine(Cli.run("fleet", "--connect", uri(0), "--parallel", "0", d.vm()), "--parallel 0 would reboot nothing");
        // a domain of the same name on both hosts
        String twin = "twin-" + d.vm();
        String xml = Files.readString(d.xml()).replace("<name>" + d.vm() + "</name>", "<name>" + twin + "</name>");
        LibvirtTestLab.define(uri(0), xml, false);
        LibvirtTestLab.define(uri(1), xml, false);
        try {
            oneLine(Cli.run("fleet", "--connect", uri(0), "--connect", uri(1), twin), "VM " + twin + " is on two hosts");
        } finally {
            LibvirtTestLab.remove(new LibvirtLab.DemoDomain(twin, LibvirtTestLab.host(0), d.spec(), d.xml(), d.systemImage(), d.persistent(), d.image(), d.address()));
            LibvirtTestLab.remove(new LibvirtLab.DemoDomain(twin, LibvirtTestLab.host(1), d.spec(), d.xml(), d.systemImage(), d.persistent(), d.image(), d.address()));
        }
        // two rolls over the same VM at once
        Path log = Files.createTempFile(TestVms.home().home(), "fleet-busy-", ".log");
        Process first = FaultIT.startCli(Map.of(FaultPoint.PAUSE_ENV, "before:prepare_clone"), log, "fleet", "--connect", uri(0), d.vm());
        try {
            TestVms.await("the first roll to pause", Duration.ofMinutes(2), () -> {
                try {
                    return Files.readString(log).contains("paused at before:prepare_clone");
                } catch (IOException e) {
                    return false;
                }
            });
            oneLine(Cli.run("fleet", "--connect", uri(0), d.vm()), "VM " + d.vm() + " is in another fleet roll");
        } finally {
            first.destroyForcibly();
            first.waitFor(60, TimeUnit.SECONDS);
        }
        Cli.Run recovered = Cli.run("recover", "--connect", uri(0), d.vm());
        assertThat(recovered.exit()).as(recovered.stderr()).isEqualTo(3); // the reboot's outcome: aborted (rolled back)
        assertThat(LibvirtTestLab.identity(d).path("boot_id").asText()).as("no VM was touched").isEqualTo(boot);
        assertThat(LibvirtTestLab.running(d)).containsExactly(d.vm());
    }

    @Test
    @Order(4)
    void aHostStoppedMidRollIsReportedAndTheOtherHostsVmIsRebootedUnharmed() throws Exception {
        LibvirtLab.DemoDomain kept = started("flkeep", 0);
        LibvirtLab.DemoDomain lost = started("fllost", 1);
        Path log = Files.createTempFile(TestVms.home().home(), "fleet-hostdown-", ".log");
        Path json = TestVms.home().home().resolve("fleet-hostdown.json");
        Process roll = FaultIT.startCli(Map.of(), log, "fleet", "--connect", uri(0), "--connect", uri(1), kept.vm(), lost.vm(),
                "--json", json.toString());
        try {
            TestVms.await(lost.vm() + "'s clone to boot", Duration.ofMinutes(3), () -> {
                try {
                    return Files.readString(log).lines().anyMatch(l -> l.contains(lost.vm()) && l.contains("BG_BOOT"));
                } catch (IOException e) {
                    return false;
                }
            });
            LibvirtTestLab.lab().stopHost(2);
            assertThat(roll.waitFor(10, TimeUnit.MINUTES)).isTrue();
        } finally {
            roll.destroyForcibly();
            LibvirtTestLab.lab().restartHost(2);
        }
        String out = Files.readString(log);
        System.out.println(out);
        assertThat(roll.exitValue()).isEqualTo(1);
        JsonNode r = Schemas.assertValidFile("fleet", json);
        assertThat(vmOf(r, kept.vm()).path("result").asText()).isEqualTo("switched");
        assertThat(vmOf(r, kept.vm()).path("outcome").asText()).isEqualTo("switched");
        assertThat(vmOf(r, lost.vm()).path("result").asText()).isEqualTo("failed");
        assertThat(vmOf(r, lost.vm()).path("detail").asText()).contains("stopped answering");
        assertThat(out).contains("does not answer");
        assertThat(LibvirtTestLab.running(kept)).containsExactly(kept.vm() + "-g1");
        assertThat(LibvirtTestLab.identity(kept).path("version").asText()).isEqualTo("v2");
        // its host is back, its VM's journal is unfinished: recover rolls the reboot back (the host stopped before the switch);
        // stopping the host ended FG's QEMU too, so the VM is booted again from its own disks, as a new generation's domain
        Cli.Run recovered = Cli.run("recover", "--connect", uri(1), lost.vm());
        assertThat(recovered.exit()).as(recovered.stdout() + recovered.stderr()).isEqualTo(3); // the reboot's outcome: aborted
        assertThat(recovered.stdout()).contains("rolled back").contains("outcome: aborted");
        List<String> serving = LibvirtTestLab.running(lost);
        assertThat(serving).as("exactly one domain serves").hasSize(1);
        assertThat(recovered.stdout()).contains("booted again from its own disks").contains("domain " + serving.get(0));
        // its own disks carry the update PREPARE installed before the clone point (the version file says v2, as after
        // any install), but they boot as it was defined: its old kernel, not the clone's
        assertThat(LibvirtTestLab.identity(lost).path("version").asText()).as("what the VM's own disks hold").isEqualTo("v2");
        assertThat(LibvirtTestLab.identity(lost).path("kernel").asText()).as("the VM boots its old kernel")
                .isEqualTo(TestVms.demoImage().first().kernelRelease());
    }

    private static void oneLine(Cli.Run r, String says) {
        assertThat(r.exit()).as(r.stderr()).isNotZero();
        assertThat(r.error()).startsWith("bgreboot: ").contains(says);
        assertThat(r.stderr()).doesNotContain("Exception");
    }
}
