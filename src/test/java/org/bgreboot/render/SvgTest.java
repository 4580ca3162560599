package org.bgreboot.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import org.bgreboot.render.TimelineSvg;
import org.bgreboot.render.LineChartSvg;
import org.bgreboot.render.TimelinePanel;
import org.bgreboot.render.Series;
import org.bgreboot.render.PhaseMark;
import org.bgreboot.measure.ProbeLog;
import org.bgreboot.measure.SyntheticLog;
class SvgTest {

    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    static List<Element> elements(Document doc, String tag) {
        NodeList nodes = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) out.add((Element) nodes.item(i));
        return out;
    }

    static List<String> texts(Document doc) {
        return elements(doc, "text").stream().map(Element::getTextContent).toList();
    }

    private static TimelinePanel normal() {
        ProbeLog log = new SyntheticLog().good(0, 1000, "v1", "A").refused(1000, 28_000)
                .good(28_000, 29_000, "v2", "B").log();
        return TimelinePanel.of("normal reboot", log, 1000, List.of());
    }

    private static TimelinePanel background() {
        ProbeLog log = new SyntheticLog().good(0, 7000, "v1", "A").refused(7000, 7170)
                .good(7170, 8000, "v2", "B").log();
        return TimelinePanel.of("background reboot <&>", log, 1000, List.of(
                new PhaseMark("clone", 1000, 1005), new PhaseMark("bg boot", 1005, 6900),
                new PhaseMark("switch", 6900, 7170)));
    }

    @Test
    void timelineIsValidSvgWithOnePanelPerTimeline() throws Exception {
        String svg = TimelineSvg.render(List.of(normal(), background()));
        Document doc = parse(svg);
        assertThat(doc.getDocumentElement().getLocalName()).isEqualTo("svg");
        assertThat(doc.getDocumentElement().getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
        assertThat(elements(doc, "g").stream().filter(g -> g.getAttribute("class").equals("panel"))).hasSize(2);
        List<String> texts = texts(doc);
        assertThat(texts).contains("normal reboot", "background reboot <&>", "downtime 27.0 s", "downtime 180 ms",
                "clone 5.0 ms", "bg boot 5.90 s", "switch 270 ms", "time since reboot start (s)", "1 s", "10 ms");
        assertThat(svg).contains("background reboot &lt;&amp;&gt;");
        assertThat(elements(doc, "rect").stream().filter(r -> r.getAttribute("class").equals("downtime"))).hasSize(2);
        assertThat(elements(doc, "path").stream().filter(p -> p.getAttribute("class").equals("failures"))).hasSize(2);
        assertThat(texts).anyMatch(t -> t.startsWith("old: v1")).anyMatch(t -> t.startsWith("new: v2"));
    }

    @Test
    void dotsAreColouredByTheBootThatAnswered() throws Exception {
        Document doc = parse(TimelineSvg.render(List.of(background())));
        List<Element> dots = elements(doc, "path").stream().filter(p -> p.getAttribute("class").equals("dots")).toList();
        assertThat(dots).extracting(p -> p.getAttribute("stroke")).containsExactly(TimelineSvg.OLD, TimelineSvg.NEW);
        long oldDots = Arrays.stream(dots.get(0).getAttribute("d").split("M")).filter(s -> !s.isEmpty()).count();
        assertThat(oldDots).isEqualTo(700);
    }

    @Test
    void anAbortedRebootSaysSo() throws Exception {
        TimelinePanel aborted = TimelinePanel.of("aborted", new SyntheticLog().good(0, 500, "v1", "A").log(), 100, null);
        assertThat(texts(parse(TimelineSvg.render(List.of(aborted))))).contains("no new boot seen: downtime 0");
    }

    @Test
    void phasesWithoutAnEndAreDrawnAsMarksAndWithoutAStartNotAtAll() throws Exception {
        ProbeLog log = new SyntheticLog().good(0, 500, "v1", "A").log();
        String svg = TimelineSvg.render(List.of(TimelinePanel.of("aborted", log, 100, List.of(
                new PhaseMark("bg boot", 100, Double.NaN), new PhaseMark("switch", Double.NaN, Double.NaN)))));
        assertThat(svg).doesNotContain("NaN").doesNotContain("switch");
        assertThat(texts(parse(svg))).contains("bg boot 0.0 ms");
    }

    @Test
    void separateTimeAxesFitEachPanel() throws Exception {
        List<String> shared = texts(parse(TimelineSvg.render(List.of(normal(), background()))));
        assertThat(shared.stream().filter("30"::equals)).hasSize(2);
        List<String> separate = texts(parse(TimelineSvg.render(List.of(normal(), background()), false)));
        assertThat(separate.stream().filter("30"::equals)).hasSize(1);
        assertThat(separate).contains("7");
    }

    @Test
    void lineChartHasSeriesLegendAndLogTicks() throws Exception {
        String svg = LineChartSvg.render("downtime vs memory <&>", "memory (MB)", "downtime (ms)",
                List.of("256", "512", "1024", "2048"),
                List.of(Series.of("normal", 30000.0, 31000.0, 33000.0, 36000.0),
                        Series.of("background", 150.0, 160.0, null, 170.0),
                        Series.of("save/restore", 900.0, 1800.0, 3600.0, Double.NaN)),
                true);
        Document doc = parse(svg);
        List<Element> groups = elements(doc, "g").stream().filter(g -> g.getAttribute("class").equals("series")).toList();
        assertThat(groups).hasSize(3);
        List<String> texts = texts(doc);
        assertThat(texts).contains("downtime vs memory <&>", "normal", "background", "save/restore",
                "100", "1000", "100000", "2048", "memory (MB)", "downtime (ms) (log)");
        // The missing 1024 value breaks the background line in two.
        String d = ((Element) groups.get(1).getElementsByTagNameNS("http://www.w3.org/2000/svg", "path").item(0)).getAttribute("d");
        assertThat(d.chars().filter(c -> c == 'M')).hasSize(2);
        assertThat(groups.get(2).getElementsByTagNameNS("http://www.w3.org/2000/svg", "circle").getLength()).isEqualTo(3);
    }

    @Test
    void linearLineChartStartsAtZero() throws Exception {
        List<String> texts = texts(parse(LineChartSvg.render("switch time", "memory (MB)", "ms",
                List.of("512", "1024"), List.of(Series.of("q35", 110.0, 120.0)), false)));
        assertThat(texts).contains("0", "20", "120");
    }
}
