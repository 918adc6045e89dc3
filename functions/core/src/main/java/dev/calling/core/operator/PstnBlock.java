package dev.calling.core.operator;

import java.time.Instant;
import java.util.Objects;

/** An operator's block on a user's calls to phone numbers: why, who, since when. */
public record PstnBlock(String userId, String reason, String by, Instant since) {

    public PstnBlock {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(by, "by");
        Objects.requireNonNull(since, "since");
    }
}
