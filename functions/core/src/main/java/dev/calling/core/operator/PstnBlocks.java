package dev.calling.core.operator;

import java.util.Optional;

/**
 * Port: operators' PSTN blocks, kept with the subscriber so that routing reads them with the caller's plan
 * ({@link dev.calling.core.routing.RoutingPlan#pstnBlocked()}).
 */
public interface PstnBlocks {

    /** Blocks the user; blocking again replaces the reason, the operator and the time. */
    void block(PstnBlock block);

    /** Lifts the user's block; nothing to do if there is none. */
    void unblock(String userId);

    Optional<PstnBlock> pstnBlock(String userId);
}
