package org.bgreboot.engine;

import java.util.Optional;

/**
 * An optional part of the seam, asked one way only: an engine (or one of its instances) either has
 * it, or says why not. The why reaches results and messages ("the clone's CPU cap could not be set:
 * ..."), so an absence is never silent.
 */
public sealed interface Capability<T> {

    record Present<T>(T role) implements Capability<T> {}

    record Absent<T>(String why) implements Capability<T> {}

    static <T> Capability<T> of(T role) {
        return new Present<>(role);
    }

    static <T> Capability<T> absent(String why) {
        return new Absent<>(why);
    }

    default Optional<T> get() {
        return this instanceof Present<T> p ? Optional.of(p.role()) : Optional.empty();
    }

    /** Why it is absent; empty when present. */
    default String why() {
        return this instanceof Absent<T> a ? a.why() : "";
    }
}
