package org.bgreboot.engine.libvirt;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The names of a VM's generations on its host. Generation 0 is the domain the user made; every
 * later one is a domain of its own, {@code VM-gN}, since a running domain cannot be renamed and
 * the clone must run beside the VM. Their system layers sit beside the VM's first image:
 * {@code VM-gN-vda.qcow2}, and FG's scratch layer during a reboot {@code VM-gN-vda-scratch.qcow2}.
 * Each later generation logs its serial console beside the VM's own log, {@code VM-gN-serial.log}.
 * Only files named so are ever deleted: the user's own images never are.
 *
 * @param logDir where the VM's own serial log is (its definition's), if it has one
 */
record Generations(String vm, String firstDomain, Optional<Path> logDir) {

    Generations(String vm, String firstDomain) {
        this(vm, firstDomain, Optional.empty());
    }

    String domain(int generation) {
        return generation == 0 ? firstDomain : vm + "-g" + generation;
    }

    /** Whether a domain name is one of the VM's generations (its metadata says so too, once it has any). */
    boolean isGeneration(String name) {
        return name.equals(firstDomain) || name.matches(Pattern.quote(vm) + "-g\\d+");
    }

    /** Where generation {@code domain} writes its serial log; none for the first domain (the user's own) or a VM that logs nowhere. */
    Optional<Path> serialLog(String domain) {
        return domain.equals(firstDomain) || !isGeneration(domain) ? Optional.empty() : logDir.map(d -> d.resolve(domain + "-serial.log"));
    }

    Path layer(Path dir, String target, int generation) {
        return dir.resolve(vm + "-g" + generation + "-" + target + ".qcow2");
    }

    Path scratch(Path dir, String target, int generation) {
        return dir.resolve(vm + "-g" + generation + "-" + target + "-scratch.qcow2");
    }

    Path rehearsalDisk(Path dir, String domain) {
        return dir.resolve(domain + "-rehearsal.img");
    }

    Path savedState(Path dir, String domain) {
        return dir.resolve(domain + ".state");
    }

    /** A file bgreboot made for this VM (a layer, a scratch layer, a saved state). */
    boolean ours(String fileName) {
        return fileName.matches(Pattern.quote(vm) + "-g\\d+-[a-z0-9]+(-scratch)?\\.qcow2")
                || fileName.matches(Pattern.quote(vm) + "-g\\d+(\\.state|-rehearsal\\.img)");
    }

    boolean ours(Path file) {
        return ours(file.getFileName().toString());
    }
}
