package org.bgreboot.measure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

import org.bgreboot.render.Millis;
class ProbeLogTest {

    @Test
    void sortsBySendTime() {
        ProbeLog log = new ProbeLog(List.of(SyntheticLog.answer(20, 1, "v1", "A"), SyntheticLog.answer(10, 50, "v1", "A")));
        assertThat(log.samples()).extracting(ProbeSample::sentMs).containsExactly(10.0, 20.0);
        assertThat(log.samples().get(0).latencyMs()).isEqualTo(50);
    }

    @Test
    void roundTripsThroughJsonForRunRecords() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ProbeLog log = new SyntheticLog().good(0, 30, "v1", "A").refused(30, 50).refused(55, 55).log();
        String text = json.writeValueAsString(log);
        assertThat(text).doesNotContain("latencyMs");
        assertThat(json.readValue(text, ProbeLog.class)).isEqualTo(log);
        WriteLog writes = new WriteLog(List.of(new Ack(1, 2.5)), List.of(new WriteFailure(3, 4, 503, "HTTP 503")));
        assertThat(json.readValue(json.writeValueAsString(writes), WriteLog.class)).isEqualTo(writes);
    }

    @Test
    void downtimeResultsWithNaNRoundTripThroughJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        DowntimeResult aborted = Downtime.analyze(new SyntheticLog().good(0, 100, "v1", "A").log(), 50);
        assertThat(aborted.firstNewMs()).isNaN();
        assertThat(json.readValue(json.writeValueAsString(aborted), DowntimeResult.class)).isEqualTo(aborted);
    }

    @Test
    void millisPickAShortUnit() {
        assertThat(Millis.text(0.42)).isEqualTo("0.4 ms");
        assertThat(Millis.text(180.4)).isEqualTo("180 ms");
        assertThat(Millis.text(1250)).isEqualTo("1.25 s");
        assertThat(Millis.text(27_400)).isEqualTo("27.4 s");
        assertThat(Millis.text(Double.NaN)).isEqualTo("–");
    }

    @Test
    void statsGiveMediansAndPercentiles() {
        assertThat(Stats.median(new double[] {3, 1, 2})).isEqualTo(2);
        assertThat(Stats.median(List.of(4.0, 1.0, 2.0, 3.0))).isEqualTo(2.5);
        assertThat(Stats.percentile(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99)).isEqualTo(10);
        assertThat(Stats.percentile(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 50)).isEqualTo(5);
        assertThat(Stats.median(new double[0])).isNaN();
    }
}
