package dev.calling.sma;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.calling.carrier.chime.SipMediaApplicationHandler;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.util.Map;

/**
 * The SipMediaHandler Lambda: Chime SDK Voice invokes it with every PSTN audio telephony event of
 * the calls the Chime carrier places; it answers with the SIP media application's actions. The
 * event is taken as a plain map (Chime's shape varies per event type) and read by
 * {@link SipMediaApplicationHandler}, which also decides what to publish.
 */
@Named("SipMediaHandler")
public class SipMediaHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {

    private final SipMediaApplicationHandler handler;

    @Inject
    public SipMediaHandler(SipMediaApplicationHandler handler) {
        this.handler = handler;
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        return handler.handle(event).toJson();
    }
}
