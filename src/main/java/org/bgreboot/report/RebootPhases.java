package org.bgreboot.report;

import java.util.ArrayList;
import java.util.List;
import org.bgreboot.reboot.RebootResult;
import org.bgreboot.reboot.Span;
import org.bgreboot.render.PhaseMark;

/** A reboot's spans as bands to draw over a probe timeline (instants left out). */
public final class RebootPhases {
    private RebootPhases() {}

    public static List<PhaseMark> of(RebootResult r) {
        List<PhaseMark> marks = new ArrayList<>();
        r.spans().forEach((span, i) -> {
            if (span != Span.FG_STOPPED) {
                String name = span == Span.IN_PLACE ? r.method().label() + " " + span.label() : span.label();
                marks.add(new PhaseMark(name, i.startMs(), i.endMs()));
            }
        });
        return marks;
    }
}
