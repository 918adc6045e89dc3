package dev.calling.adapters.dynamodb;

import java.util.concurrent.ThreadLocalRandom;

/** The wait before a version-guarded write is tried again after another writer came first. */
public final class Backoff {

    private Backoff() {}

    /**
     * Full jitter: a random wait up to an exponentially growing cap, at most {@code maxMillis}; none before the
     * first try ({@code attempt} 0).
     *
     * @param what what is being retried, for the exception if the thread is interrupted meanwhile
     */
    public static void fullJitter(int attempt, long maxMillis, String what) {
        if (attempt == 0) {
            return;
        }
        long cap = Math.min(maxMillis, 2L << Math.min(attempt, 20));
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, cap + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying " + what, e);
        }
    }
}
