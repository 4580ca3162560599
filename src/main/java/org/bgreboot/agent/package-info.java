/**
 * The qemu-guest-agent protocol: {@link org.bgreboot.agent.GuestAgent} through QEMU's chardev
 * socket (virtio-serial port {@code org.qemu.guest_agent.0}) or an engine's own channel. It keeps
 * only what is the agent's own (resynchronisation with {@code guest-sync-delimited} and the 0xFF
 * delimiter, guest-exec and its polling, files in chunks) on the transport of
 * {@link org.bgreboot.jsonwire}; everything that can fail is a
 * {@link org.bgreboot.jsonwire.WireException}.
 */
package org.bgreboot.agent;
