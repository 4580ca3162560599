package org.bgreboot.render;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A small table of strings rendered as aligned plain text (terminal) or GitHub Markdown.
 * Columns whose cells all look like numbers ("180 ms", "1.2 s", "91 %", "-3") are right-aligned.
 */
public final class Table {

    private static final Pattern NUMBER = Pattern.compile("[-+]?[0-9][0-9.,]*\\s?[a-zA-Z%×µ]*|[-–]");

    private final List<String> columns;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(List<String> columns) {
        if (columns.isEmpty()) throw new IllegalArgumentException("a table needs columns");
        this.columns = List.copyOf(columns);
    }

    public static Table of(String... columns) {
        return new Table(Arrays.asList(columns));
    }

    /** Adds a row; missing cells are blank, extra cells are an error. Null cells print as blank. */
    public Table row(String... cells) {
        return row(Arrays.asList(cells));
    }

    public Table row(List<String> cells) {
        if (cells.size() > columns.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells for " + columns.size() + " columns");
        }
        List<String> r = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            String c = i < cells.size() && cells.get(i) != null ? cells.get(i) : "";
            r.add(c.replace('\n', ' ').replace('\r', ' '));
        }
        rows.add(r);
        return this;
    }

    public List<String> columns() {
        return columns;
    }

    public List<List<String>> rows() {
        return List.copyOf(rows);
    }

    /** Aligned plain text: header, a dashed rule, the rows; columns two spaces apart, no trailing blanks. */
    public String toText() {
        int[] width = widths(columns, rows);
        boolean[] right = rightAligned();
        StringBuilder out = new StringBuilder();
        line(out, columns, width, right);
        List<String> rule = new ArrayList<>();
        for (int w : width) rule.add("-".repeat(w));
        line(out, rule, width, right);
        for (List<String> r : rows) line(out, r, width, right);
        return out.toString();
    }

    /** GitHub Markdown; '|' in cells is escaped, numeric columns get a right-aligned marker. */
    public String toMarkdown() {
        boolean[] right = rightAligned();
        StringBuilder out = new StringBuilder();
        mdLine(out, columns);
        out.append('|');
        for (boolean r : right) out.append(r ? " ---: |" : " --- |");
        out.append('\n');
        for (List<String> r : rows) mdLine(out, r);
        return out.toString();
    }

    @Override
    public String toString() {
        return toText();
    }

    private boolean[] rightAligned() {
        boolean[] right = new boolean[columns.size()];
        for (int c = 0; c < right.length; c++) {
            boolean any = false, all = true;
            for (List<String> r : rows) {
                String v = r.get(c).strip();
                if (v.isEmpty()) continue;
                any = true;
                all &= NUMBER.matcher(v).matches();
            }
            right[c] = any && all;
        }
        return right;
    }

    private static int[] widths(List<String> header, List<List<String>> rows) {
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) w[i] = header.get(i).length();
        for (List<String> r : rows) for (int i = 0; i < w.length; i++) w[i] = Math.max(w[i], r.get(i).length());
        return w;
    }

    private static void line(StringBuilder out, List<String> cells, int[] width, boolean[] right) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < width.length; i++) {
            if (i > 0) l.append("  ");
            String pad = " ".repeat(width[i] - cells.get(i).length());
            l.append(right[i] ? pad + cells.get(i) : cells.get(i) + pad);
        }
        out.append(l.toString().stripTrailing()).append('\n');
    }

    private static void mdLine(StringBuilder out, List<String> cells) {
        out.append('|');
        for (String c : cells) out.append(' ').append(c.replace("|", "\\|")).append(" |");
        out.append('\n');
    }
}
