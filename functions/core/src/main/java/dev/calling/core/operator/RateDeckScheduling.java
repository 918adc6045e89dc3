package dev.calling.core.operator;

import dev.calling.core.app.Refusal;
import dev.calling.core.app.RequestRefused;
import dev.calling.core.routing.ScheduledRateDeck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An operator replaces a carrier's cost deck (what the carrier charges us, which least-cost routing compares) with
 * a deck uploaded to the rate-decks bucket, from an instant on; the call state managers pick it up at that instant
 * without a redeploy. The rules:
 * <ul>
 *   <li>the deck is validated whole when scheduled: a deck that cannot be read is refused, nothing is written;</li>
 *   <li>it takes effect now or later: an instant more than {@link #PAST_TOLERANCE} ago is refused (routing already
 *       used another deck then), a little in the past is allowed for clock skew and retries;</li>
 *   <li>one carrier, one currency: a deck in another currency than the carrier's previously scheduled one is refused;</li>
 *   <li>a retry is idempotent: the same carrier, instant and object (key and version) answers the stored schedule;
 *       another object at the same instant replaces it only while that instant is still to come. A deck in effect is
 *       never replaced: what priced calls stays on record, and a new deck is scheduled from a new instant.</li>
 * </ul>
 */
public final class RateDeckScheduling {

    /** How far in the past a deck may be scheduled from (a request's own delay, clocks a little apart). */
    public static final Duration PAST_TOLERANCE = Duration.ofMinutes(5);
    /** How many scheduled decks of a carrier a listing shows, newest first. */
    public static final int LISTED = 50;
    private static final int WRITE_ATTEMPTS = 3;

    private final Set<String> carriers;
    private final RateDeckObjects objects;
    private final RateDeckSchedules schedules;
    private final Clock clock;

    /** @param carriers the configured carriers' ids: any other id is not found */
    public RateDeckScheduling(Set<String> carriers, RateDeckObjects objects, RateDeckSchedules schedules, Clock clock) {
        this.carriers = Set.copyOf(carriers);
        this.objects = Objects.requireNonNull(objects);
        this.schedules = Objects.requireNonNull(schedules);
        this.clock = Objects.requireNonNull(clock);
    }

    /** What scheduling did: {@code repeated} when the same deck was already scheduled (nothing written). */
    public record Scheduled(ScheduledRateDeck deck, boolean repeated, boolean replaced) {}

    /** A carrier's schedule, newest first, and the one of them in effect now (if any: else the packaged deck). */
    public record Schedule(String carrierId, List<ScheduledRateDeck> decks, Optional<ScheduledRateDeck> inEffect) {}

    public Scheduled schedule(String operator, String carrierId, String key, Optional<Instant> effectiveFrom,
            Optional<String> reason) {
        requireOperator(operator);
        requireCarrier(carrierId);
        if (key == null || key.isBlank() || key.length() > 1024) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "key is required: the object's key in the rate-decks bucket");
        }
        Optional<String> note = reason.map(String::strip).filter(r -> !r.isEmpty());
        if (note.isPresent() && (note.get().length() > AccountAdjustments.MAX_REASON_LENGTH
                || note.get().chars().anyMatch(Character::isISOControl))) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "a reason has at most "
                    + AccountAdjustments.MAX_REASON_LENGTH + " characters and no control characters");
        }
        Instant now = clock.instant();
        Instant from = effectiveFrom.orElse(now);
        RateDeckObjects.Validated validated;
        try {
            validated = objects.validate(key);
        } catch (RateDeckObjects.Unusable unusable) {
            throw new RequestRefused(Refusal.RATE_DECK_REFUSED, unusable.getMessage() + "; nothing was scheduled");
        }
        ScheduledRateDeck wanted = new ScheduledRateDeck(carrierId, from, validated.object(), validated.rates(),
                validated.currency(), operator, note, now);
        for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
            Optional<ScheduledRateDeck> existing = schedules.at(carrierId, wanted.effectiveFrom());
            if (existing.isPresent() && existing.get().object().equals(wanted.object())) {
                return new Scheduled(existing.get(), true, false);
            }
            if (wanted.effectiveFrom().isBefore(now.minus(PAST_TOLERANCE))) {
                throw new RequestRefused(Refusal.RATE_DECK_REFUSED, "effectiveFrom " + wanted.effectiveFrom()
                        + " is more than " + PAST_TOLERANCE.toMinutes() + " minutes in the past: calls were already"
                        + " priced by another deck then; schedule it from now or later");
            }
            requireCarriersCurrency(wanted);
            if (existing.isPresent()) {
                if (!existing.get().effectiveFrom().isAfter(now)) {
                    throw new RequestRefused(Refusal.RATE_DECK_IN_EFFECT, "carrier " + carrierId + " has deck "
                            + existing.get().object().key() + " in effect from " + wanted.effectiveFrom()
                            + ": a deck in effect is never replaced: schedule a new one");
                }
                if (schedules.replace(existing.get(), wanted)) {
                    return new Scheduled(wanted, false, true);
                }
            } else if (schedules.add(wanted)) {
                return new Scheduled(wanted, false, false);
            }
            // another request wrote this instant between the read and the write: decide again on what it wrote
        }
        throw new IllegalStateException("carrier " + carrierId + "'s deck from " + wanted.effectiveFrom()
                + " changed under " + WRITE_ATTEMPTS + " attempts to schedule " + key);
    }

    /** The carrier's schedule as of now. */
    public Schedule schedule(String carrierId) {
        requireCarrier(carrierId);
        List<ScheduledRateDeck> decks = schedules.schedule(carrierId, LISTED);
        List<ScheduledRateDeck> current = ScheduledRateDeck.inEffectAt(decks, clock.instant());
        return new Schedule(carrierId, decks, current.stream().findFirst());
    }

    /** The carrier's previously scheduled deck (the newest at another instant) sets its currency. */
    private void requireCarriersCurrency(ScheduledRateDeck wanted) {
        for (ScheduledRateDeck previous : schedules.schedule(wanted.carrierId(), 2)) {
            if (previous.effectiveFrom().equals(wanted.effectiveFrom())) {
                continue;
            }
            if (!previous.currency().equals(wanted.currency())) {
                throw new RequestRefused(Refusal.RATE_DECK_REFUSED, "the deck " + wanted.object().key() + " is in "
                        + wanted.currency() + " but carrier " + wanted.carrierId() + "'s scheduled decks are in "
                        + previous.currency() + ": one carrier, one currency");
            }
            return;
        }
    }

    private void requireCarrier(String carrierId) {
        if (carrierId == null || !carriers.contains(carrierId)) {
            throw new RequestRefused(Refusal.CARRIER_NOT_FOUND, "no carrier " + carrierId
                    + " is configured (calling.carrier-ids)");
        }
    }

    private static void requireOperator(String by) {
        if (by == null || by.isBlank()) {
            throw new IllegalArgumentException("an operator's identity is required");
        }
    }
}
