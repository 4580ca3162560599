package org.bgreboot.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import org.bgreboot.UserError;

import org.bgreboot.state.StateDir;
/**
 * The per-VM lock: one bgreboot command at a time may start, stop or reboot a VM. A POSIX record
 * lock, so the kernel releases it when the holder dies, even by SIGKILL. The file records who holds
 * it, for the error message of the one refused.
 */
public final class VmLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private VmLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static VmLock acquire(StateDir state, String purpose) {
        state.create();
        FileChannel ch = null;
        try {
            ch = FileChannel.open(state.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                String holder = Files.readString(state.lockFile()).strip();
                ch.close();
                throw new UserError("VM " + state.vmName() + " is busy: " + (holder.isEmpty() ? "another bgreboot command" : holder)
                        + " holds its lock; wait for it to finish");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("'" + purpose + "' (pid " + ProcessHandle.current().pid() + ")").getBytes(StandardCharsets.UTF_8)), 0);
            return new VmLock(ch, l);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("cannot lock " + state.lockFile(), e);
        }
    }

    @Override public void close() {
        try {
            channel.truncate(0);
            lock.release();
        } catch (IOException e) {
            // closing the channel below releases it anyway
        }
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            if (ch != null) {
                ch.close();
            }
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
