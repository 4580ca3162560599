package org.bgreboot.engine.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import org.bgreboot.engine.embedded.Priority;
class PriorityTest {

    @Test
    void aCloneGetsTheLastCpusButNeverTheFirst() {
        assertThat(Priority.cloneCpus(1, 2)).isEqualTo("1");
        assertThat(Priority.cloneCpus(2, 2)).isEqualTo("1");
        assertThat(Priority.cloneCpus(2, 8)).isEqualTo("6-7");
        assertThat(Priority.cloneCpus(16, 8)).isEqualTo("1-7");
    }

    @Test
    void aSingleCpuHostHasOnlyTheOne() {
        assertThat(Priority.cloneCpus(1, 1)).isEqualTo("0");
    }
}
