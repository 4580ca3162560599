package org.bgreboot.engine;

import java.nio.file.Path;

/**
 * An engine's optional capability, for experiments: the whole running VM saved (memory, devices,
 * system layers, persistent disk) and put back exactly so, in seconds instead of a boot.
 */
public interface Checkpoints {
    /** Saves the serving instance whole into {@code dir}; the VM is stopped afterwards. */
    void save(Path dir);

    /** Stops whatever runs and puts the VM back exactly as saved in {@code dir}, running. */
    void restore(Path dir);
}
