package org.bgreboot.agent;

/** The agent answered with an error, e.g. {@code guest-exec: GenericError: Guest agent command failed, ...}. */
public class AgentCommandException extends AgentException {

    private final String command;
    private final String errorClass;
    private final String desc;

    public AgentCommandException(String command, String errorClass, String desc) {
        super(command + ": " + errorClass + ": " + desc);
        this.command = command;
        this.errorClass = errorClass;
        this.desc = desc;
    }

    public String command() {
        return command;
    }

    /** e.g. GenericError, CommandNotFound (also for commands disabled in the agent). */
    public String errorClass() {
        return errorClass;
    }

    public String desc() {
        return desc;
    }
}
