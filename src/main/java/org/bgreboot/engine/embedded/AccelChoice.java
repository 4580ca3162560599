package org.bgreboot.engine.embedded;


import org.bgreboot.engine.embedded.Accel;
/** The accelerator chosen for a VM and why, printed so nobody wonders why a boot is slow. */
public record AccelChoice(Accel accel, String reason) {
    @Override public String toString() {
        return accel.qemuName() + " (" + reason + ")";
    }
}
