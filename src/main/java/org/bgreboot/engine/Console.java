package org.bgreboot.engine;

/** An instance's serial console as text, appended to as the guest writes it. */
public interface Console {
    /** Everything written from {@code offset} (bytes) on, one char per byte (ISO-8859-1); empty when nothing is there yet. */
    String readFrom(long offset);

    /** How many bytes have been written so far: where the next boot's output will begin. */
    long length();

    /** Where a user can read it: a file's path, a command. */
    String where();
}
