package org.bgreboot.engine.libvirt;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;

/**
 * Files on the libvirt host, made and removed through libvirt's storage API, so that a remote host
 * (qemu+ssh://) works as a local one: a directory is a storage pool (the one that already covers
 * it, else a transient {@code dir} pool of bgreboot's own, gone when libvirtd restarts, and then
 * made again), a qcow2 layer is a volume created with its backing file, and a file is deleted as a
 * volume. Each operation looks first at what is there, so it can be run again on a new connection.
 */
final class HostFiles {
    private final Host host;

    HostFiles(Host host) {
        this.host = host;
    }

    /** A new qcow2 layer {@code path} over {@code backing} (of {@code backingFormat}), as large as it. */
    void createLayer(Path path, Path backing, String backingFormat, long capacityBytes) {
        String xml = """
                <volume>
                  <name>%s</name>
                  <capacity unit='bytes'>%d</capacity>
                  <target><format type='qcow2'/><permissions><mode>0600</mode></permissions></target>
                  <backingStore><path>%s</path><format type='%s'/></backingStore>
                </volume>""".formatted(escape(path.getFileName().toString()), capacityBytes, escape(backing.toString()), escape(backingFormat));
        create(path, xml, "cannot create the layer " + path + " over " + backing);
    }

    /** A new sparse raw file of {@code bytes} zeros. */
    void createRaw(Path path, long bytes) {
        String xml = """
                <volume>
                  <name>%s</name>
                  <capacity unit='bytes'>%d</capacity>
                  <allocation unit='bytes'>0</allocation>
                  <target><format type='raw'/><permissions><mode>0600</mode></permissions></target>
                </volume>""".formatted(escape(path.getFileName().toString()), bytes);
        create(path, xml, "cannot create " + path);
    }

    /** Creates a volume; run again on a new connection, what the cut-short first try left is deleted first (an existing file is refused otherwise). */
    private void create(Path path, String xml, String what) {
        boolean[] tried = {false};
        host.call(what, () -> {
            StoragePool pool = pool(path.getParent());
            if (tried[0]) {
                Optional<StorageVol> left = volumeNow(pool, path);
                if (left.isPresent()) {
                    left.get().delete(0);
                }
            }
            tried[0] = true;
            return pool.storageVolCreateXML(xml, 0);
        });
    }

    /** Deletes {@code path} if it is there. */
    void delete(Path path) {
        host.run("cannot delete " + path, () -> {
            Optional<StorageVol> v = volumeNow(pool(path.getParent()), path);
            if (v.isPresent()) {
                v.get().delete(0);
            }
        });
    }

    /**
     * A file's bytes from {@code offset} on, one char per byte, through libvirt (a download
     * stream): how a remote host's serial log is read. Empty when there is nothing new or no file.
     */
    String read(Path path, long offset) {
        try {
            return host.call("cannot read " + path, () -> {
                Optional<StorageVol> v = knownVolume(path);
                if (v.isEmpty() || v.get().getInfo().capacity <= offset) {
                    return "";
                }
                org.libvirt.Stream stream = host.conn().streamNew(0);
                try {
                    Virt.download(v.get(), stream, offset);
                    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                    byte[] buf = new byte[64 << 10];
                    for (int n; (n = stream.receive(buf)) > 0; ) {
                        out.write(buf, 0, n);
                    }
                    stream.finish();
                    return out.toString(StandardCharsets.ISO_8859_1);
                } finally {
                    stream.free();
                }
            });
        } catch (LibvirtFailure e) {
            return "";
        }
    }

    /** A file's size in bytes, 0 when there is none. */
    long size(Path path) {
        try {
            return host.call("cannot look at " + path, () -> {
                Optional<StorageVol> v = knownVolume(path);
                return v.isEmpty() ? 0L : v.get().getInfo().capacity;
            });
        } catch (LibvirtFailure e) {
            return 0;
        }
    }

    /** A volume by path without a refresh of its pool, once it was seen (a refresh lists the directory). */
    private Optional<StorageVol> knownVolume(Path path) throws LibvirtException {
        try {
            return Optional.of(host.conn().storageVolLookupByPath(path.toString()));
        } catch (LibvirtException e) {
            if (LibvirtError.of(e).map(LibvirtError::connectionLost).orElse(false)) {
                throw e;
            }
            return volumeNow(pool(path.getParent()), path);
        }
    }

    boolean exists(Path path) {
        return host.call("cannot look at " + path, () -> volumeNow(pool(path.getParent()), path).isPresent());
    }

    /** The files of a directory, by name. */
    List<String> list(Path dir) {
        return host.call("cannot list " + dir, () -> {
            StoragePool pool = pool(dir);
            pool.refresh(0);
            return List.of(pool.listVolumes());
        });
    }

    /** Free bytes where {@code dir} is. */
    long available(Path dir) {
        return host.call("cannot look at " + dir, () -> {
            StoragePool pool = pool(dir);
            pool.refresh(0);
            return pool.getInfo().available;
        });
    }

    /** The volume {@code path} of {@code pool}, refreshed first; empty when there is no such file. */
    private static Optional<StorageVol> volumeNow(StoragePool pool, Path path) throws LibvirtException {
        pool.refresh(0);
        try {
            return Optional.of(pool.storageVolLookupByName(path.getFileName().toString()));
        } catch (LibvirtException e) {
            if (LibvirtError.of(e).map(LibvirtError::connectionLost).orElse(false)) {
                throw e;
            }
            return Optional.empty();
        }
    }

    /** The active pool whose target is {@code dir}, else a transient one made for it. */
    private StoragePool pool(Path dir) throws LibvirtException {
        Connect conn = host.conn();
        String target = dir.toAbsolutePath().normalize().toString();
        for (String name : conn.listStoragePools()) {
            try {
                StoragePool p = conn.storagePoolLookupByName(name);
                DomainXml xml = DomainXml.parse(p.getXMLDesc(0));
                Optional<String> path = DomainXml.child(xml.root(), "target").flatMap(t -> DomainXml.text(t, "path"));
                if (path.isPresent() && path.get().equals(target)) {
                    return p;
                }
            } catch (LibvirtException e) {
                if (LibvirtError.of(e).map(LibvirtError::connectionLost).orElse(false)) {
                    throw e;
                }
                // a pool that went away meanwhile
            }
        }
        String xml = """
                <pool type='dir'>
                  <name>%s</name>
                  <target><path>%s</path></target>
                </pool>""".formatted(poolName(target), escape(target));
        try {
            return conn.storagePoolCreateXML(xml, 0);
        } catch (LibvirtException e) {
            try {
                return conn.storagePoolLookupByName(poolName(target)); // another bgreboot made it just now
            } catch (LibvirtException again) {
                if (LibvirtError.of(again).map(LibvirtError::connectionLost).orElse(false)) {
                    throw again;
                }
                throw new LibvirtFailure("cannot use " + target + " on the libvirt host for the VM's layers (a storage pool over it)", e);
            }
        }
    }

    private static String poolName(String dir) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(dir.getBytes(StandardCharsets.UTF_8));
            return "bgreboot-" + HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;").replace("\"", "&quot;");
    }
}
