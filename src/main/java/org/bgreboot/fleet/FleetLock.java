package org.bgreboot.fleet;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.bgreboot.UserError;
import org.bgreboot.state.StateDir;

/**
 * A roll's hold on its VMs for its whole length (each reboot takes the VM's own lock only while
 * it runs): a second roll over any of them is refused at once. A POSIX record lock per VM, which
 * the kernel drops when the roll dies, even by SIGKILL.
 */
final class FleetLock implements AutoCloseable {
    private final List<FileChannel> held = new ArrayList<>();

    static FleetLock acquire(List<StateDir> vms, String purpose) {
        FleetLock l = new FleetLock();
        try {
            for (StateDir s : vms) {
                l.take(s, purpose);
            }
            return l;
        } catch (RuntimeException e) {
            l.close();
            throw e;
        }
    }

    private void take(StateDir s, String purpose) {
        s.create();
        java.nio.file.Path file = s.path().resolve("fleet.lock");
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = Files.readString(file).strip();
                ch.close();
                throw new UserError("VM " + s.vmName() + " is in another fleet roll" + (holder.isEmpty() ? "" : " (" + holder + ")")
                        + ": wait for it to end, or resume that roll instead");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((purpose + ", pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            held.add(ch);
        } catch (IOException e) {
            throw new UserError("cannot lock " + file + ": " + e.getMessage());
        }
    }

    @Override public void close() {
        for (FileChannel ch : held) {
            try {
                ch.truncate(0);
                ch.close();
            } catch (IOException e) {
                // closing releases the lock anyway
            }
        }
        held.clear();
    }
}
