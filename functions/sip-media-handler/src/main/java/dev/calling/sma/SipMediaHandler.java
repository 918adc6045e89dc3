package dev.calling.sma;

import dev.calling.adapters.lambda.LogContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.calling.carrier.chime.SipMediaApplicationHandler;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The SipMediaHandler Lambda: Chime SDK Voice invokes it with every PSTN audio telephony event of
 * the calls the Chime carrier places; it answers with the SIP media application's actions. The
 * event is taken as a plain map (Chime's shape varies per event type) and read by
 * {@link SipMediaApplicationHandler}, which also decides what to publish. Deployed before the SIP media
 * application exists, it starts without its settings and fails each event saying which are missing
 * ({@link SipMediaHandlerWiring}).
 */
@Named("SipMediaHandler")
public class SipMediaHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {

    private final Instance<SipMediaApplicationHandler> handler;
    private final Optional<String> notConfigured;

    @Inject
    public SipMediaHandler(Instance<SipMediaApplicationHandler> handler,
            @ConfigProperty(name = SipMediaHandlerWiring.SIP_MEDIA_APPLICATION_ID) Optional<String> sipMediaApplicationId,
            @ConfigProperty(name = SipMediaHandlerWiring.FROM_PHONE_NUMBER) Optional<String> fromPhoneNumber) {
        this.handler = handler;
        this.notConfigured = SipMediaHandlerWiring.notConfigured(sipMediaApplicationId, fromPhoneNumber);
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        try (LogContext logged = LogContext.event("SipMediaHandler", context, eventId(event))) {
            if (notConfigured.isPresent()) {
                throw new IllegalStateException(notConfigured.get());
            }
            return handler.get().handle(event).toJson();
        }
    }

    /** Chime numbers a transaction's events: its TransactionId and the event's Sequence name one event. */
    static String eventId(Map<String, Object> event) {
        if (event != null && event.get("CallDetails") instanceof Map<?, ?> details && details.get("TransactionId") != null) {
            return details.get("TransactionId") + "#" + event.get("Sequence");
        }
        return null;
    }
}
