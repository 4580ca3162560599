package org.bgreboot;

/**
 * Marks a failure whose message says all a user needs (a protocol error from QEMU or the guest
 * agent, a reboot that failed and says what to do): the CLI prints it without a hint to run
 * with --debug.
 */
public interface ExplainedFailure {
}
