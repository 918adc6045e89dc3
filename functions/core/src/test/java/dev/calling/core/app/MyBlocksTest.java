package dev.calling.core.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.core.privacy.BlockList;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Blocking and unblocking users through the app's use case: checked before anything is written. */
class MyBlocksTest {

    static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

    /** The port's contract in memory. */
    static final class InMemoryBlocks implements BlockList {
        final Map<String, Block> blocks = new LinkedHashMap<>();
        int writes;

        public Block block(Block block) {
            String key = block.userId() + "/" + block.blockedUserId();
            if (blocks.containsKey(key)) {
                return blocks.get(key);
            }
            if (of(block.userId()).size() >= MAX_PER_USER) {
                throw new TooManyBlocked(block.userId());
            }
            writes++;
            blocks.put(key, block);
            return block;
        }

        public boolean unblock(String userId, String blockedUserId) {
            writes++;
            return blocks.remove(userId + "/" + blockedUserId) != null;
        }

        public List<Block> of(String userId) {
            return new ArrayList<>(blocks.values().stream().filter(b -> b.userId().equals(userId)).toList());
        }

        public boolean blocks(String userId, String otherUserId) {
            return blocks.containsKey(userId + "/" + otherUserId);
        }
    }

    final InMemoryBlocks blocks = new InMemoryBlocks();
    final MyBlocks mine = new MyBlocks(blocks, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void blockingIsIdempotentAndKeepsTheFirstTimeAndUnblockingTwiceIsFine() {
        assertThat(mine.block("ann", "spammer")).isEqualTo(new BlockList.Block("ann", "spammer", NOW));
        MyBlocks later = new MyBlocks(blocks, Clock.fixed(NOW.plusSeconds(60), ZoneOffset.UTC));
        assertThat(later.block("ann", "spammer").since()).isEqualTo(NOW);
        assertThat(mine.list("ann")).extracting(BlockList.Block::blockedUserId).containsExactly("spammer");
        assertThat(blocks.blocks("ann", "spammer")).isTrue();
        assertThat(blocks.blocks("spammer", "ann")).as("one way").isFalse();

        mine.unblock("ann", "spammer");
        mine.unblock("ann", "spammer");
        assertThat(mine.list("ann")).isEmpty();
    }

    @Test
    void blockingOneselfOrAMalformedIdIsRefusedAndWritesNothing() {
        assertThatThrownBy(() -> mine.block("ann", "ann")).isInstanceOfSatisfying(RequestRefused.class,
                refused -> assertThat(refused.refusal()).isEqualTo(Refusal.INVALID_REQUEST));
        assertThatThrownBy(() -> mine.block("ann", "not an id")).isInstanceOf(RequestRefused.class);
        assertThatThrownBy(() -> mine.unblock("ann", "x".repeat(129))).isInstanceOf(RequestRefused.class);
        assertThat(blocks.writes).isZero();
    }

    @Test
    void theThousandAndFirstBlockIsRefused() {
        for (int i = 0; i < BlockList.MAX_PER_USER; i++) {
            mine.block("ann", "user-" + i);
        }
        assertThatThrownBy(() -> mine.block("ann", "one-more")).isInstanceOfSatisfying(RequestRefused.class,
                refused -> assertThat(refused.refusal()).isEqualTo(Refusal.TOO_MANY_BLOCKED));
        assertThat(mine.block("ann", "user-7").blockedUserId()).as("an existing block is no new one").isEqualTo("user-7");
    }
}
