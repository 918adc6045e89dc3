package dev.calling.adapters.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The sample decks in rate-decks/ (written by tools/generate-rate-decks) load and price sensibly. */
class ShippedRateDecksTest {

    private static final Path DECKS = Path.of(System.getProperty("user.dir")).resolve("../../rate-decks").normalize();
    private static final LocalDate DAY = LocalDate.of(2026, 3, 1);

    private static RateDeck deck(String carrier) throws IOException {
        return RateDeckCsv.load(DECKS.resolve(carrier + ".csv.gz"));
    }

    private static List<Rate> lines(String carrier) throws IOException {
        try (Reader reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(DECKS.resolve(carrier + ".csv.gz"))), StandardCharsets.UTF_8))) {
            return RateDeckCsv.readRates(reader, carrier);
        }
    }

    private static Rate rate(RateDeck deck, String digits) {
        Optional<Rate> rate = deck.lookup(digits, DAY);
        assertThat(rate).as("rate for +" + digits).isPresent();
        assertThat(digits).startsWith(rate.get().prefix());
        return rate.get();
    }

    @ParameterizedTest
    @ValueSource(strings = {"atlas", "borealis", "cobalt"})
    void eachDeckLoadsWithTensOfThousandsOfLines(String carrier) throws IOException {
        RateDeck deck = deck(carrier);

        assertThat(deck.size()).isGreaterThan(20_000);
        assertThat(deck.nodeCount()).isGreaterThan(deck.size() / 2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"atlas", "borealis", "cobalt"})
    void mobileCostsMoreThanFixedAndUnlistedCountriesHaveNoRate(String carrier) throws IOException {
        RateDeck deck = deck(carrier);

        Rate londonFixed = rate(deck, "442079460000");
        Rate ukMobile = rate(deck, "447700900123");
        assertThat(londonFixed.prefix()).startsWith("442");
        assertThat(ukMobile.prefix()).startsWith("447");
        assertThat(ukMobile.perMinute()).isGreaterThan(londonFixed.perMinute());

        Rate saoPauloFixed = rate(deck, "551133334444");
        Rate saoPauloMobile = rate(deck, "5511987654321");
        assertThat(saoPauloMobile.perMinute()).isGreaterThan(saoPauloFixed.perMinute());

        assertThat(rate(deck, "12125550123").prefix()).startsWith("1212");
        assertThat(rate(deck, "4915112345678").prefix()).startsWith("4915");
        assertThat(deck.lookup("982112345678", DAY)).as("Iran is in no deck").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"atlas", "borealis", "cobalt"})
    void theTrieAgreesWithAScanOfEveryLine(String carrier) throws IOException {
        List<Rate> lines = lines(carrier);
        RateDeck deck = RateDeck.of(lines);
        Random random = new Random(7);
        for (int i = 0; i < 300; i++) {
            String prefix = lines.get(random.nextInt(lines.size())).prefix();
            StringBuilder number = new StringBuilder(prefix);
            while (number.length() < 12) {
                number.append(random.nextInt(10));
            }
            LocalDate day = random.nextBoolean() ? DAY : LocalDate.of(2027, 6, 1);
            assertThat(deck.lookup(number.toString(), day)).as(number + " on " + day)
                    .isEqualTo(scan(lines, number.toString(), day));
        }
    }

    private static Optional<Rate> scan(List<Rate> lines, String number, LocalDate day) {
        return lines.stream()
                .filter(r -> number.startsWith(r.prefix()) && !r.effectiveFrom().isAfter(day))
                .max(Comparator.comparingInt((Rate r) -> r.prefix().length()).thenComparing(Rate::effectiveFrom));
    }

    @ParameterizedTest
    @ValueSource(strings = {"atlas", "borealis", "cobalt"})
    void somePricesChangeOnALaterDate(String carrier) throws IOException {
        List<Rate> lines = lines(carrier);
        Map<String, List<Rate>> byPrefix = lines.stream().collect(Collectors.groupingBy(Rate::prefix));
        TreeSet<String> prefixes = new TreeSet<>(byPrefix.keySet());
        // a leaf prefix, so that no longer line answers for the number built from it
        List<Rate> changed = byPrefix.values().stream()
                .filter(v -> v.size() > 1)
                .filter(v -> {
                    String next = prefixes.higher(v.get(0).prefix());
                    return next == null || !next.startsWith(v.get(0).prefix());
                })
                .findFirst().orElseThrow();
        Rate before = changed.stream().min(Comparator.comparing(Rate::effectiveFrom)).orElseThrow();
        Rate after = changed.stream().max(Comparator.comparing(Rate::effectiveFrom)).orElseThrow();
        RateDeck deck = RateDeck.of(lines);
        String number = (before.prefix() + "000000000000").substring(0, 12);

        assertThat(deck.lookup(number, after.effectiveFrom().minusDays(1))).contains(before);
        assertThat(deck.lookup(number, after.effectiveFrom())).contains(after);
    }

    @Test
    void theCarriersBillInDifferentIncrements() throws IOException {
        Set<BillingIncrement> increments = new HashSet<>();
        for (String carrier : List.of("atlas", "borealis", "cobalt")) {
            increments.add(rate(deck(carrier), "447700900123").increment());
        }

        assertThat(increments).containsExactlyInAnyOrder(
                BillingIncrement.PER_MINUTE, BillingIncrement.THIRTY_SIX, BillingIncrement.PER_SECOND);
    }
}
