package org.bgreboot.reboot;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.engine.Instance;
import org.bgreboot.engine.Vm;
import org.bgreboot.installed.InstalledProbe;
import org.bgreboot.installed.NeedsReboot;
import org.bgreboot.engine.VmInspection;
import org.bgreboot.spec.VmSpec;
import org.bgreboot.state.VmState;

/**
 * PREPARE, common to every method: the VM runs, no reboot is unfinished, its agent answers, there
 * is disk space, and the update is installed in the running guest. Nothing on the host has changed
 * when this fails, so a failure here is always safe.
 *
 * @param nextBoot       the kernel the updated OS boots (direct kernel boot), or empty (boot from disk)
 * @param persistentDisk the persistent disk the updated VM gets: the one the VM runs with, unless
 *                       the spec names another and the reboot was told to take it
 * @param kept           the services the guest names, when the reboot keeps state (checked before the install)
 */
record Prepared(Instance fg, VmState state, Optional<VmSpec.KernelBoot> nextBoot, VmSpec.PersistentDisk persistentDisk, double installMs,
                List<org.bgreboot.keep.KeptUnit> kept) {
    private static final long MIN_FREE_BYTES = 256L << 20;

    static Prepared check(Vm vm, RebootOptions opts, Progress progress) {
        VmSpec spec = vm.spec();
        if (Journal.active(vm.stateDir()).isPresent()) {
            throw new UserError("VM " + spec.name() + " has an unfinished reboot in its journal; run 'bgreboot recover " + spec.name() + "' first");
        }
        Instance fg = vm.serving().orElseThrow(() ->
                new UserError("VM " + spec.name() + " is not running; start it with 'bgreboot vm start " + spec.name() + "'"));
        try {
            fg.agent().sync(Duration.ofSeconds(5));
            fg.agent().ping(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            fg.close();
            throw new UserError("VM " + spec.name() + ": its guest agent does not answer (" + e.getMessage()
                    + "); a reboot needs qemu-ga in the guest on org.qemu.guest_agent.0 (see guest/README.md)");
        }
        if (opts.switchMode() == SwitchMode.RESTORE && vm.stateSaving().get().isEmpty()) {
            fg.close();
            throw new UserError("the " + vm.engine() + " engine cannot save and restore a VM's whole state (" + vm.stateSaving().why()
                    + "): use --switch handover");
        }
        long needed = MIN_FREE_BYTES + (opts.switchMode() == SwitchMode.RESTORE ? spec.memory().bytes() : 0);
        VmInspection.FreeSpace free = vm.inspection().freeSpace();
        if (free.bytes() < needed) {
            fg.close();
            throw new UserError("only " + (free.bytes() >> 20) + " MiB free under " + free.where() + "; a reboot of " + spec.name()
                    + " needs " + (needed >> 20) + " MiB: free some space");
        }
        try {
            VmState state = vm.state();
            VmSpec.PersistentDisk persistentDisk = persistentDisk(spec, state.persistentDiskOr(spec), opts, progress);
            Optional<VmSpec.GuestKernel> fromGuest = opts.kernel().isPresent() ? Optional.empty() : spec.update().flatMap(VmSpec.Update::fromGuest);
            Optional<VmSpec.KernelBoot> nextBoot = opts.kernel().isPresent() ? opts.kernel()
                    : fromGuest.map(g -> GuestKernelFetch.target(vm.stateDir(), state.generation() + 1, g,
                            state.boot().or(spec::boot).map(VmSpec.KernelBoot::cmdline).orElse("console=ttyS0")))
                    .or(() -> spec.update().flatMap(VmSpec.Update::boot)).or(state::boot);
            List<org.bgreboot.keep.KeptUnit> kept = opts.keepState().isPresent() && opts.method() == Method.BACKGROUND ? KeptServices.check(spec, fg, opts.keepState().get()) : List.of();
            boolean installs = opts.install() && spec.update().map(u -> !u.install().isEmpty()).orElse(false);
            if (!installs && (nextBoot.isEmpty() || fromGuest.isPresent())) {
                requireSomethingToBoot(spec, fg, opts, progress); // the guest installed its update itself: its boot loader boots it
            }
            double installMs = installs ? Updates.install(spec, fg.agent(), opts.cancel(), progress) : 0;
            return new Prepared(fg, state, nextBoot, persistentDisk, installMs, kept);
        } catch (RuntimeException e) {
            fg.close(); // its monitor and agent serve one client each: free them for whoever comes next
            throw e;
        }
    }

    /**
     * A VM that boots from its disk and installs its own updates is rebooted into what its boot
     * loader boots next; with nothing newer installed and no reboot flagged there is nothing to
     * reboot into, and the reboot says so in one line unless forced.
     */
    private static void requireSomethingToBoot(VmSpec spec, Instance fg, RebootOptions opts, Progress progress) {
        NeedsReboot n = InstalledProbe.ask(fg.agent(), Duration.ofSeconds(30));
        progress.step("PREPARE: needs a reboot? " + n.summary());
        if (!n.needed() && !opts.force()) {
            throw new UserError("VM " + spec.name() + " needs no reboot: it runs kernel " + n.running() + ", "
                    + n.nextBoot().map(k -> k.equals(n.running()) ? "the one its boot loader boots next" : "and boots " + k + " next")
                    .orElse("and no newer kernel is installed") + ", and no reboot is flagged (/run/reboot-required); "
                    + "install the update in the guest first, or pass --force to reboot anyway");
        }
    }

    /**
     * A spec edited while the VM runs must not silently hand the service another disk (its data
     * would seem to vanish): the running one is kept unless the reboot was told to take the spec's.
     */
    private static VmSpec.PersistentDisk persistentDisk(VmSpec spec, VmSpec.PersistentDisk running, RebootOptions opts, Progress progress) {
        if (running.equals(spec.persistentDisk())) {
            return running;
        }
        if (!opts.takeSpecPersistentDisk()) {
            throw new UserError("VM " + spec.name() + " runs with the persistent disk " + running.path() + " (serial " + running.serial()
                    + "), but its spec now names " + spec.persistentDisk().path() + " (serial " + spec.persistentDisk().serial()
                    + "); a reboot keeps the running one: put the spec back, or pass --take-persistent-disk to hand over the spec's instead");
        }
        progress.step("PREPARE: the updated VM gets the spec's persistent disk " + spec.persistentDisk().path() + " instead of " + running.path());
        return spec.persistentDisk();
    }
}
