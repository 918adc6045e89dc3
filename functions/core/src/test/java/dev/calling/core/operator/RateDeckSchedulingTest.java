package dev.calling.core.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.core.app.Refusal;
import dev.calling.core.app.RequestRefused;
import dev.calling.core.routing.RateDeckObject;
import dev.calling.core.routing.ScheduledRateDeck;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The rules of scheduling a carrier's cost deck, with the bucket and the table in memory. */
class RateDeckSchedulingTest {

    static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");
    static final String OPS = "arn:aws:iam::111122223333:user/ops-alice";
    static final Currency USD = Currency.getInstance("USD");
    static final Currency EUR = Currency.getInstance("EUR");

    /** The bucket: key to the deck it validates as, or absent (no such object / invalid). */
    final Map<String, RateDeckObjects.Validated> bucket = new HashMap<>();
    final InMemorySchedules table = new InMemorySchedules();
    final RateDeckScheduling scheduling = new RateDeckScheduling(Set.of("atlas", "borealis"), key -> {
        RateDeckObjects.Validated deck = bucket.get(key);
        if (deck == null) {
            throw new RateDeckObjects.Unusable("no object " + key + " in the rate-decks bucket");
        }
        return deck;
    }, table, Clock.fixed(NOW, ZoneOffset.UTC));

    static final class InMemorySchedules implements RateDeckSchedules {
        final Map<String, TreeMap<Instant, ScheduledRateDeck>> decks = new HashMap<>();
        int writes;

        @Override
        public List<ScheduledRateDeck> schedule(String carrierId, int limit) {
            List<ScheduledRateDeck> all = new ArrayList<>(decks.getOrDefault(carrierId, new TreeMap<>()).values());
            all.sort(Comparator.comparing(ScheduledRateDeck::effectiveFrom).reversed());
            return all.subList(0, Math.min(limit, all.size()));
        }

        @Override
        public Optional<ScheduledRateDeck> at(String carrierId, Instant effectiveFrom) {
            return Optional.ofNullable(decks.getOrDefault(carrierId, new TreeMap<>()).get(effectiveFrom));
        }

        @Override
        public boolean add(ScheduledRateDeck deck) {
            writes++;
            return decks.computeIfAbsent(deck.carrierId(), c -> new TreeMap<>()).putIfAbsent(deck.effectiveFrom(), deck) == null;
        }

        @Override
        public boolean replace(ScheduledRateDeck current, ScheduledRateDeck next) {
            writes++;
            return decks.get(current.carrierId()).replace(current.effectiveFrom(), current, next);
        }
    }

    void upload(String key, String version, Currency currency) {
        bucket.put(key, new RateDeckObjects.Validated(new RateDeckObject(key, Optional.of(version), "etag-" + version),
                3, currency));
    }

    RateDeckScheduling.Scheduled schedule(String carrier, String key, Instant from) {
        return scheduling.schedule(OPS, carrier, key, Optional.ofNullable(from), Optional.of("new prices"));
    }

    static void refused(Runnable request, Refusal refusal, String detail) {
        assertThatThrownBy(request::run).isInstanceOf(RequestRefused.class)
                .satisfies(e -> assertThat(((RequestRefused) e).refusal()).isEqualTo(refusal))
                .hasMessageContaining(detail);
    }

    @Test
    void aDeckIsScheduledFromNowWhenNoInstantIsGivenAndIsInEffectAtOnce() {
        upload("atlas/2026-12.csv", "v1", USD);

        var scheduled = schedule("atlas", "atlas/2026-12.csv", null);

        assertThat(scheduled.repeated()).isFalse();
        assertThat(scheduled.deck().effectiveFrom()).isEqualTo(NOW);
        assertThat(scheduled.deck().operator()).isEqualTo(OPS);
        assertThat(scheduled.deck().reason()).contains("new prices");
        assertThat(scheduling.schedule("atlas").inEffect()).contains(scheduled.deck());
    }

    @Test
    void theSameDeckAgainIsTheStoredOneAndWritesNothing() {
        upload("atlas/a.csv", "v1", USD);
        Instant from = NOW.plus(Duration.ofHours(1));
        var first = schedule("atlas", "atlas/a.csv", from);
        int writes = table.writes;

        var again = scheduling.schedule("arn:aws:iam::111122223333:user/ops-bob", "atlas", "atlas/a.csv",
                Optional.of(from), Optional.empty());

        assertThat(again.repeated()).isTrue();
        assertThat(again.deck()).isEqualTo(first.deck());
        assertThat(table.writes).isEqualTo(writes);
    }

    @Test
    void anotherObjectAtTheSameInstantReplacesAFutureDeckButNeverOneInEffect() {
        upload("atlas/a.csv", "v1", USD);
        Instant later = NOW.plus(Duration.ofMinutes(30));
        schedule("atlas", "atlas/a.csv", later);
        upload("atlas/a.csv", "v2", USD); // the key overwritten: another object

        var replaced = schedule("atlas", "atlas/a.csv", later);
        assertThat(replaced.replaced()).isTrue();
        assertThat(table.at("atlas", later).orElseThrow().object().versionId()).contains("v2");

        Instant earlier = NOW.minus(Duration.ofMinutes(1));
        upload("atlas/b.csv", "v1", USD);
        schedule("atlas", "atlas/b.csv", earlier);
        upload("atlas/c.csv", "v1", USD);
        refused(() -> schedule("atlas", "atlas/c.csv", earlier), Refusal.RATE_DECK_IN_EFFECT,
                "a deck in effect is never replaced: schedule a new one");
        assertThat(table.at("atlas", earlier).orElseThrow().object().key()).isEqualTo("atlas/b.csv");
    }

    @Test
    void aDeckMoreThanFiveMinutesInThePastIsRefusedALittleIsAllowed() {
        upload("atlas/a.csv", "v1", USD);
        refused(() -> schedule("atlas", "atlas/a.csv", NOW.minus(Duration.ofMinutes(5)).minusMillis(1)),
                Refusal.RATE_DECK_REFUSED, "more than 5 minutes in the past");
        assertThat(table.writes).isZero();
        assertThat(schedule("atlas", "atlas/a.csv", NOW.minus(Duration.ofMinutes(5))).repeated()).isFalse();
    }

    @Test
    void aDeckInAnotherCurrencyThanTheCarriersPreviousOneIsRefused() {
        upload("atlas/usd.csv", "v1", USD);
        upload("atlas/eur.csv", "v1", EUR);
        schedule("atlas", "atlas/usd.csv", NOW.plus(Duration.ofHours(1)));
        int writes = table.writes;

        refused(() -> schedule("atlas", "atlas/eur.csv", NOW.plus(Duration.ofHours(2))), Refusal.RATE_DECK_REFUSED,
                "is in EUR but carrier atlas's scheduled decks are in USD");
        assertThat(table.writes).isEqualTo(writes);
        assertThat(schedule("borealis", "atlas/eur.csv", null).deck().currency()).as("another carrier").isEqualTo(EUR);
    }

    @Test
    void anUnknownCarrierIsNotFoundAndAMissingOrInvalidObjectIsRefusedWritingNothing() {
        upload("atlas/a.csv", "v1", USD);
        refused(() -> schedule("zephyr", "atlas/a.csv", null), Refusal.CARRIER_NOT_FOUND, "no carrier zephyr");
        refused(() -> scheduling.schedule("zephyr"), Refusal.CARRIER_NOT_FOUND, "calling.carrier-ids");
        refused(() -> schedule("atlas", "atlas/none.csv", null), Refusal.RATE_DECK_REFUSED,
                "no object atlas/none.csv in the rate-decks bucket");
        refused(() -> schedule("atlas", " ", null), Refusal.INVALID_REQUEST, "key is required");
        assertThat(table.writes).isZero();
    }

    @Test
    void theListingIsNewestFirstWithTheDeckInEffectNowMarked() {
        upload("atlas/a.csv", "v1", USD);
        upload("atlas/b.csv", "v1", USD);
        upload("atlas/c.csv", "v1", USD);
        schedule("atlas", "atlas/a.csv", NOW.minus(Duration.ofMinutes(4)));
        schedule("atlas", "atlas/b.csv", NOW.minus(Duration.ofMinutes(2)));
        schedule("atlas", "atlas/c.csv", NOW.plus(Duration.ofDays(1)));

        var listed = scheduling.schedule("atlas");

        assertThat(listed.decks()).extracting(d -> d.object().key()).containsExactly("atlas/c.csv", "atlas/b.csv",
                "atlas/a.csv");
        assertThat(listed.inEffect()).map(d -> d.object().key()).contains("atlas/b.csv");
        assertThat(scheduling.schedule("borealis").inEffect()).isEmpty();
    }

    @Test
    void effectiveFromIsKeptToTheMillisecondAndItsStoredFormSortsInTime() {
        assertThat(ScheduledRateDeck.format(Instant.parse("2026-12-05T10:00:00Z"))).isEqualTo("2026-12-05T10:00:00.000Z");
        assertThat(ScheduledRateDeck.format(Instant.parse("2026-12-05T09:59:59.999999Z")))
                .isLessThan(ScheduledRateDeck.format(Instant.parse("2026-12-05T10:00:00Z")));
        upload("atlas/a.csv", "v1", USD);
        assertThat(schedule("atlas", "atlas/a.csv", NOW.plusNanos(1_234_567)).deck().effectiveFrom())
                .isEqualTo(NOW.plusMillis(1));
    }
}
