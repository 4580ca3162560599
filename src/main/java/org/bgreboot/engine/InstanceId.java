package org.bgreboot.engine;

/**
 * Names one instance of a VM so it can be found again by a later bgreboot process (recovery): the
 * runtime directory of an embedded QEMU, the name of a libvirt domain.
 */
public record InstanceId(String value) {
    @Override public String toString() {
        return value;
    }
}
