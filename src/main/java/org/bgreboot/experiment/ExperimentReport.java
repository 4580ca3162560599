package org.bgreboot.experiment;

import java.util.List;
import java.util.Map;

/** What an experiment shows: a table to print, a picture, its figures as JSON, and what went wrong. */
public interface ExperimentReport {
    String table();

    String svg();

    Map<String, Object> json();

    /** Empty when the experiment showed what it should; else one line per problem. */
    List<String> problems();
}
