package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.ready.VmBoot;
import org.bgreboot.engine.embedded.QemuProcess;
import org.bgreboot.engine.embedded.EmbeddedVm;
import org.bgreboot.state.VmLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A demo guest started, inspected, used and stopped for real under QEMU. */
@ExtendWith(KillStrayVms.class)
class VmLifecycleIT {

    @Test
    void startExecServeAndStopCleanly() throws Exception {
        EmbeddedVm vm = TestVms.newDemoVm("life");
        QemuProcess p;
        try (VmLock lock = VmLock.acquire(vm.stateDir(), "test")) {
            p = vm.start(TestVms.progress());
            VmBoot.await(vm, p, TestVms.progress());
        }
        try (p) {
            Path run = p.runtime().dir();
            assertThat(Files.getPosixFilePermissions(run)).extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE", "OWNER_EXECUTE");
            assertThat(Files.getPosixFilePermissions(p.runtime().qmpSocket())).extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
            assertThat(Files.getPosixFilePermissions(p.runtime().agentSocket())).extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");

            ExecResult uname = p.agent().exec(List.of("uname", "-r"), Duration.ofSeconds(30));
            assertThat(uname.ok()).isTrue();
            assertThat(uname.stdoutText().strip()).isEqualTo(TestVms.demoImage().first().kernelRelease());

            var identity = Http.identity(vm.spec());
            assertThat(identity.path("version").asText()).isEqualTo("v1");
            assertThat(identity.path("kernel").asText()).isEqualTo(uname.stdoutText().strip());
            assertThat(Http.post(vm.spec(), "append")).contains("\"seq\":1");
            assertThat(Http.post(vm.spec(), "append")).contains("\"seq\":2");
            assertThat(Http.get(vm.spec(), "ledger")).isEqualTo("1\n2\n");

            p.close(); // QEMU serves one QMP and one agent client at a time: let stop have them
            try (VmLock lock = VmLock.acquire(vm.stateDir(), "test")) {
                org.bgreboot.lifecycle.PowerOff.stop(vm, Duration.ofSeconds(60), TestVms.progress());
            }
            assertThat(p.alive()).isFalse();
            assertThat(Files.exists(run)).isFalse();
            assertThat(vm.inspection().leftovers()).isEmpty();
            try (Stream<Path> files = Files.walk(vm.stateDir().path())) {
                assertThat(files.filter(f -> f.toString().endsWith(".sock")).toList()).isEmpty();
            }
        }
    }
}
