package dev.calling.core.privacy;

import java.time.Instant;

/**
 * Port: whom each user knows, for users who silence unknown callers. A user knows everyone they have called and
 * everyone whose call they took; a call from anybody else to a user who silences unknown callers never rings them
 * and is a missed call in their history ({@link PrivacySettings}).
 */
public interface KnownCallers {

    /** Whether {@code userId} has called {@code otherUserId} or taken a call from them: one consistent read. */
    boolean knows(String userId, String otherUserId);

    /** {@code userId} called {@code otherUserId}, or took their call, at {@code at}; idempotent. */
    void remember(String userId, String otherUserId, Instant at);

    /** Knows nobody and remembers nothing: for tests and set-ups without the table. */
    KnownCallers NONE = new KnownCallers() {
        public boolean knows(String userId, String otherUserId) {
            return false;
        }

        public void remember(String userId, String otherUserId, Instant at) {
        }
    };
}
