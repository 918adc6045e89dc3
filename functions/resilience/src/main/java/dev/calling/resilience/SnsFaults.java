package dev.calling.resilience;

import dev.calling.embedded.SnsStub;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Push faults, scripted on the local SNS (its stub) per token just before a pushed call is placed:
 *
 * <ul>
 *   <li><b>transient</b>: with probability {@code share} per token, its next 1 to 4 Publish requests fail
 *       with one of SNS's documented transient errors: {@code InternalError} (HTTP 500),
 *       {@code ServiceUnavailable} (503), {@code Throttled} (429, Publish's ThrottledException) or
 *       {@code Throttling} (400, the Query API's common throttling error). The push sender's SNS client
 *       ({@code SnsClients}) treats the 5xx and both throttling codes as certainly not done and retries them
 *       (3 attempts, throttling with a longer back-off); 3 or 4 failures in a row outlast the client's
 *       attempts, so the command fails and SQS delivers it again;</li>
 *   <li><b>permanent</b>: every Publish to the token fails ({@code InternalError}) for {@code down}, longer
 *       than the pushes are retried (3 receives of the command, each with the client's 3 attempts): its pushes
 *       are dead-lettered.</li>
 * </ul>
 * What SNS really answered is read back from the stub's request log for the verdict ({@link SnsJournal}).
 */
final class SnsFaults {

    /** SNS's transient errors, as status and code (SNS API reference: Publish errors, CommonErrors). */
    record Error(int status, String code) {}

    static final List<Error> TRANSIENT = List.of(new Error(500, "InternalError"), new Error(503, "ServiceUnavailable"),
            new Error(429, "Throttled"), new Error(400, "Throttling"));

    private final SnsStub sns;
    private final FaultCounts faults;
    private final SplittableRandom random;
    private volatile double share;

    SnsFaults(SnsStub sns, FaultCounts faults, long seed) {
        this.sns = sns;
        this.faults = faults;
        this.random = new SplittableRandom(seed);
    }

    /** Share of tokens whose next Publish requests fail, per pushed call (0: none). */
    void share(double share) {
        this.share = share;
    }

    /** Before a pushed call: the phone's tokens start clean, then some get a burst of transient failures. */
    synchronized void beforeCall(PushPhones.Phone phone) {
        for (String token : phone.tokens()) {
            sns.heal(token);
            if (share > 0 && random.nextDouble() < share) {
                Error error = TRANSIENT.get(random.nextInt(TRANSIENT.size()));
                int roll = random.nextInt(10);
                int times = roll < 4 ? 1 : roll < 7 ? 2 : roll < 9 ? 3 : 4;
                sns.failPublish(token, error.status(), error.code(), times);
                faults.add("SNS Publish failures scripted (" + error.code() + ", " + (times < 3
                        ? "within the client's retries" : "past the client's retries: SQS redelivers") + ")");
            }
        }
    }

    /** SNS refuses every Publish to the phone's tokens until {@link #heal}. */
    void down(PushPhones.Phone phone, Duration forAbout) {
        phone.tokens().forEach(token -> sns.alwaysFailPublish(token, 500, "InternalError"));
        faults.add("SNS down for a phone's tokens past the retry window (" + forAbout.toSeconds() + " s)");
    }

    void heal(PushPhones.Phone phone) {
        phone.tokens().forEach(sns::heal);
    }
}
