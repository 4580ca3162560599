package org.bgreboot.measure;

/**
 * An append that was not acknowledged: {@code httpStatus} is 0 when no status came back.
 * Such a write is in doubt (it may still be in the ledger), never a loss.
 */
public record WriteFailure(double sentMs, double atMs, int httpStatus, String error) {}
