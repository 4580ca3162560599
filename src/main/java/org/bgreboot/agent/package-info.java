/**
 * The qemu-guest-agent protocol: {@link org.bgreboot.agent.GuestAgent} through QEMU's chardev
 * socket (virtio-serial port {@code org.qemu.guest_agent.0}); everything that can fail is an
 * {@link org.bgreboot.agent.AgentException}.
 */
package org.bgreboot.agent;
