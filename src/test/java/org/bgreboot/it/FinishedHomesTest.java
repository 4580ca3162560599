package org.bgreboot.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FinishedHomesTest {

    @TempDir Path tmp;

    @Test
    void finishedHomesGoButTheNewestAndNoneOfARunningJvm() throws Exception {
        long ended = endedPid();
        Path oldest = home("bgreboot-it-1", ended, 3);
        Path newer = home("bgreboot-it-2", ended, 2);
        Path running = home("bgreboot-it-3", ProcessHandle.current().parent().orElseThrow().pid(), 5);
        Path other = Files.createDirectories(tmp.resolve("something-else"));
        Path mine = home("bgreboot-it-4", ProcessHandle.current().pid(), 0);

        assertThat(FinishedHomes.removeBeside(mine)).isEqualTo(1);
        assertThat(oldest).doesNotExist();
        assertThat(newer).as("the newest finished home, kept for a look after a failure").exists();
        assertThat(running).as("another run's, still going").exists();
        assertThat(other).exists();
        assertThat(mine).exists();
    }

    private Path home(String name, long pid, int hoursAgo) throws Exception {
        Path h = Files.createDirectories(tmp.resolve(name).resolve("vms/x"));
        Files.writeString(h.resolve("disk.qcow2"), "x");
        Path home = tmp.resolve(name);
        Files.writeString(home.resolve("owner.pid"), Long.toString(pid));
        Files.setLastModifiedTime(home, FileTime.fromMillis(System.currentTimeMillis() - hoursAgo * 3600_000L));
        return home;
    }

    private static long endedPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }
}
