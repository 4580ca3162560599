package org.bgreboot.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.function.Supplier;
import org.bgreboot.jsonwire.WireCommandException;
import org.bgreboot.jsonwire.WireException;
import org.bgreboot.jsonwire.WireTimeoutException;

/**
 * How requests reach qemu-guest-agent: a chardev socket of bgreboot's own QEMU
 * ({@link SocketAgentChannel}), or an engine's agent call (libvirt's). {@link GuestAgent} is the
 * typed face over it. Every failure is a {@link WireException}.
 */
public interface AgentChannel extends AutoCloseable {

    /** Who is reached, for messages: the socket's name, the domain's. */
    String name();

    /** Returns once the agent answers and the channel is in step with it (no stale reply pending). */
    void sync(Duration timeout);

    /**
     * One request and the {@code return} of its reply. The arguments are made after any
     * resynchronisation, just before sending, so a time in them is not stale.
     *
     * @throws WireCommandException when the agent answers with an error
     * @throws WireTimeoutException when no reply comes in time
     */
    JsonNode call(String command, Supplier<ObjectNode> arguments, Duration timeout);

    default JsonNode call(String command, ObjectNode arguments, Duration timeout) {
        return call(command, () -> arguments, timeout);
    }

    /** A request the agent does not answer when it succeeds ({@code guest-shutdown}); returns once sent. */
    void send(String command, ObjectNode arguments, Duration timeout);

    boolean isConnected();

    @Override void close();
}
