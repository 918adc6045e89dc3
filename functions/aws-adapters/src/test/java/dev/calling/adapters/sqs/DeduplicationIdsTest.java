package dev.calling.adapters.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeduplicationIdsTest {

    @Test
    void keepsValidIdsAndHashesOthers() {
        assertThat(DeduplicationIds.of("call-1:ring-timeout")).isEqualTo("call-1:ring-timeout");
        assertThat(DeduplicationIds.of("x".repeat(200))).hasSize(64).isEqualTo(DeduplicationIds.of("x".repeat(200)));
        assertThat(DeduplicationIds.of("with space")).hasSize(64);
    }
}
