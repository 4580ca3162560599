package org.bgreboot.ready;

/** The guest being waited for is gone for good: its QEMU exited, it panicked or shut down. */
public final class GuestFailedException extends RuntimeException {
    public GuestFailedException(String message) {
        super(message);
    }
}
