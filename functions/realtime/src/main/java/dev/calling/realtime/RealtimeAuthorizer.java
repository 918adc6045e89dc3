package dev.calling.realtime;

import dev.calling.core.privacy.LogMasking;
import dev.calling.adapters.lambda.LogContext;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponseV1;
import dev.calling.adapters.auth.InvalidToken;
import dev.calling.adapters.auth.TokenVerifier;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;

/**
 * The RealtimeAuthorizer Lambda: the WebSocket API's REQUEST authorizer on {@code $connect}
 * (WebSocket APIs have no JWT authorizer). The app's token comes in the query string
 * ({@code ?token=}, since browsers cannot set headers on a WebSocket) or as
 * {@code Authorization: Bearer}. A valid token gets an Allow policy on the route and the user id
 * in the context that API Gateway hands to every route of the connection; anything else gets
 * {@link Unauthorized}, i.e. 401.
 */
@Named("RealtimeAuthorizer")
public class RealtimeAuthorizer implements RequestHandler<APIGatewayCustomAuthorizerEvent, IamPolicyResponseV1> {

    /** The authorizer context key {@link Realtime} reads the user from. */
    public static final String USER_ID = "userId";

    private static final System.Logger LOG = System.getLogger(RealtimeAuthorizer.class.getName());
    private static final String BEARER = "bearer ";

    private final TokenVerifier verifier;

    @Inject
    public RealtimeAuthorizer(TokenVerifier verifier) {
        this.verifier = verifier;
    }

    @Override
    public IamPolicyResponseV1 handleRequest(APIGatewayCustomAuthorizerEvent event, Context context) {
        try (LogContext logged = LogContext.event("RealtimeAuthorizer", context,
                event.getRequestContext() == null ? null : event.getRequestContext().getRequestId())) {
            return authorize(event);
        }
    }

    private IamPolicyResponseV1 authorize(APIGatewayCustomAuthorizerEvent event) {
        String userId;
        try {
            userId = verifier.verify(token(event)).subject();
        } catch (InvalidToken refused) {
            LOG.log(Level.INFO, () -> "connection refused, " + refused.reason() + ": "
                    + LogMasking.text(refused.getMessage()));
            throw new Unauthorized();
        }
        return IamPolicyResponseV1.builder()
                .withPrincipalId(userId)
                .withPolicyDocument(IamPolicyResponseV1.PolicyDocument.builder()
                        .withVersion(IamPolicyResponseV1.VERSION_2012_10_17)
                        .withStatement(List.of(IamPolicyResponseV1.allowStatement(event.getMethodArn())))
                        .build())
                .withContext(Map.<String, Object>of(USER_ID, userId))
                .build();
    }

    /** The query parameter first (what browsers can send), else a bearer Authorization header; null if neither. */
    static String token(APIGatewayCustomAuthorizerEvent event) {
        Map<String, String> query = event.getQueryStringParameters();
        if (query != null && query.get("token") != null && !query.get("token").isBlank()) {
            return query.get("token");
        }
        Map<String, String> headers = event.getHeaders();
        if (headers == null) {
            return null;
        }
        // Header names are case-insensitive; API Gateway passes them as the client sent them.
        for (Map.Entry<String, String> header : headers.entrySet()) {
            String value = header.getValue();
            if ("authorization".equalsIgnoreCase(header.getKey()) && value != null
                    && value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                return value.substring(BEARER.length()).trim();
            }
        }
        return null;
    }
}
