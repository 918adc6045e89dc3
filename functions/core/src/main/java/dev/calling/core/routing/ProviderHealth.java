package dev.calling.core.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A carrier's recent record and the circuit breaker it drives. Keeps the outcomes of the last
 * {@code window} attempts: their answer-seizure ratio (answered / attempts) and carrier failure
 * rate. When the failure rate over at least {@code minimumAttempts} reaches
 * {@code failureRateToOpen}, the breaker opens and the carrier is skipped; after
 * {@code openFor} one probe attempt is let through (half-open): success closes the breaker,
 * another failure opens it again. Immutable; each outcome makes a new value.
 */
public final class ProviderHealth {

    public enum Breaker { CLOSED, OPEN, HALF_OPEN }

    /** The breaker's settings. */
    public record Policy(int window, int minimumAttempts, double failureRateToOpen, Duration openFor) {
        public static Policy defaults() {
            return new Policy(50, 10, 0.5, Duration.ofSeconds(30));
        }
    }

    private final Policy policy;
    private final List<AttemptOutcome> recent;
    private final Breaker breaker;
    private final Instant openedAt;
    private final boolean probeInFlight;

    private ProviderHealth(Policy policy, List<AttemptOutcome> recent, Breaker breaker, Instant openedAt,
            boolean probeInFlight) {
        this.policy = policy;
        this.recent = List.copyOf(recent);
        this.breaker = breaker;
        this.openedAt = openedAt;
        this.probeInFlight = probeInFlight;
    }

    public static ProviderHealth fresh(Policy policy) {
        return new ProviderHealth(policy, List.of(), Breaker.CLOSED, null, false);
    }

    /** A health as a store kept it (see {@link #recentOutcomes()}, {@link #storedBreaker()} ...). */
    public static ProviderHealth restore(Policy policy, List<AttemptOutcome> recent, Breaker breaker, Instant openedAt,
            boolean probeInFlight) {
        if (breaker != Breaker.CLOSED && openedAt == null) {
            throw new IllegalArgumentException("an open or half-open breaker needs the time it opened");
        }
        List<AttemptOutcome> window = recent.size() > policy.window()
                ? recent.subList(recent.size() - policy.window(), recent.size()) : recent;
        return new ProviderHealth(policy, window, breaker, openedAt, probeInFlight);
    }

    /** The outcomes in the window, oldest first. */
    public List<AttemptOutcome> recentOutcomes() {
        return recent;
    }

    /** The breaker as last recorded (without the passing of time; see {@link #breaker(Instant)}). */
    public Breaker storedBreaker() {
        return breaker;
    }

    /** When the breaker last opened, or null while closed. */
    public Instant openedAt() {
        return openedAt;
    }

    /** Whether the half-open breaker's one probe attempt is under way. */
    public boolean probeInFlight() {
        return probeInFlight;
    }

    /** The breaker as it stands at {@code now} (an open breaker turns half-open once its time is up). */
    public Breaker breaker(Instant now) {
        if (breaker == Breaker.OPEN && !now.isBefore(openedAt.plus(policy.openFor()))) {
            return Breaker.HALF_OPEN;
        }
        return breaker;
    }

    /** Whether a new call may be tried through this carrier now. */
    public boolean allowsAttempt(Instant now) {
        return switch (breaker(now)) {
            case CLOSED -> true;
            case OPEN -> false;
            case HALF_OPEN -> !probeInFlight;
        };
    }

    /** An attempt was started; in half-open state it is the probe, and no other goes until it ends. */
    public ProviderHealth attemptStarted(Instant now) {
        return breaker(now) == Breaker.HALF_OPEN
                ? new ProviderHealth(policy, recent, Breaker.HALF_OPEN, openedAt, true)
                : this;
    }

    public ProviderHealth record(AttemptOutcome outcome, Instant now) {
        Deque<AttemptOutcome> window = new ArrayDeque<>(recent);
        window.addLast(outcome);
        while (window.size() > policy.window()) {
            window.removeFirst();
        }
        List<AttemptOutcome> next = List.copyOf(window);
        Breaker state = breaker(now);
        if (state == Breaker.HALF_OPEN) {
            return outcome == AttemptOutcome.CARRIER_FAILURE
                    ? new ProviderHealth(policy, next, Breaker.OPEN, now, false)
                    : new ProviderHealth(policy, List.of(outcome), Breaker.CLOSED, null, false);
        }
        if (state == Breaker.CLOSED && next.size() >= policy.minimumAttempts()
                && failureRate(next) >= policy.failureRateToOpen()) {
            return new ProviderHealth(policy, next, Breaker.OPEN, now, false);
        }
        return new ProviderHealth(policy, next, breaker, openedAt, probeInFlight);
    }

    /** Answered attempts over all recent attempts (1.0 with no history). */
    public double answerSeizureRatio() {
        return recent.isEmpty() ? 1.0
                : (double) recent.stream().filter(o -> o == AttemptOutcome.ANSWERED).count() / recent.size();
    }

    public double failureRate() {
        return failureRate(recent);
    }

    private static double failureRate(List<AttemptOutcome> outcomes) {
        return outcomes.isEmpty() ? 0.0
                : (double) outcomes.stream().filter(o -> o == AttemptOutcome.CARRIER_FAILURE).count() / outcomes.size();
    }

    public int attempts() {
        return recent.size();
    }
}
