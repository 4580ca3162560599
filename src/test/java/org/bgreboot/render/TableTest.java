package org.bgreboot.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import org.bgreboot.render.Table;
class TableTest {

    private static Table sideBySide() {
        return Table.of("method", "downtime", "time to new OS")
                .row("normal reboot", "27.4 s", "27.4 s")
                .row("background", "180 ms", "6.20 s");
    }

    @Test
    void alignsTextLeftAndNumbersRight() {
        assertThat(sideBySide().toText()).isEqualTo("""
                method         downtime  time to new OS
                -------------  --------  --------------
                normal reboot    27.4 s          27.4 s
                background       180 ms          6.20 s
                """);
    }

    @Test
    void rendersGitHubMarkdownWithEscapedPipes() {
        String md = Table.of("a|b", "n").row("x | y", "3").row("z", "-").toMarkdown();
        assertThat(md).isEqualTo("""
                | a\\|b | n |
                | --- | ---: |
                | x \\| y | 3 |
                | z | - |
                """);
    }

    @Test
    void shortRowsArePaddedAndLongRowsRefused() {
        Table t = Table.of("a", "b").row("only");
        assertThat(t.rows().get(0)).containsExactly("only", "");
        assertThat(t.toText()).isEqualTo("a     b\n----  -\nonly\n");
        assertThatThrownBy(() -> t.row("1", "2", "3")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void newlinesInCellsDoNotBreakTheLayout() {
        assertThat(Table.of("x").row("a\nb").toMarkdown()).isEqualTo("| x |\n| --- |\n| a b |\n");
    }
}
