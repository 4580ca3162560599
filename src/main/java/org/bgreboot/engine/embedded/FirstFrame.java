package org.bgreboot.engine.embedded;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.bgreboot.Sleep;
import org.bgreboot.qmp.QmpClient;

/**
 * Watches for the first frame a guest sends, through a QEMU {@code filter-dump} on its netdev
 * (queue {@code rx}: what the NIC hands the netdev, written to a pcap file as it passes). A guest
 * whose link has just come up drops what it sends until its kernel has started the interface's
 * transmit queue; its first frame through is the proof that it can answer. QEMU's own
 * announce-self RARP frames pass the same filter and are not the guest's: they are skipped.
 * Polled every millisecond from the file, so the wait costs no agent round trip.
 */
final class FirstFrame implements AutoCloseable {
    private static final String ID = "bgr-first-frame";
    private static final int PCAP_HEADER = 24;
    private static final int RECORD_HEADER = 16;
    private static final int ETHERTYPE_RARP = 0x8035;

    private final QmpClient vm;
    private final Path file;

    private FirstFrame(QmpClient vm, Path file) {
        this.vm = vm;
        this.file = file;
    }

    /** Starts dumping what the guest sends on netdev {@code netdev} to {@code file} (root's, removed by {@link #close}). */
    static FirstFrame watch(QmpClient vm, String netdev, Path file) {
        try {
            Files.deleteIfExists(file); // a dump left by a crash mid-switch
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot remove " + file, e);
        }
        vm.execute("object-add", Map.of("qom-type", "filter-dump", "id", ID, "netdev", netdev, "queue", "rx", "file", file.toString()));
        return new FirstFrame(vm, file);
    }

    /**
     * Waits until the guest has sent a frame, at most {@code limit}.
     *
     * @return the milliseconds waited, or -1 when the guest sent nothing within {@code limit}
     */
    long await(Duration limit) {
        long start = System.nanoTime();
        long offset = PCAP_HEADER;
        while (System.nanoTime() - start <= limit.toNanos()) {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
                while (f.length() >= offset + RECORD_HEADER + 14) {
                    ByteBuffer header = ByteBuffer.allocate(RECORD_HEADER).order(ByteOrder.nativeOrder());
                    f.seek(offset);
                    f.readFully(header.array());
                    int captured = header.getInt(8);
                    f.seek(offset + RECORD_HEADER + 12);
                    int ethertype = f.readUnsignedShort();
                    if (ethertype != ETHERTYPE_RARP) {
                        return (System.nanoTime() - start) / 1_000_000;
                    }
                    offset += RECORD_HEADER + captured;
                }
            } catch (IOException e) {
                // not created yet, or a record half written: read again
            }
            Sleep.ms(1);
        }
        return -1;
    }

    /** The filter goes and its dump with it; nothing fails for it. */
    @Override public void close() {
        try {
            vm.execute("object-del", Map.of("id", ID));
        } catch (RuntimeException e) {
            // the QEMU is gone, or the filter was never added
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // left in the runtime directory, which goes with the process
        }
    }
}
