package org.bgreboot.qmp;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.bgreboot.jsonwire.WireDisconnectedException;
import org.bgreboot.jsonwire.WireException;
import org.bgreboot.jsonwire.WireTimeoutException;

/**
 * Waits for one event. Obtain it from {@link QmpClient#expect} <em>before</em> sending the
 * command that causes the event, so an event that arrives before the command's reply is not
 * missed:
 *
 * <pre>{@code
 * try (EventWaiter deleted = qmp.expect("DEVICE_DELETED", e -> "disk1".equals(e.data().path("device").asText()))) {
 *     qmp.execute("device_del", Map.of("id", "disk1"));
 *     deleted.await(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * The reader thread only queues events of the right name; the filter runs in {@link #await}.
 */
public final class EventWaiter implements AutoCloseable {

    private final String eventName;
    private final Predicate<QmpEvent> filter;
    private final Consumer<EventWaiter> unregister;
    private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    EventWaiter(String eventName, Predicate<QmpEvent> filter, Consumer<EventWaiter> unregister) {
        this.eventName = eventName;
        this.filter = filter;
        this.unregister = unregister;
    }

    public String eventName() {
        return eventName;
    }

    /**
     * Returns the first matching event that arrived since this waiter was created, waiting up to
     * {@code timeout}, then closes the waiter.
     *
     * @throws WireTimeoutException when none arrived in time
     * @throws WireDisconnectedException as soon as the connection drops
     */
    public QmpEvent await(Duration timeout) {
        if (closed) {
            throw new IllegalStateException("waiter for " + eventName + " was already awaited or closed");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                Object item = left > 0 ? inbox.poll(left, TimeUnit.NANOSECONDS) : inbox.poll();
                if (item == null) {
                    throw new WireTimeoutException(timeout, "no " + eventName + " event");
                }
                if (item instanceof WireException reason) {
                    throw new WireDisconnectedException("waiting for " + eventName + ": " + reason.getMessage(), reason);
                }
                QmpEvent event = (QmpEvent) item;
                if (filter.test(event)) {
                    return event;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WireException("interrupted while waiting for " + eventName, e);
        } finally {
            close();
        }
    }

    /** Unregisters the waiter; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            unregister.accept(this);
        }
    }

    /** Reader thread: queue an event of this waiter's name. */
    void offer(QmpEvent event) {
        inbox.add(event);
    }

    /** The connection dropped: events already queued are still returned first. */
    void disconnected(WireException reason) {
        inbox.add(reason);
    }
}
