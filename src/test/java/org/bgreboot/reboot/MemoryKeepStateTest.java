package org.bgreboot.reboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.bgreboot.UserError;
import org.bgreboot.engine.memory.Fate;
import org.bgreboot.engine.memory.Killed;
import org.bgreboot.engine.memory.MemorySpecs;
import org.bgreboot.engine.memory.Script;
import org.bgreboot.engine.memory.ShmTempDir;
import org.bgreboot.engine.memory.World;
import org.bgreboot.keep.KeepLimits;
import org.bgreboot.output.RebootOutput;
import org.bgreboot.output.Schemas;
import org.bgreboot.spec.VmSpec;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reboot --keep-state} on the engine in memory, whose guest runs a scripted bgreboot-keep
 * (a service started when the persistent disk is mounted, images on that disk, a dump that leaves
 * it stopped, a restore where the disk is mounted next). A kept service runs in the new VM as the
 * same processes (the same start, the same pid); each way keeping fails ends on the restart path
 * with the outcome still {@code switched} and the result saying why; an abort disarms, a rollback
 * after the dump resumes, and bgreboot killed at any point of a kept reboot is recovered with the
 * service running once, as the same processes, and no images left.
 */
class MemoryKeepStateTest {
    private static final String PG = "postgresql";
    /** Short limits: a command that hangs is given up on in a moment here (the contract's are 10-60 s). */
    private static final KeepLimits SHORT = new KeepLimits(Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(500),
            Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofMillis(300));

    @TempDir(factory = ShmTempDir.class)
    Path dir;

    private static MemoryRig rig(Path dir, UnaryOperator<VmSpec> spec, Consumer<Script> guest) {
        return new MemoryRig(dir, spec, s -> {
            s.keptServices = List.of(PG);
            guest.accept(s);
        });
    }

    private static MemoryRig bridged(Path dir) {
        return rig(dir, MemorySpecs::bridged, s -> { });
    }

    private static RebootResult keeping(MemoryRig rig) {
        return rig.reboot(o -> o.keepingState(SHORT));
    }

    private static KeptService only(RebootResult r) {
        assertThat(r.keptState()).as("the result says what keeping state did").isPresent();
        assertThat(r.keptState().get().services()).hasSize(1);
        return r.keptState().get().services().get(0);
    }

    private static World.KeptProcess service(MemoryRig rig) {
        return rig.world.keptService(MemoryRig.VM, PG).orElseThrow(() -> new AssertionError(PG + " does not run in the serving instance\n" + rig.story()));
    }

    /** The kept service runs once, in the serving instance, not stopped; no images, no arm left; the VM serves. */
    private static void assertKeptServiceSound(MemoryRig rig) {
        assertThat(rig.world.keepProblems(MemoryRig.VM)).as(rig::story).isEmpty();
        rig.assertServes();
    }

    // ---- kept ---------------------------------------------------------------------------------------

    @Test
    void onABridgeTheServiceIsCarriedAcrossAsTheSameProcessesWithItsConnections() {
        try (MemoryRig rig = bridged(dir)) {
            World.KeptProcess before = service(rig);
            RebootResult r = keeping(rig);

            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            KeptService k = only(r);
            assertThat(k.fate()).as(k.describe()).isEqualTo(KeptService.Fate.KEPT);
            assertThat(k.reason()).isEmpty();
            assertThat(k.connectionsKept()).isTrue();
            assertThat(k.preDumps()).as("one pre-dump while the clone booted, one just before the switch").isEqualTo(2);
            assertThat(k.dumpBytes()).isPositive();
            assertThat(k.dumpMs()).isPositive();
            assertThat(k.restoreMs()).isPositive();
            assertThat(k.pid()).as("the restored main process has the old one's pid").isEqualTo(before.pid());
            assertThat(r.keptState().get().note()).isEmpty();

            World.KeptProcess after = service(rig);
            assertThat(after.instance()).as("the clone serves").isNotEqualTo(before.instance());
            assertThat(after.identity()).as("the same start of the service, restored, not a new one").isEqualTo(before.identity());
            assertThat(after.restored()).isTrue();
            assertThat(after.pid()).isEqualTo(before.pid());
            assertKeptServiceSound(rig);

            JsonNode json = Schemas.assertValid("reboot", RebootOutput.of(r));
            assertThat(json.get("outcome").asText()).isEqualTo("switched");
            JsonNode svc = json.get("kept_state").get("services").get(0);
            assertThat(svc.get("name").asText()).isEqualTo(PG);
            assertThat(svc.get("fate").asText()).isEqualTo("kept");
            assertThat(svc.get("connections_kept").asBoolean()).isTrue();
            assertThat(svc.get("pid").asLong()).isEqualTo(before.pid());
            assertThat(svc.get("pre_dumps").asInt()).isEqualTo(2);
            assertThat(svc.get("reason").isNull()).isTrue();
            assertThat(svc.get("held_segments").asInt()).as("what the guest's guard said it held (the scripted guest's 2)").isEqualTo(2);
            assertThat(r.keptState().orElseThrow().services().get(0).describe()).contains("2 segment(s) held");
        }
    }

    /** Only the final dump is on the switch's path: the pre-dumps and the guard come before it, the status after it. */
    @Test
    void onlyTheFinalDumpIsInsideTheSwitch() {
        try (MemoryRig rig = bridged(dir)) {
            RebootResult r = keeping(rig);
            Span.Interval sw = r.spans().get(Span.SWITCH);
            List<TimedStep> steps = r.steps();
            for (TimedStep s : steps) {
                switch (s.part()) {
                    case KEEP_ARM, KEEP_PRE_DUMP, KEEP_GUARD, KEEP_PRIME -> assertThat(s.endMs()).as(s.label() + " before the switch").isLessThanOrEqualTo(sw.startMs());
                    case KEEP_DUMP -> assertThat(s.startMs()).as("the final dump inside the switch").isGreaterThanOrEqualTo(sw.startMs())
                            .isLessThanOrEqualTo(sw.endMs());
                    case KEEP_STATUS -> assertThat(s.startMs()).as("the status after the switch").isGreaterThanOrEqualTo(sw.endMs());
                    default -> { }
                }
            }
            List<Part> order = steps.stream().map(TimedStep::part).filter(p -> p.name().startsWith("KEEP_")).toList();
            assertThat(order).containsExactly(Part.KEEP_ARM, Part.KEEP_PRE_DUMP, Part.KEEP_GUARD, Part.KEEP_PRIME, Part.KEEP_PRE_DUMP, Part.KEEP_DUMP,
                    Part.KEEP_STATUS);
            int dump = indexOf(steps, Part.KEEP_DUMP);
            assertThat(indexOf(steps, Part.BG_TAKES_NETWORK)).as("the network moves first").isLessThan(dump);
            assertThat(indexOf(steps, Part.RELEASE_FREEZE)).as("then the dump, then the release").isGreaterThan(dump);
            assertThat(indexOf(steps, Part.KEEP_ARM)).as("armed before the clone point").isLessThan(indexOf(steps, Part.CUT));
        }
    }

    private static int indexOf(List<TimedStep> steps, Part p) {
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).part() == p) {
                return i;
            }
        }
        throw new AssertionError(p + " was not timed: " + steps);
    }

    @Test
    void onUserNetworkingTheStateIsKeptAndTheResultSaysTheConnectionsAreNot() {
        try (MemoryRig rig = rig(dir, s -> s, s -> { })) {
            World.KeptProcess before = service(rig);
            RebootResult r = keeping(rig);
            KeptService k = only(r);
            assertThat(r.outcome()).isEqualTo(new Outcome.Switched());
            assertThat(k.fate()).isEqualTo(KeptService.Fate.KEPT);
            assertThat(k.connectionsKept()).isFalse();
            assertThat(k.describe()).contains("without its connections");
            assertThat(r.keptState().get().note()).hasValueSatisfying(n -> assertThat(n).contains("user networking").contains("connections are not"));
            JsonNode kept = Schemas.assertValid("reboot", RebootOutput.of(r)).get("kept_state");
            assertThat(kept.get("note").asText()).contains("connections are not");
            assertThat(kept.get("services").get(0).get("connections_kept").asBoolean()).isFalse();
            assertThat(service(rig).identity()).isEqualTo(before.identity());
            assertKeptServiceSound(rig);
        }
    }

    @Test
    void aFailedPreDumpIsNotFatalTheFinalDumpIsAFullOne() {
        try (MemoryRig rig = rig(dir, MemorySpecs::bridged, s -> s.keepPreDumpFailures = 1)) {
            World.KeptProcess before = service(rig);
            KeptService k = only(keeping(rig));
            assertThat(k.fate()).isEqualTo(KeptService.Fate.KEPT);
            assertThat(k.preDumps()).isEqualTo(1);
            assertThat(service(rig).identity()).isEqualTo(before.identity());
            assertKeptServiceSound(rig);
        }
    }

    // ---- the restart path ---------------------------------------------------------------------------

    /** Each way keeping fails: the reboot still switches, the service is started anew in the new VM, and the result says why. */
    @TestFactory
    Stream<DynamicTest> eachFailureFallsBackToTheRestartPathAndSaysWhy() {
        record Case(String name, Consumer<Script> guest, String reason) {}
        return Stream.of(
                new Case("arming fails", s -> s.keepArmFails = true, "arming failed: bgreboot-keep arm failed (exit 1): bgreboot-keep: cannot write /var/lib/bgreboot-keep/armed"),
                new Case("the dump fails", s -> s.keepDumpFails.put(PG, "criu dump: Can't dump SysV shm"), "the dump failed: criu dump: Can't dump SysV shm"),
                new Case("the dump exceeds its limit", s -> s.keepDumpHangs = true, "the dump failed: bgreboot-keep dump did not finish within 0.3 s and was killed"),
                new Case("the restore fails", s -> s.keepRestoreFails.put(PG, "criu restore: Can't map vma"),
                        "the restore failed, so it was started as usual: criu restore: Can't map vma"),
                new Case("the restore exceeds RESTORE_TIMEOUT", s -> s.keepRestoreTimesOut = true,
                        "the restore failed, so it was started as usual: criu restore exceeded 30 s"))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    try (MemoryRig rig = rig(dir.resolve(c.name().replace(' ', '-')), MemorySpecs::bridged, c.guest())) {
                        World.KeptProcess before = service(rig);
                        RebootResult r = keeping(rig);
                        assertThat(r.outcome()).as("a restart is no failed switch: " + rig.story()).isEqualTo(new Outcome.Switched());
                        KeptService k = only(r);
                        assertThat(k.fate()).as(k.describe()).isEqualTo(KeptService.Fate.RESTARTED);
                        assertThat(k.reason()).hasValue(c.reason());
                        assertThat(k.connectionsKept()).isFalse();
                        assertThat(k.pid()).isZero();
                        JsonNode svc = Schemas.assertValid("reboot", RebootOutput.of(r)).get("kept_state").get("services").get(0);
                        assertThat(svc.get("fate").asText()).isEqualTo("restarted");
                        assertThat(svc.get("reason").asText()).isEqualTo(c.reason());
                        assertThat(svc.get("pid").isNull()).as("no pid for a service that was not restored").isTrue();
                        assertThat(svc.get("held_segments").isNull()).as("nothing held for a service that was not restored").isTrue();
                        World.KeptProcess after = service(rig);
                        assertThat(after.identity()).as("started anew in the new VM").isNotEqualTo(before.identity());
                        assertThat(after.restored()).isFalse();
                        assertKeptServiceSound(rig);
                        assertThat(keeping(rig).outcome()).as("the next reboot").isEqualTo(new Outcome.Switched());
                    }
                }));
    }

    @Test
    void aStatusTheNewVmDoesNotGiveIsUnknownNotGuessed() {
        try (MemoryRig rig = rig(dir, MemorySpecs::bridged, s -> s.keepStatusSilent = true)) {
            World.KeptProcess before = service(rig);
            RebootResult r = keeping(rig);
            assertThat(r.outcome()).isEqualTo(new Outcome.Switched());
            KeptService k = only(r);
            assertThat(k.fate()).isEqualTo(KeptService.Fate.UNKNOWN);
            assertThat(k.reason()).hasValueSatisfying(w -> assertThat(w).contains("did not say whether it restored it").contains("status"));
            assertThat(k.dumpBytes()).as("the dump's figures are FG's own").isPositive();
            assertThat(service(rig).identity()).as("it was restored all the same").isEqualTo(before.identity());
        }
    }

    // ---- undo ---------------------------------------------------------------------------------------

    @Test
    void aRollbackAfterTheDumpResumesTheServiceInFg() {
        try (MemoryRig rig = rig(dir, s -> MemorySpecs.bridged(MemorySpecs.withSwitchPolicy(s, new VmSpec.SwitchPolicy(VmSpec.SwitchPolicy.Release.HOOK,
                VmSpec.SwitchPolicy.DiskHandover.SWAP))), s -> s.releaseHookFails = true)) {
            World.Fg fg = rig.fg();
            World.KeptProcess before = service(rig);
            RebootResult r = keeping(rig);
            assertThat(r.outcome()).as(rig::story).isInstanceOf(Outcome.Aborted.class);
            assertThat(r.steps()).as("it had been dumped").anyMatch(s -> s.part() == Part.KEEP_DUMP);
            KeptService k = only(r);
            assertThat(k.fate()).isEqualTo(KeptService.Fate.RAN_ON);
            assertThat(k.reason()).hasValue("the reboot was aborted after its dump: resumed");
            World.KeptProcess after = service(rig);
            assertThat(after.instance()).isEqualTo(before.instance());
            assertThat(after.identity()).isEqualTo(before.identity());
            assertThat(after.stopped()).as("resumed, not left stopped").isFalse();
            rig.assertUntouched(fg);
            assertKeptServiceSound(rig);
        }
    }

    @Test
    void anAbortBeforeTheDumpDisarms() {
        try (MemoryRig rig = rig(dir, s -> MemorySpecs.bridged(MemorySpecs.withReadyTimeout(s, Duration.ofMillis(300))),
                s -> s.cloneFates.add(Fate.NOT_READY))) {
            World.Fg fg = rig.fg();
            World.KeptProcess before = service(rig);
            RebootResult r = keeping(rig);
            assertThat(r.outcome()).isInstanceOf(Outcome.Aborted.class);
            assertThat(r.steps()).as("it was pre-dumped, never dumped").anyMatch(s -> s.part() == Part.KEEP_PRE_DUMP)
                    .noneMatch(s -> s.part() == Part.KEEP_DUMP);
            assertThat(r.steps()).anyMatch(s -> s.part() == Part.KEEP_DISARM);
            assertThat(only(r).fate()).isEqualTo(KeptService.Fate.RAN_ON);
            assertThat(only(r).reason()).hasValue("the reboot was aborted: disarmed");
            assertThat(service(rig).identity()).isEqualTo(before.identity());
            rig.assertUntouched(fg);
            assertKeptServiceSound(rig); // no arm marker, no pre-dump images left
        }
    }

    // ---- bgreboot killed --------------------------------------------------------------------------

    /** Killed right after the dump answered, before the release: recovery rolls back, and FG's service goes on. */
    @Test
    void killedAfterTheDumpAndRolledBackTheServiceResumesInFg() {
        try (MemoryRig rig = bridged(dir)) {
            World.Fg fg = rig.fg();
            World.KeptProcess before = service(rig);
            RebootListener killAfterDump = new RebootListener() {
                @Override public void timed(TimedStep part) {
                    if (part.part() == Part.KEEP_DUMP) {
                        rig.process.kill();
                    }
                }
            };
            assertThatThrownBy(() -> rig.reboot(o -> o.keepingState(SHORT).with(rig.clients().and(killAfterDump)))).isInstanceOf(Killed.class);
            assertThat(Journal.active(rig.state).orElseThrow().lastStep()).isEqualTo(Step.RELEASE);
            assertThat(rig.world.keptService(MemoryRig.VM, PG).orElseThrow().stopped()).as("the dump left it stopped").isTrue();

            MemoryCrashTest.Recovered rec = MemoryCrashTest.recoverThroughKills(rig);
            assertThat(rec.result().outcome().orElseThrow()).isInstanceOf(Outcome.Aborted.class);
            World.KeptProcess after = service(rig);
            assertThat(after.instance()).isEqualTo(before.instance());
            assertThat(after.identity()).isEqualTo(before.identity());
            assertThat(after.stopped()).isFalse();
            rig.assertUntouched(fg);
            assertKeptServiceSound(rig);
        }
    }

    /** Killed past the point of no return: recovery completes the switch, and the new VM restores the dumped service. */
    @Test
    void killedAfterTheOldVmStoppedTheRecoveryRestoresTheServiceInTheNewVm() {
        try (MemoryRig rig = bridged(dir)) {
            World.KeptProcess before = service(rig);
            rig.faults.crashAt("after:stop_fg", rig.process);
            assertThatThrownBy(() -> keeping(rig)).isInstanceOf(Killed.class);
            MemoryCrashTest.Recovered rec = MemoryCrashTest.recoverThroughKills(rig);
            assertThat(rec.result().outcome()).contains(new Outcome.Switched());
            World.KeptProcess after = service(rig);
            assertThat(after.instance()).isNotEqualTo(before.instance());
            assertThat(after.identity()).as("restored from the images the dump left").isEqualTo(before.identity());
            assertThat(after.restored()).isTrue();
            assertKeptServiceSound(rig);
        }
    }

    /**
     * bgreboot killed at every point a kept reboot passes, then recovered (each recovery killed one
     * point further until one runs through): whatever the point, the service ends up running once,
     * as the same processes it was before (resumed in FG, or restored in the clone), never left
     * stopped, with no images and no arm left behind.
     */
    @TestFactory
    Stream<DynamicTest> killedAtEveryPointOfAKeptRebootTheServiceRunsOnceAsTheSameProcesses() {
        List<String> points;
        try (MemoryRig rig = bridged(dir.resolve("points"))) {
            int from = rig.faults.reached().size();
            assertThat(keeping(rig).outcome()).isEqualTo(new Outcome.Switched());
            points = rig.faults.reached().subList(from, rig.faults.reached().size());
        }
        Map<String, Integer> seen = new HashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            String p = points.get(i);
            int nth = seen.merge(p, 1, Integer::sum);
            int at = i + 1;
            tests.add(DynamicTest.dynamicTest("killed at " + p + (nth > 1 ? " (" + nth + ")" : ""), () -> {
                try (MemoryRig rig = bridged(dir.resolve("kill-" + at))) {
                    World.KeptProcess before = service(rig);
                    rig.faults.crashAtNth(at, rig.process);
                    assertThatThrownBy(() -> keeping(rig)).isInstanceOf(Killed.class);
                    assertThat(rig.faults.killedAt()).isEqualTo(p);
                    MemoryCrashTest.Recovered rec = MemoryCrashTest.recoverThroughKills(rig);
                    Outcome o = rec.result().outcome().orElseThrow();
                    assertThat(o).as(rig::story).isInstanceOfAny(Outcome.Aborted.class, Outcome.Switched.class);
                    World.KeptProcess after = service(rig);
                    assertThat(after.identity()).as("the same processes, " + (o instanceof Outcome.Aborted ? "resumed in FG" : "restored in the clone")
                            + "\n" + rig.story()).isEqualTo(before.identity());
                    assertThat(after.instance()).isEqualTo(o instanceof Outcome.Aborted ? before.instance() : "g1");
                    assertKeptServiceSound(rig);
                    assertThat(rig.recover().outcome()).as("a second recover finds nothing to do").isEmpty();
                }
            }));
        }
        return tests.stream();
    }

    /** The journal says the reboot keeps state (recovery resumes or restores by it); one written before the field existed reads as not. */
    @Test
    void theJournalCarriesKeepStateAndAnOlderJournalReadsAsNotKeeping() throws Exception {
        try (MemoryRig rig = bridged(dir)) {
            rig.faults.crashAt("after:cut", rig.process);
            assertThatThrownBy(() -> keeping(rig)).isInstanceOf(Killed.class);
            assertThat(Journal.active(rig.state).orElseThrow().plan().keepState()).isTrue();
            Path active = Journal.activeFile(rig.state);
            String text = java.nio.file.Files.readString(active);
            assertThat(text).containsPattern("\"keepState\"\\s*:\\s*true");
            java.nio.file.Files.writeString(active, text.replaceAll(",\\s*\"keepState\"\\s*:\\s*true", ""));
            assertThat(Journal.active(rig.state).orElseThrow().plan().keepState()).isFalse();
            java.nio.file.Files.writeString(active, text);
            MemoryCrashTest.recoverThroughKills(rig);
            assertKeptServiceSound(rig);
        }
    }

    // ---- refusals -----------------------------------------------------------------------------------

    @Test
    void aGuestWithoutBgrebootKeepIsRefusedInOneLineAndLeftAsItWas() {
        try (MemoryRig rig = new MemoryRig(dir)) {
            World.Fg fg = rig.fg();
            assertThatThrownBy(() -> keeping(rig)).isInstanceOf(UserError.class)
                    .hasMessage("--keep-state: VM web has no bgreboot-keep; install it with 'bgreboot guest install --keep-state web', "
                            + "or reboot without --keep-state");
            assertThat(Journal.active(rig.state)).isEmpty();
            rig.assertUntouched(fg);
        }
    }

    @Test
    void aGuestThatNamesNoServiceIsRefused() {
        try (MemoryRig rig = new MemoryRig(dir, s -> s, s -> s.keptServices = List.of())) {
            World.Fg fg = rig.fg();
            assertThatThrownBy(() -> keeping(rig)).isInstanceOf(UserError.class).hasMessageContaining("names no service in /etc/bgreboot/keep.d");
            rig.assertUntouched(fg);
        }
    }

    /** An older bgreboot-keep without {@code prime}: the unit starts at the attach, as before, and is kept all the same. */
    @Test
    void anOlderBgrebootKeepWithoutPrimeStillKeepsTheService() {
        try (MemoryRig rig = rig(dir, MemorySpecs::bridged, s -> s.keepWithoutPrime = true)) {
            World.KeptProcess before = service(rig);
            RebootResult r = keeping(rig);
            assertThat(r.outcome()).as(rig::story).isEqualTo(new Outcome.Switched());
            KeptService k = only(r);
            assertThat(k.fate()).as(k.describe()).isEqualTo(KeptService.Fate.KEPT);
            assertThat(service(rig).pid()).isEqualTo(before.pid());
            assertKeptServiceSound(rig);
        }
    }

    /** An older bgreboot-keep that cannot list is not taken for a guest that names nothing: the line says what failed and what to run. */
    @Test
    void aBgrebootKeepThatCannotListIsRefusedWithWhatItSaid() {
        try (MemoryRig rig = rig(dir, MemorySpecs::bridged, s -> s.keepWithoutList = true)) {
            World.Fg fg = rig.fg();
            assertThatThrownBy(() -> keeping(rig)).isInstanceOf(UserError.class)
                    .hasMessage("--keep-state: VM web could not say which services it keeps (bgreboot-keep list failed (exit 2): "
                            + "bgreboot-keep: unknown command 'list'); update bgreboot-keep with 'bgreboot guest install --keep-state web'");
            assertThat(Journal.active(rig.state)).isEmpty();
            rig.assertUntouched(fg);
        }
    }

    @Test
    void withoutKeepStateTheGuestsBgrebootKeepIsNeverAsked() {
        try (MemoryRig rig = bridged(dir)) {
            World.KeptProcess before = service(rig);
            RebootResult r = rig.reboot();
            assertThat(r.keptState()).isEmpty();
            assertThat(r.steps()).noneMatch(s -> s.part().name().startsWith("KEEP_"));
            assertThat(service(rig).identity()).as("restarted, as always").isNotEqualTo(before.identity());
            assertKeptServiceSound(rig);
        }
    }
}
