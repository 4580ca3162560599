package org.bgreboot.engine.libvirt;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.bgreboot.engine.Console;

/**
 * A domain's serial console: the file a {@code <serial type='file'>} (or a {@code <log
 * file=...>}) writes, read directly on a local host, through libvirt's storage API on a remote one.
 *
 * @param remote how to read it on a remote host; null on a local one
 */
record DomainConsole(Optional<Path> file, String where, HostFiles remote) implements Console {

    static DomainConsole of(DomainXml xml, Host host, String domain) {
        Optional<String> log = xml.serialLog();
        if (log.isEmpty()) {
            return new DomainConsole(Optional.empty(), "no serial log (domain " + domain + " has no <serial type='file'> or <log file=...>)", null);
        }
        return at(Path.of(log.get()), host);
    }

    static DomainConsole at(Path log, Host host) {
        return host.local() ? new DomainConsole(Optional.of(log), log.toString(), null)
                : new DomainConsole(Optional.of(log), log + " on the libvirt host " + host.uri(), host.files());
    }

    @Override public String readFrom(long offset) {
        if (remote != null) {
            return file.map(f -> remote.read(f, offset)).orElse("");
        }
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
        if (remote != null) {
            return file.map(remote::size).orElse(0L);
        }
        try {
            return file.isPresent() && Files.exists(file.get()) ? Files.size(file.get()) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
