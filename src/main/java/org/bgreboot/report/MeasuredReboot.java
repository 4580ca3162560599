package org.bgreboot.report;

import java.net.URI;
import java.util.function.Supplier;
import org.bgreboot.Progress;
import org.bgreboot.UserError;
import org.bgreboot.measure.Ack;
import org.bgreboot.measure.ClientNetns;
import org.bgreboot.measure.Downtime;
import org.bgreboot.measure.DowntimeResult;
import org.bgreboot.measure.RunClock;
import org.bgreboot.measure.ServiceWatch;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.spec.VmSpec;

/** A reboot run inside a {@link ServiceWatch}: the flow's own figures beside what clients saw. */
public final class MeasuredReboot {
    private MeasuredReboot() {}

    /**
     * The service URL of a VM, as its clients reach it: a bridged VM's own address (its clients'
     * network namespace routed for this JVM's sockets), else its first forwarded port on the host.
     */
    public static URI serviceUri(VmSpec spec) {
        VmSpec.Network n = spec.network();
        if (n.bridged()) {
            if (n.address().isEmpty()) {
                throw new UserError("VM " + spec.name() + " has no address where clients reach it: measuring needs [network] address "
                        + "(and client_netns, if clients are in another network namespace) in its spec");
            }
            ClientNetns.route(n.address(), n.clientNetns());
            return URI.create("http://" + n.address() + ":" + n.servicePort() + "/");
        }
        VmSpec.PortForward f = n.forwards().stream().findFirst().orElseThrow(() ->
                new UserError("VM " + spec.name() + " forwards no port: measuring needs its service on a host port ([network] forwards)"));
        return URI.create("http://" + f.hostAddress() + ":" + f.hostPort() + "/");
    }

    public static RebootMeasurement run(URI service, RunClock clock, Progress progress, Supplier<RebootResult> reboot) {
        RebootResult result;
        ServiceWatch.Seen seen;
        try (ServiceWatch watch = ServiceWatch.start(service, clock)) {
            result = reboot.get();
            seen = watch.stop();
        }
        seen.ledgerUnreadable().ifPresent(why -> {
            throw new IllegalStateException(why);
        });
        DowntimeResult downtime = Downtime.analyze(seen.probes(), result.startMs());
        double from = result.bgLaunchedAtMs();
        double to = result.bgReadyAtMs();
        int duringBgBoot = (int) seen.writes().acks().stream().map(Ack::atMs).filter(at -> at >= from && at <= to).count();
        progress.step(String.format("measured: downtime %.0f ms, %d writes acknowledged, %d lost",
                downtime.downtimeMs(), seen.ledger().ackedCount(), seen.ledger().missingAcked().size()));
        return new RebootMeasurement(result, downtime, seen.probes(), seen.writes(), seen.ledger(), duringBgBoot);
    }
}
