package dev.calling.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.money.Money;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProviderRoutingTest {

    static final Instant NOW = Instant.parse("2026-11-24T10:00:00Z");
    static final PhoneNumber UK_MOBILE = PhoneNumber.parse("+447400123456");
    final ProviderRouting routing = new ProviderRouting();

    static Rate rate(String prefix, String perMinute, String connectFee) {
        return new Rate(prefix, Money.of(perMinute, "USD"), Money.of(connectFee, "USD"), BillingIncrement.PER_MINUTE,
                LocalDate.of(2026, 1, 1));
    }

    static CarrierStatus pstn(String id, int quality, Rate... rates) {
        return new CarrierStatus(new Provider(id, ProviderKind.PSTN, RateDeck.of(List.of(rates)), 100, true, quality),
                ProviderHealth.fresh(ProviderHealth.Policy.defaults()), 0);
    }

    static List<String> order(Route route) {
        return ((Route.Pstn) route).providers().stream().map(Route.ProviderOption::providerId).toList();
    }

    @Test
    void onlineCalleeIsCalledOverVoip() {
        CarrierStatus voip = new CarrierStatus(new Provider("voip-switch", ProviderKind.VOIP, RateDeck.of(List.of()),
                1000, true, 90), ProviderHealth.fresh(ProviderHealth.Policy.defaults()), 0);

        Route route = routing.route(new Destination.AppUser("bob", Optional.of(UK_MOBILE)), List.of("b1"),
                RoutingPlan.withPstn(List.of()), List.of(voip, pstn("alpha", 50, rate("44", "0.01", "0"))), NOW);

        assertThat(route).isEqualTo(new Route.Voip(List.of("b1"), List.of("voip-switch")));
    }

    @Test
    void aCallerWhosePstnAnOperatorBlockedCallsNoPhoneNumberButStillCallsAppUsersInTheApp() {
        RoutingPlan blocked = RoutingPlan.withPstn(List.of()).withPstnBlocked(true);
        List<CarrierStatus> carriers = List.of(pstn("alpha", 50, rate("44", "0.01", "0")));

        Route dialled = routing.route(new Destination.Dialled(UK_MOBILE), List.of(), blocked, carriers, NOW);
        assertThat(dialled).isInstanceOf(Route.Refused.class);
        assertThat(((Route.Refused) dialled).reason()).isEqualTo(Route.Refusal.DESTINATION_NOT_ALLOWED);
        assertThat(((Route.Refused) dialled).detail()).contains("blocked");

        Route offline = routing.route(new Destination.AppUser("bob", Optional.of(UK_MOBILE)), List.of(), blocked,
                carriers, NOW);
        assertThat(offline).as("no phone fallback either").isInstanceOf(Route.Refused.class);
        assertThat(((Route.Refused) offline).reason()).isEqualTo(Route.Refusal.UNREACHABLE);
        assertThat(routing.route(new Destination.AppUser("bob", Optional.of(UK_MOBILE)), List.of(), List.of("iphone"),
                blocked, carriers, NOW)).isEqualTo(new Route.Voip(List.of(), List.of(), List.of("iphone"), false));

        assertThat(routing.route(new Destination.AppUser("bob", Optional.of(UK_MOBILE)), List.of("b1"), blocked,
                carriers, NOW)).as("VoIP unaffected").isEqualTo(new Route.Voip(List.of("b1"), List.of()));
        assertThat(routing.route(new Destination.Dialled(UK_MOBILE), List.of(), blocked.withPstnBlocked(false), carriers,
                NOW)).as("unblocked").isInstanceOf(Route.Pstn.class);
    }

    @Test
    void offlineCalleeWithANumberIsCalledOverPstn() {
        Route route = routing.route(new Destination.AppUser("bob", Optional.of(UK_MOBILE)), List.of(),
                RoutingPlan.withPstn(List.of()), List.of(pstn("alpha", 50, rate("44", "0.01", "0"))), NOW);

        assertThat(route).isInstanceOf(Route.Pstn.class);
        assertThat(((Route.Pstn) route).number()).isEqualTo(UK_MOBILE);
    }

    @Test
    void anOfflineCalleeWithADeviceRegisteredForPushIsWokenInTheAppBeforeAnyNumberIsCalled() {
        Route route = routing.route(new Destination.AppUser("bob", Optional.of(UK_MOBILE)), List.of(), List.of("iphone"),
                RoutingPlan.withPstn(List.of()), List.of(pstn("alpha", 50, rate("44", "0.01", "0"))), NOW);

        assertThat(route).as("then the phone, if the app does not answer within the push window")
                .isEqualTo(new Route.Voip(List.of(), List.of(), List.of("iphone"), true));
        assertThat(routing.route(new Destination.AppUser("bob", Optional.of(UK_MOBILE)), List.of(), List.of("iphone"),
                RoutingPlan.voipOnly(), List.of(), NOW)).as("no fallback: the caller's plan has no PSTN")
                .isEqualTo(new Route.Voip(List.of(), List.of(), List.of("iphone"), false));
        assertThat(routing.route(new Destination.AppUser("bob", Optional.of(UK_MOBILE)), List.of(), List.of("iphone"),
                RoutingPlan.withPstn(List.of("44")), List.of(), NOW)).as("no fallback: the number is barred")
                .isEqualTo(new Route.Voip(List.of(), List.of(), List.of("iphone"), false));
        assertThat(routing.route(new Destination.AppUser("bob", Optional.empty()), List.of(), List.of("iphone"),
                RoutingPlan.withPstn(List.of()), List.of(), NOW)).as("no fallback: no number")
                .isEqualTo(new Route.Voip(List.of(), List.of(), List.of("iphone"), false));
        assertThat(routing.route(new Destination.AppUser("bob", Optional.empty()), List.of("b1"), List.of("iphone"),
                RoutingPlan.voipOnly(), List.of(), NOW)).isEqualTo(new Route.Voip(List.of("b1"), List.of(),
                List.of("iphone"))); // online too: pushed as well (a suspended iOS app's socket may be dead)
    }

    @Test
    void offlineCalleeWithoutNumberOrWithoutPstnPlanIsUnreachable() {
        assertThat(routing.route(new Destination.AppUser("bob", Optional.empty()), List.of(),
                RoutingPlan.withPstn(List.of()), List.of(pstn("alpha", 50, rate("44", "0.01", "0"))), NOW))
                .extracting(r -> ((Route.Refused) r).reason()).isEqualTo(Route.Refusal.UNREACHABLE);
        assertThat(routing.route(new Destination.AppUser("bob", Optional.of(UK_MOBILE)), List.of(),
                RoutingPlan.voipOnly(), List.of(pstn("alpha", 50, rate("44", "0.01", "0"))), NOW))
                .extracting(r -> ((Route.Refused) r).reason()).isEqualTo(Route.Refusal.UNREACHABLE);
    }

    @Test
    void dialledNumberNeedsAPlanWithPstnAndNotBarred() {
        Route noPstn = routing.route(new Destination.Dialled(UK_MOBILE), List.of(), RoutingPlan.voipOnly(),
                List.of(pstn("alpha", 50, rate("44", "0.01", "0"))), NOW);
        Route barred = routing.route(new Destination.Dialled(UK_MOBILE), List.of(), RoutingPlan.withPstn(List.of("4474")),
                List.of(pstn("alpha", 50, rate("44", "0.01", "0"))), NOW);

        assertThat(((Route.Refused) noPstn).reason()).isEqualTo(Route.Refusal.DESTINATION_NOT_ALLOWED);
        assertThat(((Route.Refused) barred).reason()).isEqualTo(Route.Refusal.DESTINATION_NOT_ALLOWED);
    }

    @Test
    void aHighRiskNumberIsRefusedUnlessTheCallersPlanIsAllowListedAndIsNeverAFallback() {
        PhoneNumber premium = PhoneNumber.parse("+449098790000");
        List<CarrierStatus> carriers = List.of(pstn("alpha", 50, rate("44", "0.01", "0")));

        Route refused = routing.route(new Destination.Dialled(premium), List.of(), RoutingPlan.withPstn(List.of()),
                carriers, NOW);
        assertThat(((Route.Refused) refused).reason()).isEqualTo(Route.Refusal.HIGH_RISK_DESTINATION);
        assertThat(((Route.Refused) refused).detail()).contains("premium-rate", "not allowed high-risk destinations");

        Route allowed = routing.route(new Destination.Dialled(premium), List.of(),
                RoutingPlan.withPstn(List.of()).withHighRiskAllowed(true), carriers, NOW);
        assertThat(allowed).isInstanceOf(Route.Pstn.class);

        assertThat(routing.route(new Destination.AppUser("bob", Optional.of(premium)), List.of(), List.of("iphone"),
                RoutingPlan.withPstn(List.of()), carriers, NOW)).as("no fallback to a high-risk number")
                .isEqualTo(new Route.Voip(List.of(), List.of(), List.of("iphone"), false));
        assertThat(((Route.Refused) routing.route(new Destination.AppUser("bob", Optional.of(premium)), List.of(),
                RoutingPlan.withPstn(List.of()), carriers, NOW)).reason()).isEqualTo(Route.Refusal.HIGH_RISK_DESTINATION);
        assertThat(new ProviderRouting(HighRiskDestinations.NONE).route(new Destination.Dialled(premium), List.of(),
                RoutingPlan.withPstn(List.of()), carriers, NOW)).as("an operator who screens elsewhere")
                .isInstanceOf(Route.Pstn.class);
    }

    @Test
    void cheapestCarrierByTheLongestMatchingPrefixComesFirst() {
        // bravo is cheaper for the UK in general, but alpha has a cheaper rate for this exact mobile range.
        Route route = routing.route(new Destination.Dialled(UK_MOBILE), List.of(), RoutingPlan.withPstn(List.of()),
                List.of(pstn("bravo", 50, rate("44", "0.0050", "0")),
                        pstn("alpha", 50, rate("44", "0.0100", "0"), rate("44740", "0.0040", "0")),
                        pstn("charlie", 50, rate("447", "0.0200", "0"))), NOW);

        assertThat(order(route)).containsExactly("alpha", "bravo", "charlie");
        assertThat(((Route.Pstn) route).providers().get(0).cost().prefix()).isEqualTo("44740");
    }

    @Test
    void connectFeeThenQualityThenIdBreakTies() {
        Route route = routing.route(new Destination.Dialled(UK_MOBILE), List.of(), RoutingPlan.withPstn(List.of()),
                List.of(pstn("delta", 60, rate("44", "0.01", "0.01")), pstn("bravo", 40, rate("44", "0.01", "0")),
                        pstn("alpha", 40, rate("44", "0.01", "0")), pstn("charlie", 90, rate("44", "0.01", "0"))), NOW);

        assertThat(order(route)).containsExactly("charlie", "alpha", "bravo", "delta");
    }

    @Test
    void disabledUnhealthyFullOrRatelessCarriersAreSkipped() {
        ProviderHealth.Policy policy = new ProviderHealth.Policy(10, 3, 0.5, java.time.Duration.ofSeconds(30));
        ProviderHealth failing = ProviderHealth.fresh(policy);
        for (int i = 0; i < 3; i++) {
            failing = failing.record(AttemptOutcome.CARRIER_FAILURE, NOW);
        }
        Rate uk = rate("44", "0.001", "0");
        List<CarrierStatus> carriers = List.of(
                new CarrierStatus(new Provider("disabled", ProviderKind.PSTN, RateDeck.of(List.of(uk)), 10, false, 50), ProviderHealth.fresh(policy), 0),
                new CarrierStatus(new Provider("failing", ProviderKind.PSTN, RateDeck.of(List.of(uk)), 10, true, 50), failing, 0),
                new CarrierStatus(new Provider("full", ProviderKind.PSTN, RateDeck.of(List.of(uk)), 10, true, 50), ProviderHealth.fresh(policy), 10),
                pstn("france-only", 50, rate("33", "0.0001", "0")),
                pstn("expensive", 50, rate("44", "0.5", "0")));

        assertThat(order(routing.route(new Destination.Dialled(UK_MOBILE), List.of(), RoutingPlan.withPstn(List.of()),
                carriers, NOW))).containsExactly("expensive");
        Route none = routing.route(new Destination.Dialled(UK_MOBILE), List.of(), RoutingPlan.withPstn(List.of()),
                carriers.subList(0, 4), NOW);
        assertThat(((Route.Refused) none).reason()).isEqualTo(Route.Refusal.NO_PROVIDER);
        assertThat(((Route.Refused) none).detail()).contains("disabled: disabled", "failing: unhealthy", "full: full",
                "france-only: no rate");
    }
}
