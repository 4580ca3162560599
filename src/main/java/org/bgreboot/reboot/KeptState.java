package org.bgreboot.reboot;

import java.util.List;
import java.util.Optional;

/**
 * A reboot asked to keep the state of the guest's services ({@code reboot --keep-state}): what became
 * of each. Whatever it says, the outcome is the reboot's own: a service restarted is no failed switch.
 *
 * @param note what holds for every service (user networking: state kept, connections not)
 */
public record KeptState(List<KeptService> services, Optional<String> note) {
    public KeptState {
        services = List.copyOf(services);
    }

    public long kept() {
        return services.stream().filter(s -> s.fate() == KeptService.Fate.KEPT).count();
    }
}
