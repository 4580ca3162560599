package org.bgreboot.reboot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.agent.GuestAgent;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.Durable;
import org.bgreboot.state.StateDir;

/**
 * The kernel a direct-kernel-boot guest installed itself: its guest paths resolved in the guest
 * (Debian's /boot/vmlinuz is a symlink its kernel packages move) and the files fetched through the
 * agent right after the clone point's cut, with dpkg idle across it, so they are the clone point's
 * files. Kept beside the VM's state, one pair per generation; an old generation's goes at retire.
 */
final class GuestKernelFetch {
    private static final Duration READ_REQUEST = Duration.ofSeconds(60);

    private GuestKernelFetch() {}

    /** Where generation {@code g}'s fetched kernel lives on the host. */
    static VmSpec.KernelBoot target(StateDir state, int g, VmSpec.GuestKernel from, String cmdline) {
        Path dir = state.path().resolve("kernels");
        return new VmSpec.KernelBoot(dir.resolve("vmlinuz-g" + g), from.initrd() == null ? null : dir.resolve("initrd-g" + g), cmdline);
    }

    /** Fetches the guest's kernel (and initrd) into {@code to}'s paths; returns the guest file's real name, for messages. */
    static String fetch(GuestAgent agent, VmSpec.GuestKernel from, VmSpec.KernelBoot to) {
        String kernel = resolve(agent, from.kernel());
        write(to.kernel(), agent.readFile(kernel, READ_REQUEST));
        if (from.initrd() != null) {
            write(to.initrd(), agent.readFile(resolve(agent, from.initrd()), READ_REQUEST));
        }
        return kernel;
    }

    /** Removes a generation's fetched files (an undone cut, an old generation). */
    static void delete(VmSpec.KernelBoot k) {
        Durable.deleteIfExists(k.kernel());
        if (k.initrd() != null) {
            Durable.deleteIfExists(k.initrd());
        }
    }

    static boolean fetched(Optional<VmSpec.KernelBoot> boot, Path stateDir) {
        return boot.map(b -> b.kernel().startsWith(stateDir.resolve("kernels"))).orElse(false);
    }

    private static String resolve(GuestAgent agent, String path) {
        ExecResult r = agent.exec(List.of("readlink", "-e", path), Duration.ofSeconds(10));
        if (!r.ok()) {
            throw new IllegalStateException("the guest has no " + path + " (" + r.status() + "): the update's guest_kernel names no file");
        }
        return r.stdoutText().strip();
    }

    private static void write(Path file, byte[] content) {
        try {
            Files.createDirectories(file.getParent());
            Durable.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the guest's kernel as " + file, e);
        }
    }
}
