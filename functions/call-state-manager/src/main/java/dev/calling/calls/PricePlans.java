package dev.calling.calls;

import dev.calling.adapters.routing.RateDeckCsv;
import dev.calling.core.charging.PeakHours;
import dev.calling.core.charging.PricePlan;
import dev.calling.core.money.Money;
import dev.calling.core.routing.RateDeck;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Currency;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/**
 * The deployment's retail price plan, from CSV packaged in the function's zip (see
 * {@code price-plans/README.md}): {@code calling.charging.price-plan} (peak prices),
 * optional {@code calling.charging.off-peak-prices} with {@code calling.charging.peak-zone},
 * {@code .peak-from} and {@code .peak-to} (Monday to Friday), and optional {@code calling.charging.daily-spend-cap}.
 * Every user is on this plan.
 */
final class PricePlans {

    private PricePlans() {}

    static PricePlan fromConfig(Config config) {
        String peak = config.getValue("calling.charging.price-plan", String.class);
        Optional<String> offPeak = config.getOptionalValue("calling.charging.off-peak-prices", String.class);
        Currency currency = Currency.getInstance(config.getValue("calling.charging.currency", String.class));
        PeakHours hours = offPeak.isEmpty() ? PeakHours.always()
                : PeakHours.weekdays(ZoneId.of(config.getValue("calling.charging.peak-zone", String.class)),
                        LocalTime.parse(config.getValue("calling.charging.peak-from", String.class)),
                        LocalTime.parse(config.getValue("calling.charging.peak-to", String.class)));
        PricePlan plan = new PricePlan(peak, currency, deck(peak), offPeak.map(PricePlans::deck), hours);
        return config.getOptionalValue("calling.charging.daily-spend-cap", String.class)
                .map(cap -> plan.withDailySpendCap(Money.of(cap, currency.getCurrencyCode()))).orElse(plan);
    }

    static RateDeck deck(String resource) {
        try (InputStream in = PricePlans.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("price list " + resource + " is not in the function's package");
            }
            return RateDeckCsv.load(in, resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read price list " + resource, e);
        }
    }
}
