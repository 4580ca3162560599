package org.bgreboot.keep;

import java.util.Optional;

/**
 * One pre-dump, or the final dump, of one service, as bgreboot-keep reported it.
 *
 * @param done         the images were written (a failed final dump lets the service run on: the restart path)
 * @param iteration    a pre-dump's place in its chain (1: a full one); a dump's count of pre-dumps before it
 * @param frozenMs     how long CRIU held the service frozen
 * @param bytes        the images it wrote
 * @param preDumpBytes a final dump's pre-dumps' images on the disk (0 for a pre-dump)
 * @param reason       why it failed
 */
public record DumpReport(String service, boolean done, int iteration, double ms, double frozenMs, long bytes, long preDumpBytes, long pid,
                         Optional<String> reason) {}
