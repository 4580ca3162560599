package org.bgreboot.experiment;

import java.util.List;

/** What an experiment shows: a table to print, a picture, its figures as JSON, and what went wrong. */
public interface ExperimentReport {
    String table();

    String svg();

    /** Its figures: an output record, written by the outputs' one mapper. */
    Record json();

    /** Empty when the experiment showed what it should; else one line per problem. */
    List<String> problems();
}
