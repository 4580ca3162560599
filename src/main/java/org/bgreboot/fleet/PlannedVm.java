package org.bgreboot.fleet;

/**
 * One VM of a roll: the host it is on, the wave it belongs to there (waves of {@code parallel}
 * reboots, one after the other on each host; hosts work in parallel), and the memory its clone needs.
 */
public record PlannedVm(String vm, String host, int wave, long memoryBytes) {}
