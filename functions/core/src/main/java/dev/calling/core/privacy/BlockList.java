package dev.calling.core.privacy;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Port: the users each user blocked. A blocked user's calls never ring the blocker: to the caller they ring
 * unanswered and end {@code MISSED} at the ring timeout, as any call not picked up, and the blocker never sees them.
 */
public interface BlockList {

    /** How many users one user may block: enough for any person, bounded so the list is one page. */
    int MAX_PER_USER = 1000;

    /** {@code userId} blocked {@code blockedUserId} at {@code since}. */
    record Block(String userId, String blockedUserId, Instant since) {
        public Block {
            Objects.requireNonNull(userId, "userId");
            Objects.requireNonNull(blockedUserId, "blockedUserId");
            Objects.requireNonNull(since, "since");
        }
    }

    /**
     * Adds the block, once: blocking again keeps the first block (and its time), which is returned.
     *
     * @throws TooManyBlocked when the user has {@link #MAX_PER_USER} blocks already
     */
    Block block(Block block);

    /** Removes the block; false when there was none. */
    boolean unblock(String userId, String blockedUserId);

    /** The user's blocks, oldest first. */
    List<Block> of(String userId);

    /** Whether {@code userId} blocked {@code otherUserId}: one strongly consistent read. */
    boolean blocks(String userId, String otherUserId);

    /** The user has as many blocks as one may. */
    final class TooManyBlocked extends RuntimeException {
        public TooManyBlocked(String userId) {
            super(userId + " has blocked " + MAX_PER_USER + " users already; unblock one first");
        }
    }

    /** Blocks nobody: for tests and set-ups without the table. */
    BlockList NONE = new BlockList() {
        public Block block(Block block) {
            throw new UnsupportedOperationException("no block list here");
        }

        public boolean unblock(String userId, String blockedUserId) {
            return false;
        }

        public List<Block> of(String userId) {
            return List.of();
        }

        public boolean blocks(String userId, String otherUserId) {
            return false;
        }
    };
}
