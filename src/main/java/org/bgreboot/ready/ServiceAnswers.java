package org.bgreboot.ready;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bgreboot.agent.ExecResult;
import org.bgreboot.jsonwire.WireCommandException;

/**
 * The guest's own service answers, asked from inside the guest through the agent: the background
 * clone is isolated from the network until the switch, so it cannot be asked from outside. The
 * guest needs a {@code wget}: its own, or busybox's (Debian ships busybox without the link).
 */
public final class ServiceAnswers implements ReadyCheck {
    private static final List<List<String>> FETCHERS = List.of(
            List.of("wget", "-q", "-O", "-"),
            List.of("busybox", "wget", "-q", "-O", "-"));

    private final String url;
    private int fetcher;

    public ServiceAnswers(String url) {
        this.url = url;
    }

    public String url() {
        return url;
    }

    @Override public String description() {
        return "service answers at " + url + " inside the guest";
    }

    @Override public boolean attempt(ReadyTarget t, Duration budget) {
        List<String> argv = new ArrayList<>(FETCHERS.get(fetcher));
        argv.add(url);
        ExecResult r;
        try {
            r = t.agent().exec(argv, budget);
        } catch (WireCommandException e) {
            // the agent could not start it (no such program): try the next way of fetching
            if (fetcher + 1 < FETCHERS.size()) {
                fetcher++;
            }
            throw e;
        }
        return r.exitCode() == 0 && r.stdout().length > 0;
    }
}
