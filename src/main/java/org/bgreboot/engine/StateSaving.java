package org.bgreboot.engine;

import java.time.Duration;

/**
 * An engine's optional capability: an instance's whole state (memory, devices) saved and loaded
 * into a fresh instance. The paper-faithful switch uses it; its cost grows with memory.
 */
public interface StateSaving {
    /** Saves {@code instance} whole, ends it, and returns the fresh instance loaded from it, running. */
    Instance saveAndRestore(Instance instance, Duration timeout);
}
