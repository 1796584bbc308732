package dev.valence.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A plain-text table: a header row, then rows, columns padded to their widest cell. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    Table row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = cells[i] instanceof Double d ? fmt(d) : String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    /** A number with three significant decimals at most, as a report shows it. */
    static String fmt(double d) {
        if (d == 0) {
            return "0";
        }
        double abs = Math.abs(d);
        String f = abs >= 100 ? "%.0f" : abs >= 10 ? "%.1f" : abs >= 1 ? "%.2f" : abs >= 0.01 ? "%.3f" : "%.2e";
        return String.format(Locale.ROOT, f, d);
    }

    void print(PrintStream out) {
        int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (int n = 0; n < rows.size(); n++) {
            String[] r = rows.get(n);
            StringBuilder line = new StringBuilder("| ");
            for (int i = 0; i < cols; i++) {
                String cell = i < r.length ? r[i] : "";
                boolean left = i == 0;
                line.append(left ? pad(cell, width[i], true) : pad(cell, width[i], false)).append(" | ");
            }
            out.println(line.toString().stripTrailing());
            if (n == 0) {
                StringBuilder sep = new StringBuilder("|");
                for (int w : width) {
                    sep.append("-".repeat(w + 2)).append('|');
                }
                out.println(sep);
            }
        }
    }

    private static String pad(String s, int w, boolean left) {
        String fill = " ".repeat(Math.max(0, w - s.length()));
        return left ? s + fill : fill + s;
    }
}
