package org.bgreboot.engine.libvirt;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.bgreboot.engine.Console;

/**
 * A domain's serial console, where this machine can read it: the file a {@code <serial
 * type='file'>} (or a {@code <log file=...>}) writes on a local host. Elsewhere it reads as empty
 * and says where the log is.
 */
record DomainConsole(Optional<Path> file, String where) implements Console {

    static DomainConsole of(DomainXml xml, boolean localHost, String domain) {
        Optional<String> log = xml.serialLog();
        if (log.isEmpty()) {
            return new DomainConsole(Optional.empty(), "no serial log (domain " + domain + " has no <serial type='file'> or <log file=...>)");
        }
        return localHost ? new DomainConsole(Optional.of(Path.of(log.get())), log.get())
                : new DomainConsole(Optional.empty(), log.get() + " on the libvirt host");
    }

    @Override public String readFrom(long offset) {
        if (file.isEmpty() || !Files.isReadable(file.get())) {
            return "";
        }
        try (RandomAccessFile f = new RandomAccessFile(file.get().toFile(), "r")) {
            long len = f.length();
            if (offset >= len) {
                return "";
            }
            byte[] b = new byte[(int) Math.min(len - offset, 16 << 20)];
            f.seek(offset);
            f.readFully(b);
            return new String(b, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    @Override public long length() {
        try {
            return file.isPresent() && Files.exists(file.get()) ? Files.size(file.get()) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
