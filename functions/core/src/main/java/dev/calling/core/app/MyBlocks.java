package dev.calling.core.app;

import dev.calling.core.privacy.BlockList;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * The users an app user blocked: block one, unblock one, list them. A blocked user's calls never ring the
 * blocker (to the caller they ring unanswered and end {@code MISSED}: the block is not revealed) and are not in the
 * blocker's history.
 */
public final class MyBlocks {

    private final BlockList blocks;
    private final Clock clock;

    public MyBlocks(BlockList blocks, Clock clock) {
        this.blocks = Objects.requireNonNull(blocks);
        this.clock = Objects.requireNonNull(clock);
    }

    /** Blocks {@code blockedUserId}; blocking again keeps the first block. */
    public BlockList.Block block(String userId, String blockedUserId) {
        PlaceCall.requireId("userId", blockedUserId);
        if (blockedUserId.equals(userId)) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "you cannot block yourself");
        }
        try {
            return blocks.block(new BlockList.Block(userId, blockedUserId, clock.instant()));
        } catch (BlockList.TooManyBlocked full) {
            throw new RequestRefused(Refusal.TOO_MANY_BLOCKED, full.getMessage());
        }
    }

    /** Unblocks {@code blockedUserId}; nothing to do if they were not blocked (a repeated request). */
    public void unblock(String userId, String blockedUserId) {
        PlaceCall.requireId("userId", blockedUserId);
        blocks.unblock(userId, blockedUserId);
    }

    public List<BlockList.Block> list(String userId) {
        return blocks.of(userId);
    }
}
