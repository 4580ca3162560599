package org.bgreboot.experiment.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.bgreboot.UserError;
import org.bgreboot.guest.GuestImage;
import org.bgreboot.measure.RunClock;
import org.bgreboot.reboot.Method;
import org.bgreboot.reboot.RebootOptions;
import org.bgreboot.reboot.SwitchMode;

/** The ways the bench reboots a guest into its update: two baselines and both switch modes of ours. */
public enum BenchMethod {
    NORMAL("normal", Method.NORMAL, SwitchMode.HANDOVER),
    KEXEC("kexec", Method.KEXEC, SwitchMode.HANDOVER),
    BACKGROUND("background", Method.BACKGROUND, SwitchMode.HANDOVER),
    RESTORE("restore", Method.BACKGROUND, SwitchMode.RESTORE);

    private final String label;
    private final Method method;
    private final SwitchMode switchMode;

    BenchMethod(String label, Method method, SwitchMode switchMode) {
        this.label = label;
        this.method = method;
        this.switchMode = switchMode;
    }

    public String label() {
        return label;
    }

    public boolean background() {
        return method == Method.BACKGROUND;
    }

    /**
     * The same options as any measured reboot (the clone at idle priority), but the update is not
     * installed again: every run starts from a {@link Checkpoint} that has it installed.
     */
    public RebootOptions options(RunClock clock) {
        return RebootOptions.background(clock).with(method).with(switchMode).withInstall(false);
    }

    /** kexec needs the guest's own kexec command ([update] kexec); the others work on every guest. */
    public boolean appliesTo(GuestImage image) {
        return this != KEXEC || image.manifest().kexec() != null && !image.manifest().kexec().isEmpty();
    }

    public static BenchMethod parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.label.equals(t)).findFirst().orElseThrow(() -> new UserError(
                "unknown method '" + text + "': use " + Arrays.stream(values()).map(BenchMethod::label).collect(Collectors.joining(", "))));
    }
}
