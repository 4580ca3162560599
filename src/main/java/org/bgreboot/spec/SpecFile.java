package org.bgreboot.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The spec file as written (TOML), before validation. Every field may be missing here; {@link
 * SpecLoader} fills defaults and checks values. Unknown keys are refused by the mapper.
 */
record SpecFile(
        String name,
        String engine,
        String memory,
        Integer cpus,
        String machine,
        @JsonProperty("system_disk") List<Disk> systemDisk,
        @JsonProperty("persistent_disk") Persistent persistentDisk,
        Net network,
        Boot boot,
        HookSet hooks,
        Ready ready,
        Upd update,
        @JsonProperty("switch") Sw switchPolicy,
        Lv libvirt) {

    record Disk(String path) {}

    record Persistent(String path, String format, String serial, String target) {}

    record Lv(String connect, String domain, String announce) {}

    record Net(String mode, String mac, List<Forward> forwards, String bridge, String netns, String address,
               @JsonProperty("client_netns") String clientNetns, @JsonProperty("service_port") Integer servicePort) {}

    record Forward(@JsonProperty("host_port") Integer hostPort, @JsonProperty("guest_port") Integer guestPort,
                   @JsonProperty("host_address") String hostAddress) {}

    record Boot(String kernel, String initrd, String cmdline) {}

    record HookSet(List<String> release, List<String> attach, String timeout) {}

    record Ready(String timeout, Boolean agent, List<List<String>> commands, String serial, String service) {}

    record Sw(String release, String disk) {}

    record Upd(List<String> install, String kernel, String initrd, String cmdline, List<String> kexec,
               @JsonProperty("guest_kernel") String guestKernel, @JsonProperty("guest_initrd") String guestInitrd) {}

    /** Keys by section, for the "did you mean" part of an unknown-key error. */
    static final Map<String, String> SECTIONS = Map.of(
            "system_disk", "[[system_disk]]", "persistent_disk", "[persistent_disk]", "network", "[network]",
            "boot", "[boot]", "hooks", "[hooks]", "ready", "[ready]", "update", "[update]", "switch", "[switch]", "libvirt", "[libvirt]");
}
