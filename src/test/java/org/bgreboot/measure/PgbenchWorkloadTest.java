package org.bgreboot.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What pgbench 15 (Debian 12) prints when it loses connections, as a keep-state bench saw it. */
class PgbenchWorkloadTest {

    @Test
    void bothWaysPgbenchSaysAClientLostItsConnectionAreCounted() {
        // a normal reboot: the server's fast shutdown ends the sessions
        assertThat(PgbenchWorkload.abortedClients(List.of(
                "pgbench (15.18 (Debian 15.18-0+deb12u1))",
                "pgbench: error: client 1 script 0 aborted in command 1 query 0: FATAL:  terminating connection due to administrator command",
                "pgbench: error: client 0 script 0 aborted in command 1 query 0: FATAL:  terminating connection due to administrator command",
                "pgbench: error: Run was aborted; the above results are incomplete."))).isEqualTo(2);
        // a background reboot on the restart path: the old VM is gone
        assertThat(PgbenchWorkload.abortedClients(List.of(
                "pgbench: error: client 0 aborted in command 1 (SQL) of script 0; perhaps the backend died while processing",
                "pgbench: error: client 1 aborted in command 1 (SQL) of script 0; perhaps the backend died while processing"))).isEqualTo(2);
        // a process that never connected broke no connection
        assertThat(PgbenchWorkload.abortedClients(List.of(
                "pgbench: error: connection to server at \"10.77.110.10\", port 5432 failed: FATAL:  the database system is shutting down",
                "pgbench: error: could not create connection for setup"))).isZero();
    }
}
