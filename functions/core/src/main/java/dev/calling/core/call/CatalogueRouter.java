package dev.calling.core.call;

import dev.calling.core.call.CallEvent.CallRequested;
import dev.calling.core.privacy.BlockList;
import dev.calling.core.routing.CarrierCatalogue;
import dev.calling.core.routing.Destination;
import dev.calling.core.routing.EmergencyNumbers;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.ProviderRouting;
import dev.calling.core.routing.Route;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.SubscriberDirectory;
import java.time.Instant;
import java.util.List;

/** The call state manager's router: the request resolved against the subscribers, then {@link ProviderRouting}. */
public final class CatalogueRouter implements CallRouter {

    private final ProviderRouting routing;
    private final SubscriberDirectory subscribers;
    private final CarrierCatalogue catalogue;
    private final BlockList blocks;

    public CatalogueRouter(ProviderRouting routing, SubscriberDirectory subscribers, CarrierCatalogue catalogue) {
        this(routing, subscribers, catalogue, BlockList.NONE);
    }

    /** @param blocks whom each callee blocked: a blocked caller's call to them is refused before anything else */
    public CatalogueRouter(ProviderRouting routing, SubscriberDirectory subscribers, CarrierCatalogue catalogue,
            BlockList blocks) {
        this.routing = routing;
        this.subscribers = subscribers;
        this.catalogue = catalogue;
        this.blocks = blocks;
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
            destination = new Destination.AppUser(request.calleeUserId(),
                    subscribers.subscriber(request.calleeUserId()).phoneNumber());
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
}
