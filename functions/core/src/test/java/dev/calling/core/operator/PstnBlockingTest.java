package dev.calling.core.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.core.app.RequestRefused;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PstnBlockingTest {

    static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

    final Map<String, PstnBlock> stored = new HashMap<>();
    final PstnBlocking blocking = new PstnBlocking(new PstnBlocks() {
        public void block(PstnBlock block) { stored.put(block.userId(), block); }
        public void unblock(String userId) { stored.remove(userId); }
        public Optional<PstnBlock> pstnBlock(String userId) { return Optional.ofNullable(stored.get(userId)); }
    }, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aBlockKeepsWhyWhoAndSinceAndAnUnblockLiftsIt() {
        PstnBlock block = blocking.block("arn:aws:iam::1:user/ops", "ann", " fraud review #7 ");

        assertThat(block).isEqualTo(new PstnBlock("ann", "fraud review #7", "arn:aws:iam::1:user/ops", NOW));
        assertThat(blocking.of("ann")).contains(block);

        blocking.unblock("arn:aws:iam::1:user/ops", "ann");
        blocking.unblock("arn:aws:iam::1:user/ops", "ann");
        assertThat(blocking.of("ann")).isEmpty();
    }

    @Test
    void aBlockNeedsAReasonAndAValidUser() {
        assertThatThrownBy(() -> blocking.block("ops", "ann", "")).isInstanceOf(RequestRefused.class);
        assertThatThrownBy(() -> blocking.block("ops", "a b", "fraud")).isInstanceOf(RequestRefused.class);
        assertThat(stored).isEmpty();
    }
}
