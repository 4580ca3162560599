package org.bgreboot.engine.libvirt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/** Which of a VM's interfaces a clone can have on the holding network: those libvirt can move live to the VM's bridge without a 2-s STP wait. */
class HoldingNetworkTest {
    private static final Map<String, String> NETWORKS = Map.of(
            "isolated", "<network><name>isolated</name><bridge name='virbr3' stp='off' delay='0'/></network>",
            "default", "<network><name>default</name><forward mode='nat'/><bridge name='virbr0' stp='on' delay='0'/></network>",
            "nostp", "<network><name>nostp</name><forward mode='nat'/><bridge name='virbr1' stp='off'/></network>",
            "unsaid", "<network><name>unsaid</name><bridge name='virbr2'/></network>",
            "hostbr", "<network><name>hostbr</name><forward mode='bridge'/><bridge name='br0'/></network>",
            "macvtap", "<network><name>macvtap</name><forward mode='bridge'><interface dev='eth0'/></forward></network>",
            "ovs", "<network><name>ovs</name><forward mode='bridge'/><bridge name='ovsbr'/><virtualport type='openvswitch'/></network>");
    private static final Map<String, String> BRIDGES = Map.of(
            "stpbr", "<interface type='bridge' name='stpbr'><bridge stp='on' delay='15'/></interface>",
            "plainbr", "<interface type='bridge' name='plainbr'><bridge stp='off' delay='0'/></interface>");

    private static boolean movable(String nicXml) {
        Element nic = DomainXml.parse(nicXml).root();
        return HoldingNetwork.movable(nic, b -> Optional.ofNullable(BRIDGES.get(b)), n -> Optional.ofNullable(NETWORKS.get(n)));
    }

    @Test
    void aTapOnABridgeWithoutSpanningTreeIsMoved() {
        assertThat(movable("<interface type='bridge'><source bridge='plainbr'/></interface>")).isTrue();
        assertThat(movable("<interface type='bridge'><source bridge='unknownbr'/></interface>")).as("libvirt cannot describe it: made as Linux makes a bridge").isTrue();
        assertThat(movable("<interface type='network'><source network='isolated'/></interface>")).isTrue();
        assertThat(movable("<interface type='network'><source network='nostp'/></interface>")).isTrue();
        assertThat(movable("<interface type='network'><source network='hostbr'/></interface>")).isTrue();
    }

    @Test
    void whatLibvirtCannotMoveLiveOrAPortThatWouldWaitForSpanningTreeIsNot() {
        assertThat(movable("<interface type='bridge'><source bridge='stpbr'/></interface>")).isFalse();
        assertThat(movable("<interface type='network'><source network='default'/></interface>")).as("libvirt's networks have STP unless told").isFalse();
        assertThat(movable("<interface type='network'><source network='unsaid'/></interface>")).isFalse();
        assertThat(movable("<interface type='network'><source network='macvtap'/></interface>")).isFalse();
        assertThat(movable("<interface type='network'><source network='ovs'/></interface>")).isFalse();
        assertThat(movable("<interface type='network'><source network='gone'/></interface>")).isFalse();
        assertThat(movable("<interface type='bridge'><source bridge='plainbr'/><virtualport type='openvswitch'/></interface>")).isFalse();
        assertThat(movable("<interface type='bridge'><source bridge='plainbr'/><vlan><tag id='42'/></vlan></interface>")).isFalse();
        assertThat(movable("<interface type='user'/>")).isFalse();
        assertThat(movable("<interface type='direct'><source dev='eth0' mode='bridge'/></interface>")).isFalse();
        assertThat(movable("<interface type='hostdev'/>")).isFalse();
        assertThat(movable("<interface type='network'><source network='bgreboot-hold'/></interface>")).as("already held").isFalse();
    }
}
