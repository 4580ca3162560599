package org.bgreboot;

/** This bgreboot's version: what {@code --version} prints and what its journals say wrote them (kept equal to the pom's by a test). */
public final class Version {
    public static final String VERSION = "0.2.0";

    private Version() {}

    /** {@code bgreboot 0.2.0}. */
    public static String full() {
        return "bgreboot " + VERSION;
    }
}
