package dev.calling.core.operator;

import dev.calling.core.app.PlaceCall;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * An operator blocks a user's calls to phone numbers (fraud, a chargeback, a complaint) and lifts the block.
 * While blocked, the user's PSTN calls are refused before anything is reserved or dialled, as is the PSTN
 * fallback of their calls to app users; app-to-app calls are not affected.
 */
public final class PstnBlocking {

    private final PstnBlocks blocks;
    private final Clock clock;

    public PstnBlocking(PstnBlocks blocks, Clock clock) {
        this.blocks = Objects.requireNonNull(blocks);
        this.clock = Objects.requireNonNull(clock);
    }

    public PstnBlock block(String by, String userId, String reason) {
        PlaceCall.requireId("userId", userId);
        String why = AccountAdjustments.requireReason(reason);
        PstnBlock block = new PstnBlock(userId, why, requireOperator(by), clock.instant());
        blocks.block(block);
        return block;
    }

    public void unblock(String by, String userId) {
        requireOperator(by);
        PlaceCall.requireId("userId", userId);
        blocks.unblock(userId);
    }

    public Optional<PstnBlock> of(String userId) {
        PlaceCall.requireId("userId", userId);
        return blocks.pstnBlock(userId);
    }

    private static String requireOperator(String by) {
        if (by == null || by.isBlank()) {
            throw new IllegalArgumentException("an operator's identity is required");
        }
        return by;
    }
}
