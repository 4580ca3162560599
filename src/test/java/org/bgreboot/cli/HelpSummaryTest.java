package org.bgreboot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Every command's summary reads whole. picocli lists subcommands with the first line of their
 * description (or of their header), so that line must be one complete sentence, short enough for
 * the list, and the next line must begin a new sentence rather than finish the summary's.
 */
public class HelpSummaryTest {
    /** Two lines of the command list's description column (80 columns, names up to 9 wide). */
    private static final int MAX_SUMMARY = 110;

    @Test
    void everySummaryIsOneWholeSentence() {
        List<String> bad = new ArrayList<>();
        walk(new CommandLine(new BgrebootCommand()).getCommandSpec(), bad);
        assertThat(bad).as("commands whose summary does not read whole").isEmpty();
    }

    @Test
    void theCommandListShowsWholeSentences() {
        // what a user reads: each entry of "bgreboot --help"'s command list ends a sentence
        String help = new CommandLine(new BgrebootCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertThat(commandList(help)).hasSize(new CommandLine(new BgrebootCommand()).getSubcommands().size())
                .allSatisfy(e -> assertThat(e).endsWith("."));
    }

    /** The entries of a help text's command list ("Commands:" up to a blank line), each joined into one line. */
    public static List<String> commandList(String help) {
        List<String> entries = new ArrayList<>();
        for (String line : help.substring(help.indexOf("Commands:")).lines().skip(1).toList()) {
            if (line.isBlank()) {
                break;
            }
            if (line.startsWith("  ") && !line.startsWith("   ")) {
                entries.add(line.strip());
            } else if (!entries.isEmpty()) {
                entries.set(entries.size() - 1, entries.get(entries.size() - 1) + " " + line.strip());
            }
        }
        return entries;
    }

    private static void walk(CommandSpec spec, List<String> bad) {
        String[] header = spec.usageMessage().header();
        String[] lines = header.length > 0 ? header : spec.usageMessage().description();
        String problem = problem(lines);
        if (problem != null) {
            bad.add(spec.qualifiedName() + ": " + problem + " (" + (lines.length > 0 ? lines[0] : "") + ")");
        }
        spec.subcommands().values().stream().map(CommandLine::getCommandSpec).distinct().forEach(s -> walk(s, bad));
    }

    /** Why {@code lines}' first line is not a whole one-sentence summary, or null. */
    static String problem(String[] lines) {
        if (lines.length == 0 || lines[0].isBlank()) {
            return "no summary";
        }
        String summary = lines[0].strip();
        if (!Character.isUpperCase(summary.codePointAt(0))) {
            return "does not begin a sentence";
        }
        if (!summary.matches(".*[.!?]") || summary.matches(".*\\b(e\\.g|i\\.e|cf)\\.")) {
            return "does not end a sentence";
        }
        if (summary.length() > MAX_SUMMARY) {
            return "longer than " + MAX_SUMMARY + " characters";
        }
        if (lines.length > 1 && !lines[1].isBlank() && Character.isLowerCase(lines[1].strip().codePointAt(0))) {
            return "its sentence goes on in the next line";
        }
        return null;
    }

    @Test
    void theCheckCatchesACutSummary() {
        assertThat(problem(new String[] {"Reboot a VM. By default in the background: clone it, boot the clone", "while it serves."}))
                .isEqualTo("does not end a sentence");
        assertThat(problem(new String[] {"Bring a VM back to exactly one.", "serving VM."})).isEqualTo("its sentence goes on in the next line");
        assertThat(problem(new String[] {"Start, stop and inspect VMs."})).isNull();
    }
}
