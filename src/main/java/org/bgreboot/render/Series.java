package org.bgreboot.render;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.bgreboot.render.LineChartSvg;
/** A named line of a {@link LineChartSvg}: one value per category, null or NaN where there is none. */
public record Series(String name, List<Double> values) {

    public Series {
        // List.copyOf refuses nulls, and null is how a missing point is said.
        values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    public static Series of(String name, Double... values) {
        return new Series(name, java.util.Arrays.asList(values));
    }

    boolean has(int i) {
        return i < values.size() && values.get(i) != null && !values.get(i).isNaN();
    }
}
