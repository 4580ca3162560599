/**
 * JSON over a Unix socket, the wire under QMP and the guest agent, kept apart from both as
 * qemu.qmp keeps its protocol apart from its client: {@link org.bgreboot.jsonwire.JsonSocket}
 * writes whole messages and reads frames cut by {@link org.bgreboot.jsonwire.JsonFrameSplitter}.
 * Everything that can go wrong with such a peer is a {@link org.bgreboot.jsonwire.WireException}:
 * {@link org.bgreboot.jsonwire.WireTimeoutException},
 * {@link org.bgreboot.jsonwire.WireDisconnectedException},
 * {@link org.bgreboot.jsonwire.WireProtocolException} or
 * {@link org.bgreboot.jsonwire.WireCommandException}. It knows no command, greeting or sync.
 */
package org.bgreboot.jsonwire;
