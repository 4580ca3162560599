package org.bgreboot.engine;

/**
 * Work a clone can do before the switch so the switch itself is short (under TCG: translating the
 * guest's hot-plug path once). Best effort; {@link #after} tidies what {@link #before} left.
 */
public interface SwitchRehearsal {
    void before(Instance clone);

    void after(Instance serving);
}
