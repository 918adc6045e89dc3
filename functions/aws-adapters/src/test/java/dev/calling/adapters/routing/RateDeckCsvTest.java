package dev.calling.adapters.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.routing.RateDeckCsv.InvalidRateDeck;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateDeckCsvTest {

    private static final String HEADER = "prefix,per_minute,connect_fee,currency,increment,effective_from\n";
    private static final LocalDate JAN = LocalDate.of(2026, 1, 15);

    private static final String DECK = HEADER
            + "44,0.0200,0.0000,USD,60/60,2026-01-01\n"
            + "4420,0.0045,0.0000,USD,60/60,2026-01-01\n"
            + "447,0.0150,0.0010,USD,30/6,2026-01-01\n"
            + "447700,0.0310,0.0000,USD,1/1,2026-01-01\n"
            + "447,0.0120,0.0010,USD,30/6,2026-03-01\n";

    private static RateDeck read(String csv) {
        return RateDeckCsv.read(new StringReader(csv), "test.csv");
    }

    private static Rate rateFor(RateDeck deck, String digits, LocalDate day) {
        return deck.lookup(digits, day).orElseThrow();
    }

    @Test
    void theLongestPrefixInTheDeckWins() {
        RateDeck deck = read(DECK);

        assertThat(rateFor(deck, "442079460000", JAN).prefix()).isEqualTo("4420");
        assertThat(rateFor(deck, "447700900123", JAN).prefix()).isEqualTo("447700");
        assertThat(rateFor(deck, "447400123456", JAN).prefix()).isEqualTo("447");
        assertThat(rateFor(deck, "441312345678", JAN).prefix()).isEqualTo("44");
        assertThat(deck.lookup("33123456789", JAN)).isEmpty();
        assertThat(deck.size()).isEqualTo(5);
    }

    @Test
    void aLaterLineForTheSamePrefixTakesOverOnItsEffectiveDate() {
        RateDeck deck = read(DECK);

        assertThat(rateFor(deck, "447400123456", LocalDate.of(2026, 2, 28)).perMinute())
                .isEqualTo(Money.of("0.0150", "USD"));
        assertThat(rateFor(deck, "447400123456", LocalDate.of(2026, 3, 1)).perMinute())
                .isEqualTo(Money.of("0.0120", "USD"));
    }

    @Test
    void aPrefixNotYetInEffectIsPassedOverForAShorterOne() {
        RateDeck deck = read(HEADER
                + "49,0.0100,0.0000,EUR,60/60,2026-01-01\n"
                + "4915,0.0500,0.0000,EUR,60/60,2026-06-01\n");

        assertThat(rateFor(deck, "4915112345678", JAN).prefix()).isEqualTo("49");
        assertThat(rateFor(deck, "4915112345678", LocalDate.of(2026, 6, 1)).prefix()).isEqualTo("4915");
    }

    @Test
    void everyColumnIsConvertedExactly() {
        List<Rate> rates = RateDeckCsv.readRates(new StringReader(HEADER
                + "447700,0.000001,12.5,GBP,30/6,2026-02-03\n"), "test.csv");

        assertThat(rates).containsExactly(new Rate("447700",
                new Money(1, java.util.Currency.getInstance("GBP")),
                new Money(12_500_000, java.util.Currency.getInstance("GBP")),
                new BillingIncrement(30, 6), LocalDate.of(2026, 2, 3)));
    }

    @Test
    void toleratesCrlfQuotesSpacesAndBlankLines() {
        RateDeck deck = read("prefix,per_minute,connect_fee,currency,increment,effective_from\r\n"
                + "\r\n"
                + "\"4420\", 0.0045 ,0,USD,60/60,2026-01-01\r\n"
                + "\r\n");

        assertThat(rateFor(deck, "442079460000", JAN).perMinute()).isEqualTo(Money.of("0.0045", "USD"));
    }

    @Test
    void readsAGzipFileByItsName(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("atlas.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(DECK.getBytes(StandardCharsets.UTF_8));
        }

        RateDeck deck = RateDeckCsv.load(file);

        assertThat(deck.size()).isEqualTo(5);
        assertThat(rateFor(deck, "447700900123", JAN).increment()).isEqualTo(BillingIncrement.PER_SECOND);
    }

    @Test
    void readsAPlainFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("atlas.csv");
        Files.writeString(file, DECK);

        assertThat(RateDeckCsv.load(file).size()).isEqualTo(5);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            letters in prefix     | 44a0,0.01,0,USD,60/60,2026-01-01         | bad prefix '44a0'
            prefix starting 0     | 0044,0.01,0,USD,60/60,2026-01-01         | bad prefix '0044'
            prefix over 15 digits | 4412345678901234,0.01,0,USD,60/60,2026-01-01 | bad prefix '4412345678901234'
            plus in prefix        | +44,0.01,0,USD,60/60,2026-01-01          | bad prefix '+44'
            negative per minute   | 44,-0.01,0,USD,60/60,2026-01-01          | negative price: per_minute is -0.01
            negative connect fee  | 44,0.01,-1,USD,60/60,2026-01-01          | negative price: connect_fee is -1
            price not a number    | 44,cheap,0,USD,60/60,2026-01-01          | per_minute 'cheap' is not a plain decimal
            price in exponent form| 44,1E-3,0,USD,60/60,2026-01-01           | per_minute '1E-3' is not a plain decimal
            too many decimals     | 44,0.0000001,0,USD,60/60,2026-01-01      | per_minute 0.0000001 has more than 6 decimals
            unknown currency      | 44,0.01,0,XYZ,60/60,2026-01-01           | unknown currency 'XYZ'
            lower-case currency   | 44,0.01,0,usd,60/60,2026-01-01           | unknown currency 'usd'
            increment not a pair  | 44,0.01,0,USD,60,2026-01-01              | bad increment '60'
            increment of zero     | 44,0.01,0,USD,0/60,2026-01-01            | bad increment '0/60'
            increment not numbers | 44,0.01,0,USD,a/b,2026-01-01             | bad increment 'a/b'
            bad date              | 44,0.01,0,USD,60/60,2026-02-30           | bad effective_from '2026-02-30'
            date in other format  | 44,0.01,0,USD,60/60,01/02/2026           | bad effective_from '01/02/2026'
            missing column        | 44,0.01,0,USD,60/60                      | missing column effective_from
            empty value           | 44,,0,USD,60/60,2026-01-01               | missing column per_minute
            too many columns      | 44,0.01,0,USD,60/60,2026-01-01,x         | too many columns
            """)
    void aBadLineIsRefusedWithItsLineNumberAndProblem(String why, String badLine, String problem) {
        String csv = HEADER
                + "4420,0.0045,0.0000,USD,60/60,2026-01-01\n"
                + "\n"
                + badLine + "\n"
                + "447,0.0150,0.0010,USD,30/6,2026-01-01\n";

        assertThatThrownBy(() -> read(csv))
                .isInstanceOf(InvalidRateDeck.class)
                .hasMessageStartingWith("rate deck test.csv line 4: ")
                .hasMessageContaining(problem)
                .satisfies(e -> assertThat(((InvalidRateDeck) e).line()).isEqualTo(4));
    }

    @Test
    void aSecondLineForTheSamePrefixAndDateIsRefused() {
        String csv = HEADER
                + "4420,0.0045,0.0000,USD,60/60,2026-01-01\n"
                + "4420,0.0045,0.0000,USD,60/60,2026-06-01\n"
                + "4420,0.0050,0.0000,USD,60/60,2026-01-01\n";

        assertThatThrownBy(() -> read(csv))
                .isInstanceOf(InvalidRateDeck.class)
                .hasMessage("rate deck test.csv line 4: duplicate prefix 4420 effective from 2026-01-01 (first on line 2)");
    }

    @Test
    void aDeckMixingCurrenciesIsRefused() {
        String csv = HEADER
                + "4420,0.0045,0.0000,USD,60/60,2026-01-01\n"
                + "447,0.0150,0.0000,EUR,60/60,2026-01-01\n";

        assertThatThrownBy(() -> read(csv))
                .isInstanceOf(InvalidRateDeck.class)
                .hasMessageContaining("line 3: currency EUR differs from the deck's USD");
    }

    @Test
    void theHeaderIsRequiredInItsOrder() {
        assertThatThrownBy(() -> read("4420,0.0045,0.0000,USD,60/60,2026-01-01\n"))
                .isInstanceOf(InvalidRateDeck.class)
                .hasMessageContaining("line 1: header must be prefix,per_minute,connect_fee,currency,increment,effective_from");
        assertThatThrownBy(() -> read("prefix,connect_fee,per_minute,currency,increment,effective_from\n"))
                .isInstanceOf(InvalidRateDeck.class)
                .hasMessageContaining("line 1: header must be");
    }

    @Test
    void anEmptyFileIsRefused() {
        assertThatThrownBy(() -> read(""))
                .isInstanceOf(InvalidRateDeck.class)
                .hasMessageContaining("empty file");
    }

    @Test
    void aHeaderAloneIsAnEmptyDeck() {
        assertThat(read(HEADER).size()).isZero();
    }

    @Test
    void malformedQuotingIsRefused() {
        assertThatThrownBy(() -> read(HEADER + "\"4420,0.0045,0.0000,USD,60/60,2026-01-01\n"))
                .isInstanceOf(InvalidRateDeck.class)
                .hasMessageContaining("malformed CSV");
    }
}
