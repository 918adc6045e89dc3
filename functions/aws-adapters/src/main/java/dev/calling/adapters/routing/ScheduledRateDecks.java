package dev.calling.adapters.routing;

import dev.calling.adapters.metrics.EmfCallMetrics;
import dev.calling.adapters.metrics.EmfLine;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.RateDeckObject;
import dev.calling.core.routing.RateDeckSchedule;
import dev.calling.core.routing.ScheduledRateDeck;
import java.time.Duration;
import java.time.Instant;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The operators' scheduled cost decks as a call state manager container sees them: per carrier, the schedule read
 * from the {@code rate-decks} table at most every {@code refresh} (the decks after that read's instant included, so
 * a deck scheduled ahead takes over at its exact instant between reads), and each deck it names downloaded and
 * compiled once per container (cached by object version, which never changes).
 *
 * <p>Faults never fail or hold a call. A schedule that cannot be read keeps the last one read (or none: the
 * packaged deck) until the next refresh, logged once per refresh. A deck that cannot be loaded (gone, changed, S3
 * down, invalid, or in another currency than the carrier's packaged deck, which the prices of routing are compared
 * in) is logged as an ERROR and passed over for the newest earlier deck that loads, else the packaged deck; it is
 * tried again after {@code refresh}. Each such failure is also counted, {@code Calling/RateDecksUnusable} (overall
 * and by {@code Carrier}, an Embedded Metric Format line), so that it alarms: the fallback keeps calls routed, but on
 * prices the operator meant to replace.
 */
public final class ScheduledRateDecks implements RateDeckSchedule {

    private static final System.Logger LOG = System.getLogger(ScheduledRateDecks.class.getName());
    /** Decks in effect or earlier that a read keeps: the one in effect and its fallbacks. */
    private static final int EARLIER = 3;
    /** The most decks a read keeps (all of them but the oldest, for any carrier an operator schedules by hand). */
    private static final int MOST = 100;

    private final DynamoDbRateDecks table;
    private final S3RateDeckObjects objects;
    private final Map<String, Optional<Currency>> currencies = new HashMap<>();
    private final long refreshNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Schedule> schedules = new ConcurrentHashMap<>();
    private final Map<Key, Loaded> decks = new ConcurrentHashMap<>();
    private final Consumer<String> metrics;

    /** @param carriers the carriers with their packaged decks (whose currency a scheduled deck must have) */
    public ScheduledRateDecks(DynamoDbRateDecks table, S3RateDeckObjects objects, List<Provider> carriers,
            Duration refresh) {
        this(table, objects, carriers, refresh, System::nanoTime, System.out::println);
    }

    /**
     * With a clock of its own for the refresh ({@link System#nanoTime()}'s kind), for tests that move time, and where
     * the metric lines go (standard output in a function: CloudWatch Logs turns them into metrics).
     */
    public ScheduledRateDecks(DynamoDbRateDecks table, S3RateDeckObjects objects, List<Provider> carriers,
            Duration refresh, LongSupplier nanoTime, Consumer<String> metrics) {
        this.metrics = metrics;
        this.table = table;
        this.objects = objects;
        carriers.forEach(carrier -> currencies.put(carrier.id(), carrier.costDeck().currency()));
        this.refreshNanos = refresh.toNanos();
        this.nanoTime = nanoTime;
    }

    /** One carrier's schedule as last read, newest first. */
    private record Schedule(List<ScheduledRateDeck> decks, long readAt) {}

    /** A carrier's deck version (its currency is checked against that carrier's packaged deck). */
    private record Key(String carrierId, RateDeckObject object) {}

    /** A deck loaded (or that failed to), and when. */
    private record Loaded(RateDeck deck, long at) {}

    @Override
    public Optional<RateDeck> inEffect(String carrierId, Instant now) {
        if (!currencies.containsKey(carrierId)) {
            return Optional.empty();
        }
        for (ScheduledRateDeck candidate : ScheduledRateDeck.inEffectAt(schedule(carrierId, now), now)) {
            RateDeck deck = load(candidate);
            if (deck != null) {
                return Optional.of(deck);
            }
        }
        return Optional.empty();
    }

    private List<ScheduledRateDeck> schedule(String carrierId, Instant now) {
        long at = nanoTime.getAsLong();
        Schedule known = schedules.get(carrierId);
        if (known != null && fresh(known.readAt(), at)) {
            return known.decks();
        }
        synchronized (this) {
            known = schedules.get(carrierId);
            if (known != null && fresh(known.readAt(), at)) {
                return known.decks(); // another thread read it meanwhile
            }
            List<ScheduledRateDeck> read;
            try {
                read = table.upcoming(carrierId, now, EARLIER, MOST);
            } catch (RuntimeException unreadable) {
                read = known == null ? List.of() : known.decks();
                LOG.log(System.Logger.Level.WARNING, "carrier {0}: the rate-decks table could not be read ({1});"
                        + " pricing with the {2} until the next read in {3}", carrierId, unreadable.toString(),
                        known == null ? "packaged deck" : "schedule read before", Duration.ofNanos(refreshNanos));
            }
            schedules.put(carrierId, new Schedule(read, at));
            // Decks no longer in the schedule (replaced, or older than its fallbacks) are never used again here.
            List<RateDeckObject> scheduled = read.stream().map(ScheduledRateDeck::object).toList();
            decks.keySet().removeIf(key -> key.carrierId().equals(carrierId) && !scheduled.contains(key.object()));
            return read;
        }
    }

    /** The compiled deck, or null when it cannot be used (logged as an ERROR once per refresh). */
    private RateDeck load(ScheduledRateDeck scheduled) {
        long at = nanoTime.getAsLong();
        Key key = new Key(scheduled.carrierId(), scheduled.object());
        Loaded known = decks.get(key);
        if (known != null && (known.deck() != null || fresh(known.at(), at))) {
            return known.deck();
        }
        synchronized (this) {
            known = decks.get(key);
            if (known != null && (known.deck() != null || fresh(known.at(), at))) {
                return known.deck();
            }
            RateDeck deck = null;
            try {
                deck = objects.load(scheduled.object());
                Optional<Currency> packaged = currencies.get(scheduled.carrierId());
                if (packaged.isPresent() && !deck.currency().equals(packaged)) {
                    LOG.log(System.Logger.Level.ERROR, "carrier {0}: scheduled rate deck {1} from {2} is in {3}, its"
                            + " packaged deck in {4}: not used", scheduled.carrierId(), describe(scheduled),
                            scheduled.effectiveFrom(), deck.currency().map(Currency::toString).orElse("no currency"),
                            packaged.get());
                    deck = null;
                    unusable(scheduled, "currency");
                }
            } catch (RuntimeException unusable) {
                LOG.log(System.Logger.Level.ERROR, "carrier {0}: scheduled rate deck {1} from {2} cannot be used ({3});"
                        + " an earlier deck or the packaged one prices it, tried again in {4}", scheduled.carrierId(),
                        describe(scheduled), scheduled.effectiveFrom(), unusable.toString(), Duration.ofNanos(refreshNanos));
                unusable(scheduled, unusable.getClass().getSimpleName());
            }
            decks.put(key, new Loaded(deck, at));
            return deck;
        }
    }

    /**
     * Whether something read at {@code then} is still current at {@code now}. A clock that went back (a SnapStart
     * snapshot restored on another host restarts {@code nanoTime}) makes it stale, never current for ever.
     */
    private boolean fresh(long then, long now) {
        long elapsed = now - then;
        return elapsed >= 0 && elapsed < refreshNanos;
    }

    /** Counts a scheduled deck that could not price calls: the one metric its alarm watches, by carrier as well. */
    private void unusable(ScheduledRateDeck scheduled, String why) {
        metrics.accept(EmfLine.of(EmfCallMetrics.NAMESPACE, Instant.now(), List.of(List.of(), List.of("Carrier")))
                .dimension("Carrier", scheduled.carrierId()).metric("RateDecksUnusable", 1, "Count")
                .property("deck", scheduled.object().key()).property("reason", why).toString());
    }

    private static String describe(ScheduledRateDeck deck) {
        RateDeckObject object = deck.object();
        return object.key() + object.versionId().map(v -> " version " + v).orElse(" ETag " + object.eTag());
    }
}
