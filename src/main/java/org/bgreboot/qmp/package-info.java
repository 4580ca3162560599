/**
 * The QEMU Machine Protocol: {@link org.bgreboot.qmp.QmpClient} over a Unix socket, after QEMU's
 * python {@code qemu.qmp}. {@link org.bgreboot.qmp.JsonSocket} and
 * {@link org.bgreboot.qmp.JsonFrameSplitter} are the transport, shared with the guest agent
 * client; everything that can fail is a {@link org.bgreboot.qmp.QmpException}.
 */
package org.bgreboot.qmp;
