package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.bgreboot.engine.embedded.QemuProcess;
import org.bgreboot.engine.embedded.QemuImg;
import org.bgreboot.engine.embedded.RuntimeDir;
import org.bgreboot.engine.embedded.Liveness;
/**
 * What a VM's state should not hold once no reboot is under way: QEMU processes other than the
 * serving one, runtime directories or sockets of gone processes, disk files outside the serving
 * backing chain. Used after reboots, by the demo, the soak and the tests.
 */
final class Leftovers {
    private Leftovers() {}

    static List<String> find(EmbeddedVm vm, Runtimes runtimes) {
        List<String> found = new ArrayList<>();
        Optional<QemuProcess> serving = vm.running();
        Path stateDir = vm.stateDir().path();
        try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
            all.filter(h -> Liveness.alive(h.pid()))
                    .filter(h -> Liveness.cmdline(h.pid()).contains("qemu-system") && Liveness.cmdline(h.pid()).contains(stateDir + "/"))
                    .filter(h -> serving.map(s -> s.pid() != h.pid()).orElse(true))
                    .forEach(h -> found.add("QEMU process " + h.pid() + " besides the serving one"));
        }
        Path run = stateDir.resolve("run");
        Optional<Path> current = runtimes.current().map(RuntimeDir::dir);
        for (Path p : list(run)) {
            if (Files.isDirectory(p) && !Files.isSymbolicLink(p) && current.map(c -> !c.equals(p)).orElse(true)) {
                found.add("runtime directory " + p + " of no serving process");
            }
        }
        Set<Path> chain = new HashSet<>();
        vm.stateDir().readState().ifPresent(s -> s.systemOverlays().forEach(o -> chain.addAll(QemuImg.chain(o))));
        for (Path p : list(vm.stateDir().disks())) {
            if (!chain.contains(p)) {
                found.add("disk file " + p + " outside the serving backing chain");
            }
        }
        return found;
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
