package org.bgreboot.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bgreboot.UserError;
import org.bgreboot.state.Durable;
import org.bgreboot.state.Json;

/**
 * A roll's plan and every VM's progress, written durably (temp file, fsync, rename) at each
 * change, so {@code bgreboot fleet resume FILE} continues a roll that was stopped or killed. Each
 * VM's own reboot journal stays where it is: a VM caught mid-reboot is recovered by its own.
 */
public final class FleetJournal {
    private static final ObjectMapper JSON = Json.mapper();

    /**
     * The format of the file: 2 since the VMs' figures are typed records (format 1, before it had
     * this field, kept them as a map of names).
     */
    static final int FORMAT = 2;

    /** The file's content. */
    public record Content(int format, FleetPlan plan, Map<String, VmProgress> vms, boolean finished) {}

    private final Path file;
    private final FleetPlan plan;
    private final Map<String, VmProgress> vms;

    private FleetJournal(Path file, FleetPlan plan, Map<String, VmProgress> vms) {
        this.file = file;
        this.plan = plan;
        this.vms = vms;
    }

    static FleetJournal begin(Path dir, FleetPlan plan) {
        Map<String, VmProgress> vms = new LinkedHashMap<>();
        plan.vms().forEach(v -> vms.put(v.vm(), VmProgress.pending(v.vm(), v.host())));
        FleetJournal j = new FleetJournal(dir.resolve(plan.id() + ".json"), plan, vms);
        j.write(false);
        return j;
    }

    public static FleetJournal read(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            int format = JSON.readTree(bytes).path("format").asInt(1);
            if (format != FORMAT) {
                throw new UserError("the fleet journal " + file + " is in format " + format + ", which this bgreboot does not read (it reads "
                        + FORMAT + "): resume the roll with the bgreboot that began it");
            }
            Content c = JSON.readValue(bytes, Content.class);
            return new FleetJournal(file, c.plan(), new LinkedHashMap<>(c.vms()));
        } catch (NoSuchFileException e) {
            throw new UserError("no fleet journal at " + file + ": give the file a roll printed when it began (under BGREBOOT_HOME/fleet)");
        } catch (IOException e) {
            throw new UserError("cannot read the fleet journal " + file + ": " + e.getMessage());
        }
    }

    public Path file() {
        return file;
    }

    public FleetPlan plan() {
        return plan;
    }

    synchronized VmProgress get(String vm) {
        return vms.get(vm);
    }

    synchronized List<VmProgress> all() {
        return List.copyOf(vms.values());
    }

    synchronized void put(VmProgress p) {
        vms.put(p.vm(), p);
        write(false);
    }

    synchronized void finish() {
        write(true);
    }

    private void write(boolean finished) {
        try {
            Files.createDirectories(file.getParent());
            Durable.write(file, JSON.writeValueAsBytes(new Content(FORMAT, plan, vms, finished)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the fleet journal " + file, e);
        }
    }
}
