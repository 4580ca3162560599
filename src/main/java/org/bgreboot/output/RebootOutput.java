package org.bgreboot.output;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.report.RebootMeasurement;

/** {@code bgreboot reboot --json}: one reboot (docs/schema/reboot.schema.json). */
public record RebootOutput(int schemaVersion, @JsonUnwrapped RebootJson reboot) {

    public static RebootOutput of(RebootResult r) {
        return new RebootOutput(OutputJson.SCHEMA_VERSION, RebootJson.of(r));
    }

    public static RebootOutput of(RebootMeasurement m) {
        return new RebootOutput(OutputJson.SCHEMA_VERSION, RebootJson.of(m));
    }
}
