package org.bgreboot.engine.libvirt;

/**
 * What a domain of a VM needs of its VM, handed to each {@link DomainInstance}: the host, the VM's
 * names (where a generation logs), which disk is which, the switch's handover, and how its network
 * and CPU are set.
 *
 * @param bridged   whether the VM's network is a bridge (or a libvirt network), where the switch moves a MAC between taps
 * @param announces whether a clone announces the MAC as it takes the network (see {@link DomainNetwork#take})
 * @param taker     which domain took the network last (see {@link DomainNetwork#ending})
 * @param definition the VM's persistent definition, read anew: where its interfaces are (a clone's
 *                   are on the holding network until the switch, see {@link DomainNetwork#take})
 */
record DomainContext(Host host, Generations names, DomainDisks disks, Handover handover, boolean bridged, boolean announces, NetworkTaker taker, CpuWeights weights,
                     java.util.function.Supplier<DomainXml> definition) {}
