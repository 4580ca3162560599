package org.bgreboot.adopt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bgreboot.Home;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.contract.ContractCheck;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.engine.libvirt.LibvirtEngine;
import org.bgreboot.spec.SpecLoader;
import org.bgreboot.spec.VmSpec;

/**
 * Makes a VM of a libvirt domain bgreboot did not create, with no spec file: its definition is
 * checked as a reboot would check it (the persistent disk, an agent channel, no host device), its
 * guest is checked through the agent ({@code guest check}), and only when both pass is the spec
 * recorded in the domain's metadata. Each refusal says what to fix; a refused domain is unchanged.
 */
public final class Adoption {
    private static final String NAME = "[a-z0-9][a-z0-9_-]{0,31}";

    /**
     * @param domain the domain's name
     * @param vm     the VM's name; empty: the domain's
     * @param disk   the persistent disk: a target ({@code vdb}, the default) or a serial
     */
    public record Request(String domain, Optional<String> vm, Optional<String> target, Optional<String> serial, boolean dryRun) {}

    /**
     * One domain's answer.
     *
     * @param adopted  the spec was recorded (false on a dry run, or a refusal)
     * @param refusal  why not, one line; empty when it passed
     * @param check    the guest check's lines, where it ran
     */
    public record Result(String domain, String vm, boolean adopted, Optional<String> refusal, String specText, List<ContractCheck.Item> check) {
        public boolean passed() {
            return refusal.isEmpty();
        }
    }

    private final LibvirtEngine engine;
    private final Home home;
    private final Progress progress;

    public Adoption(LibvirtEngine engine, Home home, Progress progress) {
        this.engine = engine;
        this.home = home;
        this.progress = progress;
    }

    /** One domain; a refusal is a {@link UserError} (one line, nothing changed). */
    public Result adopt(Request r) {
        Result result = attempt(r);
        if (!result.passed()) {
            throw new UserError(result.refusal().get());
        }
        return result;
    }

    /** Every domain of the host that is no VM yet: those that pass are adopted, the others listed with why. */
    public List<Result> all(Optional<String> target, Optional<String> serial, boolean dryRun) {
        List<Result> results = new ArrayList<>();
        List<String> known = engine.list().stream().filter(l -> !l.vm().isEmpty()).map(LibvirtEngine.Listing::domain).toList();
        for (String domain : engine.domainNames()) {
            if (known.contains(domain)) {
                continue;
            }
            results.add(attempt(new Request(domain, Optional.empty(), target, serial, dryRun)));
        }
        return results;
    }

    private Result attempt(Request r) {
        String vm = r.vm().orElse(r.domain());
        AdoptedSpec.DiskRef disk = new AdoptedSpec.DiskRef(r.serial().isPresent() ? "" : r.target().orElse("vdb"), r.serial().orElse(""));
        String text = new AdoptedSpec(vm, r.domain(), disk).toml();
        try {
            if (!vm.matches(NAME)) {
                throw new UserError("domain " + r.domain() + " has a name that is no VM name (" + NAME + "): give one with --name");
            }
            engine.adoptable(r.domain(), vm);
            VmSpec spec = SpecLoader.forThisHost(home.vms()).loadText(text, Path.of("/<adopt of domain " + r.domain() + ">"))
                    .connectingTo(engine.uri());
            Vm v = engine.vm(spec, home.stateDir(vm)); // the engine's own checks of the definition
            List<ContractCheck.Item> check;
            try (Instance serving = v.serving().orElseThrow(() -> new UserError("domain " + r.domain() + " does not run")))  {
                progress.step(r.domain() + ": checking the guest through its agent");
                check = ContractCheck.of(v.spec(), serving);
            }
            if (!ContractCheck.passed(check)) {
                String fix = check.stream().filter(i -> !i.passed()).map(i -> i.what() + ": " + i.detail()).reduce((a, b) -> a + "; " + b).orElse("");
                return new Result(r.domain(), vm, false, Optional.of("domain " + r.domain() + " fails the guest check: " + fix), text, check);
            }
            if (!r.dryRun()) {
                engine.adopt(r.domain(), vm, text);
                progress.step(r.domain() + ": adopted as VM " + vm + " (persistent disk " + disk.describe() + ")");
            }
            return new Result(r.domain(), vm, !r.dryRun(), Optional.empty(), text, check);
        } catch (UserError e) {
            String why = e.getMessage();
            if (why.contains("has no disk with")) {
                why = why + " (or give --persistent-disk TARGET / --persistent-serial SERIAL)";
            }
            return new Result(r.domain(), vm, false, Optional.of(why), text, List.of());
        }
    }
}
