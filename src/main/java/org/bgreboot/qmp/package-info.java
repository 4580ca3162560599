/**
 * The QEMU Machine Protocol: {@link org.bgreboot.qmp.QmpClient} over a Unix socket, after QEMU's
 * python {@code qemu.qmp}. It keeps only what is QMP's own (the greeting and capabilities
 * negotiation, ids that pair replies with commands, events) on the transport of
 * {@link org.bgreboot.jsonwire}; everything that can fail is a
 * {@link org.bgreboot.jsonwire.WireException}.
 */
package org.bgreboot.qmp;
