package org.bgreboot.engine.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.PointerType;
import com.sun.jna.Structure;
import com.sun.jna.ptr.IntByReference;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.libvirt.Connect;
import org.libvirt.Domain;

/**
 * What org.libvirt:libvirt 0.5.2 lacks, called through JNA on the same libvirt.so.0 the binding
 * loaded (dlopen gives the same handle, so the binding's native pointers are ours to pass). The
 * binding keeps those pointers in non-public fields, read here by reflection (fine on the class
 * path). Every failure becomes a {@link LibvirtFailure} with libvirt's own message.
 */
final class Virt {
    private Virt() {}

    /** libvirt's C API as in libvirt-domain.h and libvirt-host.h of libvirt 9.0. */
    interface C extends Library {
        C I = Native.load("virt", C.class);

        int virDomainSetMetadata(Pointer dom, int type, String metadata, String key, String uri, int flags);

        Pointer virDomainGetMetadata(Pointer dom, int type, String uri, int flags);

        int virDomainPinEmulator(Pointer dom, byte[] cpumap, int maplen, int flags);

        int virDomainPinVcpuFlags(Pointer dom, int vcpu, byte[] cpumap, int maplen, int flags);

        int virDomainBlockCommit(Pointer dom, String disk, String base, String top, NativeLong bandwidth, int flags);

        int virDomainBlockRebase(Pointer dom, String disk, String base, NativeLong bandwidth, int flags);

        int virDomainGetBlockJobInfo(Pointer dom, String disk, BlockJobInfo info, int flags);

        int virDomainBlockJobAbort(Pointer dom, String disk, int flags);

        int virDomainSaveFlags(Pointer dom, String to, String dxml, int flags);

        int virDomainRestoreFlags(Pointer conn, String from, String dxml, int flags);

        int virDomainSetSchedulerParametersFlags(Pointer dom, Pointer params, int nparams, int flags);

        int virNodeGetMemoryStats(Pointer conn, int cellNum, Pointer params, IntByReference nparams, int flags);

        int virDomainShutdownFlags(Pointer dom, int flags);

        int virDomainReboot(Pointer dom, int flags);

        int virStorageVolDownload(Pointer vol, Pointer stream, long offset, long length, int flags);

        String virGetLastErrorMessage();
    }

    static final int METADATA_ELEMENT = 2;
    static final int AFFECT_LIVE = 1;
    static final int AFFECT_CONFIG = 2;
    static final int COMMIT_DELETE = 2;
    static final int COMMIT_ACTIVE = 4;
    static final int JOB_ABORT_PIVOT = 2;
    static final int SHUTDOWN_ACPI = 1;
    static final int SHUTDOWN_GUEST_AGENT = 2;
    /** virDomainBlockJobType: an active commit (the layer FG writes to, merged down). */
    static final int JOB_ACTIVE_COMMIT = 4;

    /** struct _virDomainBlockJobInfo { int type; unsigned long bandwidth; unsigned long long cur, end; } */
    @Structure.FieldOrder({"type", "bandwidth", "cur", "end"})
    public static class BlockJobInfo extends Structure {
        public int type;
        public NativeLong bandwidth;
        public long cur;
        public long end;
    }

    static Pointer ptr(Domain d) {
        return field(d, Domain.class, "vdp");
    }

    static Pointer ptr(Connect c) {
        return field(c, Connect.class, "vcp");
    }

    static Pointer ptr(org.libvirt.StorageVol v) {
        return field(v, org.libvirt.StorageVol.class, "vsvp");
    }

    static Pointer ptr(org.libvirt.Stream s) {
        return field(s, org.libvirt.Stream.class, "vsp");
    }

    /** Starts a download of a volume's bytes from {@code offset} to its end into {@code stream}. */
    static void download(org.libvirt.StorageVol v, org.libvirt.Stream stream, long offset) {
        check(() -> C.I.virStorageVolDownload(ptr(v), ptr(stream), offset, 0, 0), "cannot read a file of the libvirt host");
    }

    private static Pointer field(Object o, Class<?> cls, String name) {
        try {
            Field f = cls.getDeclaredField(name);
            f.setAccessible(true);
            return ((PointerType) f.get(o)).getPointer();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the org.libvirt binding changed: it has no field " + name, e);
        }
    }

    /** Runs a C call; a negative result becomes a {@link LibvirtFailure} with libvirt's error code and message. */
    private static int check(java.util.function.IntSupplier call, String what) {
        LibvirtError.forget();
        int rc = call.getAsInt();
        if (rc < 0) {
            Optional<LibvirtError> e = LibvirtError.last();
            throw new LibvirtFailure(what, e.isPresent() ? e : Optional.of(new LibvirtError(0, 0, C.I.virGetLastErrorMessage())));
        }
        return rc;
    }

    static void setMetadata(Domain d, String xml, String prefix, String ns, int flags) {
        check(() -> C.I.virDomainSetMetadata(ptr(d), METADATA_ELEMENT, xml, prefix, ns, flags), "cannot set the domain's bgreboot metadata");
    }

    /** The domain's element in namespace {@code ns}; empty when it has none (any other failure throws: a lost connection is no answer). */
    static Optional<String> metadata(Domain d, String ns, int flags) {
        LibvirtError.forget();
        Pointer p = C.I.virDomainGetMetadata(ptr(d), METADATA_ELEMENT, ns, flags);
        if (p == null) {
            Optional<LibvirtError> e = LibvirtError.last();
            if (e.isPresent() && !e.get().noMetadata()) {
                throw new LibvirtFailure("cannot read the domain's bgreboot metadata", e);
            }
            return Optional.empty();
        }
        try {
            return Optional.of(p.getString(0, "UTF-8"));
        } finally {
            Native.free(Pointer.nativeValue(p));
        }
    }

    static void pinEmulator(Domain d, byte[] cpumap, int flags) {
        check(() -> C.I.virDomainPinEmulator(ptr(d), cpumap, cpumap.length, flags), "cannot pin the emulator threads");
    }

    static void pinVcpu(Domain d, int vcpu, byte[] cpumap, int flags) {
        check(() -> C.I.virDomainPinVcpuFlags(ptr(d), vcpu, cpumap, cpumap.length, flags), "cannot pin vCPU " + vcpu);
    }

    /** An active commit of {@code disk}'s top layer down into {@code base} (never null: that would be the bottom of the chain). */
    static void activeCommit(Domain d, String disk, String base) {
        check(() -> C.I.virDomainBlockCommit(ptr(d), disk, base, null, new NativeLong(0), COMMIT_ACTIVE | COMMIT_DELETE),
                "cannot commit " + disk + "'s top layer into " + base);
    }

    /** Pulls everything above {@code base} into {@code disk}'s top layer (block-stream). */
    static void pull(Domain d, String disk, String base) {
        check(() -> C.I.virDomainBlockRebase(ptr(d), disk, base, new NativeLong(0), 0), "cannot pull " + disk + "'s layers above " + base);
    }

    /** The disk's block job, if one runs. */
    static Optional<BlockJobInfo> blockJob(Domain d, String disk) {
        BlockJobInfo i = new BlockJobInfo();
        int rc = check(() -> C.I.virDomainGetBlockJobInfo(ptr(d), disk, i, 0), "cannot read " + disk + "'s block job");
        return rc == 0 ? Optional.empty() : Optional.of(i);
    }

    /** Ends a ready active commit by switching the disk onto its base; false while the job is not ready yet. */
    static boolean pivot(Domain d, String disk) {
        return C.I.virDomainBlockJobAbort(ptr(d), disk, JOB_ABORT_PIVOT) == 0;
    }

    static void save(Domain d, String file) {
        check(() -> C.I.virDomainSaveFlags(ptr(d), file, null, 0), "cannot save the domain's state to " + file);
    }

    static void restore(Connect c, String file) {
        check(() -> C.I.virDomainRestoreFlags(ptr(c), file, null, 0), "cannot restore the domain's state from " + file);
    }

    /** One scheduler parameter at a time: the binding's own call fails under JNA 5 for more than one. */
    static void setSchedulerParameter(Domain d, String field, long value, int flags) {
        Memory m = new Memory(96); // struct _virTypedParameter { char field[80]; int type; union value; }
        m.clear();
        byte[] name = field.getBytes(StandardCharsets.UTF_8);
        m.write(0, name, 0, name.length);
        m.setInt(80, field.endsWith("_quota") ? 3 : 4); // VIR_TYPED_PARAM_LLONG : VIR_TYPED_PARAM_ULLONG
        m.setLong(88, value);
        check(() -> C.I.virDomainSetSchedulerParametersFlags(ptr(d), m, 1, flags), "cannot set " + field);
    }

    /**
     * The host's memory in KiB by field (total, free, buffers, cached), for all NUMA cells: what
     * /proc/meminfo says. (nodeInfo and getFreeMemory count only the first cell.)
     */
    static Map<String, Long> nodeMemory(Connect c) {
        IntByReference n = new IntByReference(0);
        check(() -> C.I.virNodeGetMemoryStats(ptr(c), -1, null, n, 0), "cannot read the host's memory");
        Memory m = new Memory(88L * Math.max(1, n.getValue())); // struct _virNodeMemoryStats { char field[80]; unsigned long long value; }
        check(() -> C.I.virNodeGetMemoryStats(ptr(c), -1, m, n, 0), "cannot read the host's memory");
        Map<String, Long> out = new LinkedHashMap<>();
        for (int k = 0; k < n.getValue(); k++) {
            out.put(m.getString(88L * k, "UTF-8"), m.getLong(88L * k + 80));
        }
        return out;
    }

    /** Asks the guest to power off: through its agent, or by ACPI. (guest-shutdown has no reply: qemuAgentCommand would wait for one.) */
    static void shutdown(Domain d, int flags) {
        check(() -> C.I.virDomainShutdownFlags(ptr(d), flags), "cannot shut the domain down");
    }

    /** Asks the guest to reboot through its agent. */
    static void rebootByAgent(Domain d) {
        check(() -> C.I.virDomainReboot(ptr(d), SHUTDOWN_GUEST_AGENT), "cannot reboot the domain");
    }
}
