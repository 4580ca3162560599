package org.bgreboot.measure;

/** The service acknowledged (fsynced) sequence number {@code seq} at {@code atMs} (RunClock). */
public record Ack(long seq, double atMs) {}
