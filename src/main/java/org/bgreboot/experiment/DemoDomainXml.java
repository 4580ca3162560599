package org.bgreboot.experiment;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.bgreboot.guest.GuestImage;

/**
 * The demo guest as a libvirt domain a user could have written: q35 with ACPI and PCIe root ports
 * (one spare for hot-plug), the guest agent's channel, pvpanic, a serial log file, the system disk
 * and the persistent disk ({@code vdb}, serial from the guest's manifest), a virtio NIC on a
 * bridge; and the small libvirt spec that names it.
 */
final class DemoDomainXml {
    private DemoDomainXml() {}

    static String of(GuestImage image, String name, String memory, Path system, Path persistent, Path serialLog, String bridge, String mac,
                     String addressWithPrefix) {
        GuestImage.OsVersion v1 = image.first();
        String cmdline = image.manifest().cmdline() + " bgreboot.ip=" + addressWithPrefix;
        return """
                <domain type='qemu'>
                  <name>%s</name>
                  <memory unit='MiB'>%s</memory>
                  <vcpu>1</vcpu>
                  <os>
                    <type arch='x86_64' machine='q35'>hvm</type>
                    <kernel>%s</kernel>
                    <initrd>%s</initrd>
                    <cmdline>%s</cmdline>
                  </os>
                  <features><acpi/></features>
                  <clock offset='utc'/>
                  <on_poweroff>destroy</on_poweroff>
                  <on_reboot>restart</on_reboot>
                  <on_crash>destroy</on_crash>
                  <devices>
                    <emulator>/usr/bin/qemu-system-x86_64</emulator>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='qcow2'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                      <serial>bgsystem</serial>
                    </disk>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='raw'/>
                      <source file='%s'/>
                      <target dev='vdb' bus='virtio'/>
                      <serial>%s</serial>
                    </disk>
                    <controller type='pci' index='0' model='pcie-root'/>
                    <controller type='pci' index='1' model='pcie-root-port'/>
                    <controller type='pci' index='2' model='pcie-root-port'/>
                    <controller type='pci' index='3' model='pcie-root-port'/>
                    <controller type='pci' index='4' model='pcie-root-port'/>
                    <controller type='pci' index='5' model='pcie-root-port'/>
                    <controller type='usb' model='none'/>
                    <interface type='bridge'>
                      <source bridge='%s'/>
                      <mac address='%s'/>
                      <model type='virtio'/>
                      <rom enabled='no'/>
                    </interface>
                    <serial type='file'>
                      <source path='%s' append='on'/>
                      <target port='0'/>
                    </serial>
                    <channel type='unix'>
                      <target type='virtio' name='org.qemu.guest_agent.0'/>
                    </channel>
                    <panic model='isa'><address type='isa' iobase='0x505'/></panic>
                    <memballoon model='none'/>
                  </devices>
                </domain>
                """.formatted(name, memory, image.kernel(v1).orElseThrow(), image.initrd(v1).orElseThrow(), cmdline, system, persistent,
                image.manifest().persistentSerial(), bridge, mac, serialLog);
    }

    /** The libvirt spec: the domain's name and host, its persistent disk by target, the guest's hooks, readiness and update. */
    static String spec(GuestImage image, String vm, String uri, String address, String clientNetns) {
        GuestImage.Manifest m = image.manifest();
        GuestImage.OsVersion next = image.last();
        StringBuilder b = new StringBuilder();
        b.append("# a demo guest that is a libvirt domain, written by bgreboot's libvirt lab\n");
        b.append("name = ").append(str(vm)).append("\nengine = \"libvirt\"\n\n");
        b.append("[libvirt]\nconnect = ").append(str(uri)).append("\ndomain = ").append(str(vm)).append("\n\n");
        b.append("[persistent_disk]              # which of the domain's disks holds the user data\ntarget = \"vdb\"\n\n");
        b.append("[network]                      # where clients reach it (the domain's XML says the rest)\naddress = ").append(str(address))
                .append("\nclient_netns = ").append(str(clientNetns)).append("\n\n");
        b.append("[hooks]\nrelease = ").append(argv(m.release())).append("\nattach = ").append(argv(m.attach())).append("\n\n");
        b.append("[ready]\ntimeout = \"10m\"\nagent = true\n");
        if (m.serialReady() != null) {
            b.append("serial = ").append(str(m.serialReady())).append("\n");
        }
        b.append("commands = [ ").append(argv(m.ready())).append(" ]\nservice = \"http://127.0.0.1/\"\n\n");
        b.append("[update]                       # ").append(image.first().version()).append(" -> ").append(next.version()).append("\n");
        b.append("install = ").append(argv(m.update())).append("\n");
        b.append("kernel = ").append(str(image.kernel(next).orElseThrow().toString())).append("\n");
        image.initrd(next).ifPresent(i -> b.append("initrd = ").append(str(i.toString())).append("\n"));
        return b.toString();
    }

    private static String argv(List<String> argv) {
        return argv.stream().map(DemoDomainXml::str).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String str(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
