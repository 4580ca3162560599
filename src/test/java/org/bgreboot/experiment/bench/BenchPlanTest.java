package org.bgreboot.experiment.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.bgreboot.UserError;
import org.bgreboot.spec.ByteSize;
import org.junit.jupiter.api.Test;

import org.bgreboot.experiment.bench.BenchMethod;
import org.bgreboot.experiment.bench.BenchPlan;
import org.bgreboot.experiment.bench.BenchFixtures;
class BenchPlanTest {

    @Test
    void memoriesAndMethodsAreSortedAndDistinct() {
        BenchPlan p = new BenchPlan("tiny", List.of(ByteSize.parse("2G"), ByteSize.parse("128M"), ByteSize.parse("2048M")),
                List.of(BenchMethod.RESTORE, BenchMethod.NORMAL, BenchMethod.RESTORE), 3, true, 15);
        assertThat(p.memories()).extracting(ByteSize::toString).containsExactly("128M", "2G");
        assertThat(p.methods()).containsExactly(BenchMethod.NORMAL, BenchMethod.RESTORE);
        assertThat(p.runCount()).isEqualTo(12);
        assertThat(p.largestMemory()).isEqualTo(ByteSize.parse("2G"));
        assertThat(p.vmName("tiny", ByteSize.parse("2G"))).isEqualTo("bench-tiny-2g");
        assertThat(BenchPlan.builderKind("tiny")).isEqualTo("demo");
        assertThat(p.command()).isEqualTo("bgreboot bench --guest tiny --memory 128M,2G --repeat 3 --methods normal,restore --interference-seconds 15");
    }

    @Test
    void noMethodsMeansEveryOneTheGuestSupports() {
        BenchPlan p = new BenchPlan("debian", List.of(ByteSize.parse("1G")), List.of(), 1, false, 15);
        assertThat(p.resolve(BenchFixtures.image(List.of("systemctl", "kexec"))).methods())
                .containsExactly(BenchMethod.NORMAL, BenchMethod.KEXEC, BenchMethod.BACKGROUND, BenchMethod.RESTORE);
        assertThat(p.resolve(BenchFixtures.image(null)).methods())
                .containsExactly(BenchMethod.NORMAL, BenchMethod.BACKGROUND, BenchMethod.RESTORE);
    }

    @Test
    void severalGuestsKeepTheirOrderAndRunOneAfterTheOther() {
        BenchPlan p = new BenchPlan(List.of("debian11", "debian12", "debian13", "debian11"), List.of(ByteSize.parse("2G"), ByteSize.parse("256M")),
                List.of(), 3, true, 15);
        assertThat(p.guests()).containsExactly("debian11", "debian12", "debian13");
        assertThat(p.interferenceGuest()).isEqualTo("debian11");
        assertThat(BenchPlan.builderKind("debian13")).isEqualTo("debian13");
        assertThat(p.vmName("debian13", ByteSize.parse("256M"))).isEqualTo("bench-debian13-256m");
        BenchPlan resolved = p.resolve(java.util.Map.of("debian11", BenchFixtures.image(List.of("kexec")), "debian12",
                BenchFixtures.image(List.of("kexec")), "debian13", BenchFixtures.image(null)));
        assertThat(resolved.methods()).as("only what every guest supports").containsExactly(BenchMethod.NORMAL, BenchMethod.BACKGROUND, BenchMethod.RESTORE);
        assertThat(resolved.runCount()).isEqualTo(3 * 2 * 3 * 3);
        assertThat(resolved.command()).startsWith("bgreboot bench --guest debian11,debian12,debian13 --memory 256M,2G --repeat 3");
    }

    @Test
    void kexecOnAGuestWithoutItIsAUserError() {
        BenchPlan p = new BenchPlan("tiny", List.of(ByteSize.parse("1G")), List.of(BenchMethod.KEXEC), 1, false, 15);
        assertThatThrownBy(() -> p.resolve(BenchFixtures.image(null))).isInstanceOf(UserError.class).hasMessageContaining("kexec");
    }

    @Test
    void badInputIsAUserError() {
        assertThatThrownBy(() -> new BenchPlan("fedora", List.of(ByteSize.parse("1G")), List.of(), 1, false, 15))
                .isInstanceOf(UserError.class).hasMessageContaining("tiny, debian, debian11, debian12, debian13 or debian-postgres");
        assertThatThrownBy(() -> new BenchPlan(List.of(), List.of(ByteSize.parse("1G")), List.of(), 1, false, 15))
                .isInstanceOf(UserError.class).hasMessageContaining("at least one guest");
        assertThatThrownBy(() -> new BenchPlan("tiny", List.of(ByteSize.parse("1G")), List.of(), 0, false, 15))
                .isInstanceOf(UserError.class).hasMessageContaining("--repeat");
        assertThatThrownBy(() -> BenchMethod.parse("suspend")).isInstanceOf(UserError.class)
                .hasMessageContaining("normal, kexec, background, restore");
    }

    @Test
    void methodsMapToTheFlowsOptions() {
        var clock = org.bgreboot.measure.RunClock.start();
        assertThat(BenchMethod.parse(" Restore ").options(clock).switchMode()).isEqualTo(org.bgreboot.reboot.SwitchMode.RESTORE);
        assertThat(BenchMethod.RESTORE.options(clock).method()).isEqualTo(org.bgreboot.reboot.Method.BACKGROUND);
        assertThat(BenchMethod.BACKGROUND.options(clock).switchMode()).isEqualTo(org.bgreboot.reboot.SwitchMode.HANDOVER);
        assertThat(BenchMethod.KEXEC.options(clock).method()).isEqualTo(org.bgreboot.reboot.Method.KEXEC);
        assertThat(java.util.Arrays.stream(BenchMethod.values()).map(m -> m.options(clock).install()))
                .as("no method installs the update again: every run starts from a checkpoint that has it").containsOnly(false);
        assertThat(BenchMethod.BACKGROUND.options(clock).bgShare()).isEqualTo(org.bgreboot.reboot.BgShare.ADAPTIVE);
    }
}
