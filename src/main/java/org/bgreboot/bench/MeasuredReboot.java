package org.bgreboot.bench;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;
import org.bgreboot.Progress;
import org.bgreboot.Sleep;
import org.bgreboot.UserError;
import org.bgreboot.measure.AppendWriter;
import org.bgreboot.measure.Downtime;
import org.bgreboot.measure.DowntimeResult;
import org.bgreboot.measure.LedgerCheck;
import org.bgreboot.measure.LedgerCheckResult;
import org.bgreboot.measure.ProbeLog;
import org.bgreboot.measure.Prober;
import org.bgreboot.measure.RunClock;
import org.bgreboot.measure.WriteLog;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.vm.VmSpec;

/**
 * Runs a reboot with an external prober (a request every 10 ms) and a writer (fsynced appends)
 * aimed at the VM's forwarded service port, then reads the ledger back. Both start a moment before
 * the reboot and stop a moment after the new OS answers, so the gap is seen whole.
 */
public final class MeasuredReboot {
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
    private static final long SETTLE_MS = 1500;

    private MeasuredReboot() {}

    /** The service URL of a VM: its first forwarded port on the host. */
    public static URI serviceUri(VmSpec spec) {
        VmSpec.PortForward f = spec.network().forwards().stream().findFirst().orElseThrow(() ->
                new UserError("VM " + spec.name() + " forwards no port: measuring needs its service on a host port ([network] forwards)"));
        return URI.create("http://" + f.hostAddress() + ":" + f.hostPort() + "/");
    }

    public static RebootMeasurement run(VmSpec spec, RunClock clock, Progress progress, Supplier<RebootResult> reboot) {
        URI uri = serviceUri(spec);
        RebootResult result;
        ProbeLog probes;
        WriteLog writes;
        try (Prober prober = new Prober(uri, PROBE_INTERVAL, REQUEST_TIMEOUT, clock);
             AppendWriter writer = new AppendWriter(uri, clock)) {
            prober.start();
            writer.start();
            Sleep.ms(SETTLE_MS);
            result = reboot.get();
            Sleep.ms(SETTLE_MS);
            writes = writer.stop();
            probes = prober.stop();
        }
        String ledger;
        try {
            ledger = LedgerCheck.fetch(uri, Duration.ofSeconds(10));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the ledger back from " + uri + ": " + e.getMessage(), e);
        }
        LedgerCheckResult check = LedgerCheck.check(writes, ledger);
        DowntimeResult downtime = Downtime.analyze(probes, result.startMs());
        double bgFrom = result.bgReadyAtMs() - result.bgReadyMs();
        int duringBgBoot = (int) writes.acks().stream()
                .filter(a -> a.atMs() >= bgFrom && a.atMs() <= result.bgReadyAtMs()).count();
        progress.step(String.format("measured: downtime %.0f ms, %d writes acknowledged, %d lost",
                downtime.downtimeMs(), check.ackedCount(), check.missingAcked().size()));
        return new RebootMeasurement(result, downtime, probes, writes, check, duringBgBoot);
    }

}
