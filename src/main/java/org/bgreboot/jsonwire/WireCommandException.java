package org.bgreboot.jsonwire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The peer understood a command and answered it with an error, e.g.
 * {@code device_add: GenericError: Failed to get "write" lock}. Like qemu.qmp's
 * {@code ExecuteError}, it carries what was sent and what came back.
 */
public class WireCommandException extends WireException {

    private final String command;
    private final transient ObjectNode sent;
    private final transient JsonNode received;
    private final String errorClass;
    private final String desc;

    /**
     * @param sent the request as sent, or null when it is not known
     * @param received the error reply as it came back, or null when the error was not a reply
     *     (an engine that reports the agent's refusal in its own words)
     */
    public WireCommandException(String command, ObjectNode sent, String errorClass, String desc, JsonNode received) {
        super(command + ": " + errorClass + ": " + desc);
        this.command = command;
        this.sent = sent;
        this.received = received;
        this.errorClass = errorClass;
        this.desc = desc;
    }

    /** From a reply {@code {"error": {"class": ..., "desc": ...}}} to {@code sent}. */
    public static WireCommandException fromReply(String command, ObjectNode sent, JsonNode reply) {
        JsonNode error = reply.path("error");
        return new WireCommandException(command, sent, error.path("class").asText("?"), error.path("desc").asText(""), reply);
    }

    public String command() {
        return command;
    }

    /** The request as sent, or null when it is not known. */
    public ObjectNode sent() {
        return sent;
    }

    /** The arguments that were sent, or null when there were none. */
    public JsonNode arguments() {
        return sent == null ? null : sent.get("arguments");
    }

    /** The error reply as received, or null when the error did not come as one. */
    public JsonNode received() {
        return received;
    }

    /** The peer's error class, e.g. GenericError, DeviceNotFound, CommandNotFound (also for commands disabled in the agent). */
    public String errorClass() {
        return errorClass;
    }

    public String desc() {
        return desc;
    }
}
