package org.bgreboot;

/** Sleeping in a polling loop; an interrupt becomes an unchecked failure with the interrupt flag kept. */
public final class Sleep {
    private Sleep() {}

    public static void ms(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
