package org.bgreboot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Optional;
import org.bgreboot.reboot.Outcome;
import org.bgreboot.reboot.Step;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ExitCodeTest {

    @Test
    void everyOutcomeHasItsOwnCode() {
        assertThat(ExitCode.of(new Outcome.Switched())).isEqualTo(ExitCode.OK);
        assertThat(ExitCode.of(new Outcome.Rebooted())).isEqualTo(ExitCode.OK);
        assertThat(ExitCode.of(new Outcome.Aborted("clone not ready", true, Optional.empty())).code).isEqualTo(3);
        assertThat(ExitCode.of(new Outcome.Aborted("stopped", true, Optional.of("SIGINT"))).code).isEqualTo(130);
        assertThat(ExitCode.of(new Outcome.Aborted("stopped", true, Optional.of("SIGTERM"))).code).isEqualTo(143);
        assertThat(ExitCode.of(new Outcome.ColdBooted(Step.ATTACH, "hook failed")).code).isEqualTo(4);
        assertThat(ExitCode.of(new Outcome.Down("fix the guest")).code).isEqualTo(5);
        assertThat(ExitCode.of(Optional.empty())).as("nothing to recover").isEqualTo(ExitCode.OK);
    }

    @Test
    void helpListsExactlyTheCodesThereAre() {
        var listed = new CommandLine(new BgrebootCommand()).getCommandSpec().usageMessage().exitCodeList().keySet().stream()
                .map(String::strip).map(Integer::parseInt).sorted().toList();
        assertThat(listed).isEqualTo(Arrays.stream(ExitCode.values()).map(e -> e.code).sorted().toList());
        assertThat(new CommandLine(new BgrebootCommand()).getUsageMessage()).contains("Exit codes").contains("cold-booted");
    }
}
