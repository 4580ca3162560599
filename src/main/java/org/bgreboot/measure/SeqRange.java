package org.bgreboot.measure;

/** The sequence numbers {@code first..last}, inclusive. */
public record SeqRange(long first, long last) {
    @Override
    public String toString() {
        return first == last ? Long.toString(first) : first + ".." + last;
    }
}
