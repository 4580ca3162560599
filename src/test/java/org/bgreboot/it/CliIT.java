package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The CLI as a user meets it: a real VM's life cycle, and one clear line for each mistake. */
@ExtendWith(KillStrayVms.class)
class CliIT {

    @Test
    void startStatusExecServeStopThroughTheCli() throws Exception {
        Path spec = TestVms.writeDemoSpec("cli");
        String name = spec.getFileName().toString().replace(".toml", "");
        var start = Cli.run("vm", "start", spec.toString());
        assertThat(start.exit()).as(start.stderr()).isZero();
        assertThat(start.stderr()).contains("accelerator: ").contains("is ready");

        var status = Cli.run("vm", "status", name);
        assertThat(status.exit()).isZero();
        assertThat(status.stdout()).containsPattern("state +running").containsPattern("accelerator +(tcg|kvm)").contains("agent         answers");

        var uname = Cli.run("vm", "exec", name, "--", "uname", "-r");
        assertThat(uname.exit()).isZero();
        assertThat(uname.stdout().strip()).isEqualTo(TestVms.demoImage().first().kernelRelease());

        var spec0 = org.bgreboot.spec.SpecLoader.forThisHost().load(spec);
        assertThat(Http.identity(spec0).path("version").asText()).isEqualTo("v1");

        var again = Cli.run("vm", "start", spec.toString());
        assertThat(again.exit()).isNotZero();
        assertThat(again.error()).startsWith("bgreboot: ").contains("already running");
        assertThat(again.stderr()).doesNotContain("Exception").doesNotContain("\tat ");

        var failing = Cli.run("vm", "exec", name, "--", "/bin/false");
        assertThat(failing.exit()).isEqualTo(1);

        var stop = Cli.run("vm", "stop", name);
        assertThat(stop.exit()).as(stop.stderr()).isZero();
        var stopped = Cli.run("vm", "status", name);
        assertThat(stopped.stdout()).containsPattern("state +stopped");
        assertThat(stopped.exit()).isNotZero();
        try (Stream<Path> files = Files.walk(TestVms.home().vms().resolve(name))) {
            assertThat(files.filter(f -> f.toString().endsWith(".sock") || f.toString().endsWith(".pid")).toList()).isEmpty();
        }
        assertThat(ProcessHandle.allProcesses().filter(h -> org.bgreboot.engine.embedded.Liveness.cmdline(h.pid()).contains("bgreboot-" + name + "-")).count()).isZero();
    }

    @Test
    void aMissingSpecIsOneLine() {
        expectOneLineError(Cli.run("vm", "start", "/nonexistent/vm.toml"), "does not exist");
        expectOneLineError(Cli.run("vm", "status", "no-such-vm"), "no VM named 'no-such-vm'");
    }

    @Test
    void anUnknownKeyIsOneLine() {
        Path spec = TestVms.writeDemoSpec("badkey");
        TestVms.rewrite(spec, s -> s.replace("memory = ", "memry = "));
        expectOneLineError(Cli.run("vm", "start", spec.toString()), "unknown key 'memry'");
    }

    @Test
    void anImpossibleMemorySizeIsOneLine() {
        for (String bad : new String[] {"0M", "-512M", "64T", "lots"}) {
            Path spec = TestVms.writeDemoSpec("badmem");
            TestVms.rewrite(spec, s -> s.replaceFirst("memory = \"[^\"]*\"", "memory = \"" + bad + "\""));
            expectOneLineError(Cli.run("vm", "start", spec.toString()), "memory");
        }
    }

    @Test
    void aMissingImageIsOneLine() {
        Path spec = TestVms.writeDemoSpec("noimage");
        TestVms.rewrite(spec, s -> s.replaceFirst("(?m)^path = \"[^\"]*system.qcow2\"", "path = \"/nonexistent/system.qcow2\""));
        expectOneLineError(Cli.run("vm", "start", spec.toString()), "/nonexistent/system.qcow2 does not exist");
    }

    @Test
    void qemuNotInstalledIsOneLine() {
        Path spec = TestVms.writeDemoSpec("noqemu");
        var r = Cli.run(Map.of("BGREBOOT_QEMU", "/nonexistent/qemu-system-x86_64"), "vm", "start", spec.toString());
        expectOneLineError(r, "QEMU not found");
        assertThat(r.error()).contains("install qemu-system-x86");
    }

    static void expectOneLineError(Cli.Run r, String text) {
        assertThat(r.exit()).isNotZero();
        assertThat(r.stderrLines()).hasSize(1);
        assertThat(r.error()).startsWith("bgreboot: ").contains(text);
        assertThat(r.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
    }
}
