package org.bgreboot.engine.libvirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.bgreboot.agent.AgentChannel;
import org.bgreboot.engine.ConnectionInterrupted;
import org.bgreboot.jsonwire.JsonSocket;
import org.bgreboot.jsonwire.WireCommandException;
import org.bgreboot.jsonwire.WireDisconnectedException;
import org.bgreboot.jsonwire.WireProtocolException;
import org.bgreboot.jsonwire.WireTimeoutException;

/**
 * The guest agent reached through libvirt ({@code virDomainQemuAgentCommand}): libvirt owns the
 * agent's socket and keeps it in step ({@code guest-sync} before each command), so a call is one
 * request. Timeouts are whole seconds there (at least one). {@code guest-shutdown}, which the agent
 * does not answer when it works, goes through {@code virDomainShutdownFlags}/{@code virDomainReboot}
 * with the agent flag: libvirt knows not to wait for its reply.
 */
final class LibvirtAgentChannel implements AgentChannel {
    /**
     * Commands that only read, asked again on a new connection when libvirtd restarts during one (a
     * reboot's first look at the guest must not fail for that). Any other may have taken effect: a
     * second guest-exec runs its program twice, and guest-exec-status forgets a process once it has
     * reported its end.
     */
    private static final Set<String> READS = Set.of("guest-ping", "guest-info", "guest-fsfreeze-status", "guest-get-fsinfo", "guest-get-disks",
            "guest-network-get-interfaces");
    private final DomainInstance domain;
    private final String name;
    private volatile boolean closed;

    LibvirtAgentChannel(DomainInstance domain) {
        this.domain = domain;
        this.name = "agent of " + domain.describe();
    }

    @Override public String name() {
        return name;
    }

    @Override public void sync(Duration timeout) {
        call("guest-ping", () -> null, timeout);
    }

    @Override public JsonNode call(String command, Supplier<ObjectNode> arguments, Duration timeout) {
        if (closed) {
            throw new WireDisconnectedException(name + " closed by the client");
        }
        ObjectNode request = JsonSocket.MAPPER.createObjectNode().put("execute", command);
        ObjectNode args = arguments.get();
        if (args != null) {
            request.set("arguments", args);
        }
        String reply;
        String what = command + " through " + name;
        DomainInstance.DomainCall<String> c = d -> d.qemuAgentCommand(request.toString(), seconds(timeout), 0);
        try {
            reply = READS.contains(command) ? domain.call(what, c) : domain.once(what, c);
        } catch (LibvirtFailure e) {
            throw failure(command, timeout, e);
        } catch (ConnectionInterrupted e) {
            if (!e.restored()) {
                throw e;
            }
            throw new WireDisconnectedException(command + " through " + name + ": " + e.getMessage(), e);
        }
        try {
            JsonNode r = JsonSocket.MAPPER.readTree(reply);
            if (r.has("error")) {
                throw WireCommandException.fromReply(command, request, r);
            }
            return r.path("return");
        } catch (IOException e) {
            throw new WireProtocolException(command + ": malformed reply", reply);
        }
    }

    @Override public void send(String command, ObjectNode arguments, Duration timeout) {
        if (!command.equals("guest-shutdown")) {
            throw new IllegalArgumentException(command + " has a reply: use call()");
        }
        try {
            domain.call(command + " through " + name, d -> {
                if ("reboot".equals(arguments.path("mode").asText())) {
                    Virt.rebootByAgent(d);
                } else {
                    Virt.shutdown(d, Virt.SHUTDOWN_GUEST_AGENT);
                }
                return null;
            });
        } catch (LibvirtFailure e) {
            throw new WireDisconnectedException(command + " through " + name + ": " + e.getMessage());
        }
    }

    @Override public boolean isConnected() {
        return !closed;
    }

    @Override public void close() {
        closed = true;
    }

    private static int seconds(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (timeout.toMillis() + 999) / 1000));
    }

    /**
     * By libvirt's error code: an agent that is not (yet) connected, out of step or that did not
     * answer in time; a domain that is not running; else a command the agent refused, with the
     * agent's own message.
     */
    private RuntimeException failure(String command, Duration timeout, LibvirtFailure e) {
        Optional<LibvirtError> err = e.error();
        String m = err.map(LibvirtError::message).orElse(e.getMessage());
        if (err.map(LibvirtError::agentUnresponsive).orElse(false)) {
            return new WireTimeoutException(command, timeout, "no answer through libvirt (" + m + ")");
        }
        if (err.map(x -> x.noDomain() || x.operationInvalid()).orElse(false)) {
            return new WireDisconnectedException(command + ": the domain is not running (" + m + ")", e);
        }
        int i = m.indexOf("': ");
        return new WireCommandException(command, null, "GenericError", i > 0 ? m.substring(i + 3) : m, null);
    }
}
