package dev.calling.carrier.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.calling.adapters.routing.RateDeckCsv;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class TwilioPriceListTest {

    static final String SAMPLE = "/twilio-voice-prices/voice-countries.json";
    static final LocalDate FETCHED = LocalDate.parse("2026-11-23");

    static List<Rate> sample(String origin, TwilioPriceList.Price price) throws IOException {
        try (InputStream in = TwilioPriceListTest.class.getResourceAsStream(SAMPLE)) {
            return TwilioPriceList.readRates(new InputStreamReader(in, StandardCharsets.UTF_8), SAMPLE, origin, price, FETCHED);
        }
    }

    static String price(RateDeck deck, String digits) {
        Rate rate = deck.lookup(digits, FETCHED).orElseThrow();
        return rate.prefix() + " " + rate.perMinute();
    }

    @Test
    void everyDestinationPrefixBecomesAPerMinuteRateWithTheLongestPrefixWinning() throws IOException {
        List<Rate> rates = sample(Fixtures.FROM, TwilioPriceList.Price.CURRENT);
        RateDeck deck = RateDeck.of(rates);

        assertThat(rates).extracting(Rate::prefix).containsExactly("1", "1808", "1907", "44", "447", "4470", "4476");
        assertThat(rates).allSatisfy(rate -> {
            assertThat(rate.increment()).as("Twilio bills by the minute").isEqualTo(BillingIncrement.PER_MINUTE);
            assertThat(rate.connectFee()).isEqualTo(Money.of("0", "USD"));
            assertThat(rate.effectiveFrom()).isEqualTo(FETCHED);
        });
        assertThat(price(deck, "14155550123")).isEqualTo("1 0.013 USD");
        assertThat(price(deck, "19075551234")).isEqualTo("1907 0.085 USD");
        assertThat(price(deck, "442071838750")).isEqualTo("44 0.015 USD");
        assertThat(price(deck, "447911123456")).isEqualTo("447 0.04 USD");
        assertThat(price(deck, "447012345678")).isEqualTo("4470 0.25 USD");
        assertThat(price(deck, "447612345678")).isEqualTo("4476 0.25 USD");
        assertThat(deck.lookup("4930123456", FETCHED)).as("no price, no route").isEmpty();
    }

    @Test
    void theOriginOfOurCallsPicksTheOriginationDependentRecord() throws IOException {
        RateDeck fromUs = RateDeck.of(sample("+14155550100", TwilioPriceList.Price.CURRENT));
        RateDeck fromUk = RateDeck.of(sample("+442079460000", TwilioPriceList.Price.CURRENT));

        assertThat(price(fromUs, "18085551234")).as("origination prefix 1").isEqualTo("1808 0.02 USD");
        assertThat(price(fromUk, "18085551234")).as("ROW: every origin not listed").isEqualTo("1808 0.20 USD");
        assertThat(price(fromUs, "447911123456")).as("ALL").isEqualTo("447 0.04 USD");
        assertThat(price(fromUk, "447911123456")).as("origination prefix 44 beats ALL").isEqualTo("447 0.03 USD");
    }

    @Test
    void theListPriceInsteadOfTheAccountsWhenAsked() throws IOException {
        RateDeck deck = RateDeck.of(sample(Fixtures.FROM, TwilioPriceList.Price.BASE));

        assertThat(price(deck, "14155550123")).isEqualTo("1 0.014 USD");
        assertThat(price(deck, "447911123456")).isEqualTo("447 0.045 USD");
    }

    @Test
    void loadsAGzippedListAndWritesItAsOurRateDeckCsv() throws IOException {
        byte[] json;
        try (InputStream in = TwilioPriceListTest.class.getResourceAsStream(SAMPLE)) {
            json = in.readAllBytes();
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(json);
        }
        RateDeck loaded = TwilioPriceList.load(new ByteArrayInputStream(gz.toByteArray()), "twilio.json.gz", Fixtures.FROM,
                TwilioPriceList.Price.CURRENT, FETCHED);

        StringWriter csv = new StringWriter();
        TwilioPriceList.writeRateDeckCsv(sample(Fixtures.FROM, TwilioPriceList.Price.CURRENT), csv);
        RateDeck reread = RateDeckCsv.read(new StringReader(csv.toString()), "twilio.csv");

        assertThat(csv.toString()).startsWith("prefix,per_minute,connect_fee,currency,increment,effective_from\n"
                + "1,0.0130,0.0000,USD,60/60,2026-11-23\n");
        for (String number : List.of("14155550123", "19075551234", "18085551234", "447012345678", "447911123456", "442071838750")) {
            assertThat(price(reread, number)).isEqualTo(price(loaded, number));
        }
        assertThat(reread.size()).isEqualTo(loaded.size());
    }

    static List<Rate> read(String json) {
        return TwilioPriceList.readRates(new StringReader(json), "test.json", Fixtures.FROM, TwilioPriceList.Price.CURRENT,
                FETCHED);
    }

    static String country(String iso, String unit, String records) {
        return """
                {"iso_country":"%s","price_unit":"%s","outbound_prefix_prices":[%s]}""".formatted(iso, unit, records);
    }

    static String record(String destinations, String origins, String price) {
        return """
                {"destination_prefixes":[%s],"origination_prefixes":[%s],"friendly_name":"x","base_price":"%s","current_price":"%s"}"""
                .formatted(destinations, origins, price, price);
    }

    @Test
    void aListThatCannotBeUsedAsItIsIsRefusedWhole() {
        assertThatThrownBy(() -> read("[" + country("US", "USD", record("\"1\"", "\"ALL\"", "0.01")) + ","
                + country("GB", "GBP", record("\"44\"", "\"ALL\"", "0.01")) + "]"))
                .hasMessageContaining("one deck, one currency");
        assertThatThrownBy(() -> read(country("US", "USD", record("\"1\"", "\"ALL\"", "0.01") + ","
                + record("\"1\"", "\"ALL\"", "0.02")))).hasMessageContaining("prefix 1 costs both");
        assertThatThrownBy(() -> read(country("US", "USD", record("\"1\"", "\"ALL\"", "0.0123456"))))
                .hasMessageContaining("more than 6 decimals");
        assertThatThrownBy(() -> read(country("US", "USD", record("\"1-907\"", "\"ALL\"", "0.01"))))
                .hasMessageContaining("bad destination prefix");
        assertThatThrownBy(() -> read(country("US", "USD", record("\"1\"", "\"ALL\"", "-0.01"))))
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> read(country("US", "", record("\"1\"", "\"ALL\"", "0.01"))))
                .hasMessageContaining("price_unit");
        assertThatThrownBy(() -> read("not json")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> read(country("US", "USD", record("\"1\"", "\"44\"", "0.01"))))
                .as("nothing priced for our origin").hasMessageContaining("no outbound price applies");
    }

    @Test
    void equalDuplicatesAcrossCountriesAreOneRate() {
        List<Rate> rates = read("[" + country("US", "USD", record("\"1\"", "\"ALL\"", "0.01")) + ","
                + country("CA", "USD", record("\"1\",\"1204\"", "\"ALL\"", "0.01")) + "]");

        assertThat(rates).extracting(Rate::prefix).containsExactly("1", "1204");
    }
}
