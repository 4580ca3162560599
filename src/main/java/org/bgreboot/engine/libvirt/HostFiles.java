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
 * it, else a transient {@code dir} pool of bgreboot's own, gone when libvirtd restarts), a qcow2
 * layer is a volume created with its backing file, and a file is deleted as a volume.
 */
final class HostFiles {
    private final Connect conn;

    HostFiles(Connect conn) {
        this.conn = conn;
    }

    /** A new qcow2 layer {@code path} over {@code backing} (of {@code backingFormat}), as large as it. */
    void createLayer(Path path, Path backing, String backingFormat, long capacityBytes) {
        StoragePool pool = pool(path.getParent());
        String xml = """
                <volume>
                  <name>%s</name>
                  <capacity unit='bytes'>%d</capacity>
                  <target><format type='qcow2'/><permissions><mode>0600</mode></permissions></target>
                  <backingStore><path>%s</path><format type='%s'/></backingStore>
                </volume>""".formatted(escape(path.getFileName().toString()), capacityBytes, escape(backing.toString()), escape(backingFormat));
        LibvirtCall.of("cannot create the layer " + path + " over " + backing, () -> pool.storageVolCreateXML(xml, 0));
    }

    /** A new sparse raw file of {@code bytes} zeros. */
    void createRaw(Path path, long bytes) {
        StoragePool pool = pool(path.getParent());
        String xml = """
                <volume>
                  <name>%s</name>
                  <capacity unit='bytes'>%d</capacity>
                  <allocation unit='bytes'>0</allocation>
                  <target><format type='raw'/><permissions><mode>0600</mode></permissions></target>
                </volume>""".formatted(escape(path.getFileName().toString()), bytes);
        LibvirtCall.of("cannot create " + path, () -> pool.storageVolCreateXML(xml, 0));
    }

    /** Deletes {@code path} if it is there. */
    void delete(Path path) {
        volume(path).ifPresent(v -> LibvirtCall.run("cannot delete " + path, () -> v.delete(0)));
    }

    /**
     * A file's bytes from {@code offset} on, one char per byte, through libvirt (a download
     * stream): how a remote host's serial log is read. Empty when there is nothing new or no file.
     */
    String read(Path path, long offset) {
        Optional<StorageVol> v = knownVolume(path);
        if (v.isEmpty() || size(v.get()) <= offset) {
            return "";
        }
        try {
            org.libvirt.Stream stream = conn.streamNew(0);
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
        } catch (LibvirtException | LibvirtFailure e) {
            return "";
        }
    }

    /** A file's size in bytes, 0 when there is none. */
    long size(Path path) {
        return knownVolume(path).map(this::size).orElse(0L);
    }

    private long size(StorageVol v) {
        try {
            return v.getInfo().capacity;
        } catch (LibvirtException e) {
            return 0;
        }
    }

    /** A volume by path without a refresh of its pool, once it was seen (a refresh lists the directory). */
    private Optional<StorageVol> knownVolume(Path path) {
        try {
            return Optional.of(conn.storageVolLookupByPath(path.toString()));
        } catch (LibvirtException e) {
            return volume(path);
        }
    }

    boolean exists(Path path) {
        return volume(path).isPresent();
    }

    /** The files of a directory, by name. */
    List<String> list(Path dir) {
        StoragePool pool = pool(dir);
        LibvirtCall.run("cannot list " + dir, () -> pool.refresh(0));
        return List.of(LibvirtCall.of("cannot list " + dir, pool::listVolumes));
    }

    /** Free bytes where {@code dir} is. */
    long available(Path dir) {
        StoragePool pool = pool(dir);
        LibvirtCall.run("cannot look at " + dir, () -> pool.refresh(0));
        return LibvirtCall.of("cannot look at " + dir, () -> pool.getInfo().available);
    }

    private Optional<StorageVol> volume(Path path) {
        StoragePool pool = pool(path.getParent());
        LibvirtCall.run("cannot look at " + path.getParent(), () -> pool.refresh(0));
        try {
            return Optional.of(pool.storageVolLookupByName(path.getFileName().toString()));
        } catch (LibvirtException e) {
            return Optional.empty();
        }
    }

    /** The active pool whose target is {@code dir}, else a transient one made for it. */
    private StoragePool pool(Path dir) {
        String target = dir.toAbsolutePath().normalize().toString();
        for (String name : LibvirtCall.of("cannot list the storage pools", conn::listStoragePools)) {
            try {
                StoragePool p = conn.storagePoolLookupByName(name);
                DomainXml xml = DomainXml.parse(p.getXMLDesc(0));
                Optional<String> path = DomainXml.child(xml.root(), "target").flatMap(t -> DomainXml.text(t, "path"));
                if (path.isPresent() && path.get().equals(target)) {
                    return p;
                }
            } catch (LibvirtException e) {
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
