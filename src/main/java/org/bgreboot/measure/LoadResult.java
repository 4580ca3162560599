package org.bgreboot.measure;

/** Throughput of the service under {@link LoadGenerator}: answered (200) requests, failures, latency of the answered. */
public record LoadResult(long ok, long failures, double requestsPerSecond, double p50Ms, double p99Ms,
                         double startMs, double endMs) {}
