package dev.calling.core.call;

import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.privacy.BlockList;
import dev.calling.core.privacy.KnownCallers;
import dev.calling.core.routing.CarrierCatalogue;
import dev.calling.core.routing.Destination;
import dev.calling.core.routing.EmergencyNumbers;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.ProviderRouting;
import dev.calling.core.routing.Route;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.core.routing.SubscriberDirectory;
import java.time.Instant;
import java.util.List;

/** The call state manager's router: the request resolved against the subscribers, then {@link ProviderRouting}. */
public final class CatalogueRouter implements CallRouter {

    private final ProviderRouting routing;
    private final SubscriberDirectory subscribers;
    private final CarrierCatalogue catalogue;
    private final BlockList blocks;
    private final KnownCallers known;

    public CatalogueRouter(ProviderRouting routing, SubscriberDirectory subscribers, CarrierCatalogue catalogue) {
        this(routing, subscribers, catalogue, BlockList.NONE, KnownCallers.NONE);
    }

    /**
     * @param blocks whom each callee blocked: a blocked caller's call to them is refused before anything else
     * @param known whom each callee knows: read for a callee who silences unknown callers
     */
    public CatalogueRouter(ProviderRouting routing, SubscriberDirectory subscribers, CarrierCatalogue catalogue,
            BlockList blocks, KnownCallers known) {
        this.routing = routing;
        this.subscribers = subscribers;
        this.catalogue = catalogue;
        this.blocks = blocks;
        this.known = known;
    }

    @Override
    public Route route(CallRequested request, List<String> calleeLiveConnections, List<String> calleeDeviceIds,
            Instant now) {
        RoutingPlan plan = subscribers.subscriber(request.callerUserId()).plan();
        Destination destination;
        if (request.calleeUserId() != null && blocks.blocks(request.calleeUserId(), request.callerUserId())) {
            return new Route.Refused(Route.Refusal.BLOCKED_BY_CALLEE, request.calleeUserId() + " blocked "
                    + request.callerUserId() + ": not rung, not pushed, not called on their number");
        }
        if (request.calleeUserId() != null) {
            Subscriber callee = subscribers.subscriber(request.calleeUserId());
            if (callee.silencesUnknownCallers() && !knows(callee.userId(), request.callerUserId())) {
                return new Route.Refused(Route.Refusal.UNKNOWN_CALLER_SILENCED, callee.userId()
                        + " silences unknown callers and has not called or taken a call from "
                        + request.callerUserId());
            }
            destination = new Destination.AppUser(callee.userId(), callee.phoneNumber());
        } else if (EmergencyNumbers.isEmergency(request.dialledNumber())) {
            return new Route.Refused(Route.Refusal.EMERGENCY_NUMBER, EmergencyNumbers.DISCLOSURE);
        } else {
            try {
                destination = new Destination.Dialled(PhoneNumber.parse(request.dialledNumber()));
            } catch (PhoneNumber.InvalidPhoneNumber e) {
                return new Route.Refused(Route.Refusal.INVALID_NUMBER, e.getMessage());
            }
        }
        return routing.route(destination, calleeLiveConnections, calleeDeviceIds, plan, catalogue.carriers(now), now);
    }

    /**
     * Whether the callee knows the caller; when that cannot be read (the known-callers table throttled or out), yes:
     * a call that rings although it might have been silenced beats a call held back by an outage of a courtesy.
     */
    private boolean knows(String calleeUserId, String callerUserId) {
        try {
            return known.knows(calleeUserId, callerUserId);
        } catch (RuntimeException unreadable) {
            return true;
        }
    }
}
