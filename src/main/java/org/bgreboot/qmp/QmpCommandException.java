package org.bgreboot.qmp;

import com.fasterxml.jackson.databind.JsonNode;

/** QEMU answered a command with an error reply, e.g. {@code device_add: GenericError: Failed to get "write" lock}. */
public class QmpCommandException extends QmpException {

    private final String command;
    private final transient JsonNode arguments;
    private final String errorClass;
    private final String desc;

    public QmpCommandException(String command, JsonNode arguments, String errorClass, String desc) {
        super(command + ": " + errorClass + ": " + desc);
        this.command = command;
        this.arguments = arguments;
        this.errorClass = errorClass;
        this.desc = desc;
    }

    public String command() {
        return command;
    }

    /** The arguments that were sent, or null when there were none. */
    public JsonNode arguments() {
        return arguments;
    }

    /** QMP's error class, e.g. GenericError, DeviceNotFound, CommandNotFound. */
    public String errorClass() {
        return errorClass;
    }

    public String desc() {
        return desc;
    }
}
