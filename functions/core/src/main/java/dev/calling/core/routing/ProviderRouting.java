package dev.calling.core.routing;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Chooses the route of a call: VoIP when the callee has a live data connection; otherwise PSTN to
 * the callee's number (or the dialled number) when the caller's plan allows it, through the
 * carriers in least-cost order. A carrier is a candidate when it is enabled, has a rate for the
 * number (longest prefix, in effect today), its circuit breaker lets an attempt through and it has
 * capacity left; candidates are ordered by cost per minute, then connect fee, then quality
 * (higher first), then id, so the order is stable.
 */
public final class ProviderRouting {

    private static final Comparator<Route.ProviderOption> LEAST_COST = Comparator
            .comparing((Route.ProviderOption o) -> o.cost().perMinute())
            .thenComparing(o -> o.cost().connectFee());

    private final HighRiskDestinations highRisk;

    /** Routing with the default high-risk destinations ({@link HighRiskDestinations#DEFAULT}). */
    public ProviderRouting() {
        this(HighRiskDestinations.DEFAULT);
    }

    public ProviderRouting(HighRiskDestinations highRisk) {
        this.highRisk = Objects.requireNonNull(highRisk);
    }

    public Route route(Destination destination, List<String> calleeLiveConnections, RoutingPlan plan,
            List<CarrierStatus> carriers, Instant now) {
        return route(destination, calleeLiveConnections, List.of(), plan, carriers, now);
    }

    /**
     * An app user is rung in the app when it has a live connection or a device registered for push (which
     * wakes the app, even asleep); only a user with neither is called on their phone number, if the plan
     * allows it. A user reached by push alone is called on their phone number if the app does not answer
     * within the push window ({@link Route.Voip#pstnFallback()}), where the plan allows it.
     */
    public Route route(Destination destination, List<String> calleeLiveConnections, List<String> calleeDeviceIds,
            RoutingPlan plan, List<CarrierStatus> carriers, Instant now) {
        if (destination instanceof Destination.AppUser user) {
            if (!calleeLiveConnections.isEmpty()) {
                return new Route.Voip(calleeLiveConnections, voipProviders(carriers, now), calleeDeviceIds);
            }
            if (!calleeDeviceIds.isEmpty()) {
                boolean fallback = user.phoneNumber().isPresent() && plan.mayCallPhones()
                        && !plan.bars(user.phoneNumber().get()) && highRiskRefusal(user.phoneNumber().get(), plan).isEmpty();
                return new Route.Voip(List.of(), voipProviders(carriers, now), calleeDeviceIds, fallback);
            }
            if (user.phoneNumber().isEmpty() || !plan.mayCallPhones()) {
                return new Route.Refused(Route.Refusal.UNREACHABLE, user.userId() + " is offline"
                        + (user.phoneNumber().isEmpty() ? " and has no phone number"
                        : plan.pstnBlocked() ? " and the caller's calls to phone numbers are blocked"
                        : " and the caller's plan has no PSTN"));
            }
            return pstn(user.phoneNumber().get(), plan, carriers, now);
        }
        PhoneNumber number = ((Destination.Dialled) destination).number();
        if (plan.pstnBlocked()) {
            return new Route.Refused(Route.Refusal.DESTINATION_NOT_ALLOWED,
                    "calls to phone numbers are blocked on this account; contact support");
        }
        if (!plan.pstnAllowed()) {
            return new Route.Refused(Route.Refusal.DESTINATION_NOT_ALLOWED, "the plan does not include calls to phone numbers");
        }
        return pstn(number, plan, carriers, now);
    }

    private Route pstn(PhoneNumber number, RoutingPlan plan, List<CarrierStatus> carriers, Instant now) {
        if (plan.bars(number)) {
            return new Route.Refused(Route.Refusal.DESTINATION_NOT_ALLOWED, number + " is barred by the plan");
        }
        Optional<String> highRiskRefusal = highRiskRefusal(number, plan);
        if (highRiskRefusal.isPresent()) {
            return new Route.Refused(Route.Refusal.HIGH_RISK_DESTINATION, highRiskRefusal.get());
        }
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        List<Route.ProviderOption> options = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (CarrierStatus carrier : carriers) {
            Provider provider = carrier.provider();
            if (provider.kind() != ProviderKind.PSTN) {
                continue;
            }
            Optional<Rate> rate = provider.costDeck().lookup(number.digits(), today);
            String why = !provider.enabled() ? "disabled"
                    : rate.isEmpty() ? "no rate"
                    : !carrier.health().allowsAttempt(now) ? "unhealthy"
                    : !carrier.hasCapacity() ? "full" : null;
            if (why == null) {
                options.add(new Route.ProviderOption(provider.id(), rate.get()));
            } else {
                skipped.add(provider.id() + ": " + why);
            }
        }
        if (options.isEmpty()) {
            return new Route.Refused(Route.Refusal.NO_PROVIDER, "no carrier for " + number + " " + skipped);
        }
        options.sort(LEAST_COST.thenComparing(o -> -quality(carriers, o.providerId()))
                .thenComparing(Route.ProviderOption::providerId));
        return new Route.Pstn(number, options);
    }

    private Optional<String> highRiskRefusal(PhoneNumber number, RoutingPlan plan) {
        return plan.highRiskAllowed() ? Optional.empty()
                : highRisk.classify(number).map(why -> why + ", and the caller is not allowed high-risk destinations");
    }

    private static List<String> voipProviders(List<CarrierStatus> carriers, Instant now) {
        return carriers.stream()
                .filter(c -> c.provider().kind() == ProviderKind.VOIP && c.provider().enabled()
                        && c.health().allowsAttempt(now) && c.hasCapacity())
                .sorted(Comparator.comparingInt((CarrierStatus c) -> -c.provider().quality())
                        .thenComparing(c -> c.provider().id()))
                .map(c -> c.provider().id()).toList();
    }

    private static int quality(List<CarrierStatus> carriers, String providerId) {
        return carriers.stream().filter(c -> c.provider().id().equals(providerId)).findFirst()
                .map(c -> c.provider().quality()).orElse(0);
    }
}
