package dev.calling.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponseV1;
import dev.calling.adapters.auth.InvalidToken;
import dev.calling.adapters.auth.TokenVerifier;
import dev.calling.adapters.auth.VerifiedToken;
import dev.calling.adapters.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * API Gateway on localhost, in front of the real function code:
 * <ul>
 * <li>the <b>HTTP API</b> ({@code http://localhost:<httpPort>/v1/...}): verifies the bearer token as the
 * JWT authorizer does (signature, issuer, audience, expiry) and passes its claims to the CallApi
 * function as a payload 2.0 event;</li>
 * <li>the <b>WebSocket API</b> ({@code ws://localhost:<webSocketPort>/?token=...}): runs the
 * RealtimeAuthorizer function on connect, then the Realtime function for $connect, $disconnect and
 * $default (its response body goes back to the client, as with a route response);</li>
 * <li>the WebSocket API's <b>management endpoint</b> on the same port ({@code POST /@connections/{id}}),
 * which the call state manager's pushes reach through the real AWS SDK client, signed (SigV4) with this
 * run's credentials ({@link #managementCredentials()}), as AWS requires a signature;</li>
 * <li>the carriers' webhook route {@code POST /carrier-webhooks/{providerId}} on the HTTP API's port,
 * without a token (carriers sign their callbacks), to the CarrierWebhook function, the body
 * base64-encoded as API Gateway encodes form bodies, when {@link #routeCarrierWebhooks} was called.</li>
 * </ul>
 * Differences from AWS, on purpose: a missing or bad token gets {@code application/problem+json}
 * (API Gateway's JWT authorizer answers {@code {"message":"Unauthorized"}}, and HTTP APIs cannot
 * change that body), and there is no throttling.
 */
public final class LocalGateway implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LocalGateway.class.getName());
    /** API Gateway's own limit for HTTP API payloads. */
    private static final int MAX_PAYLOAD = 10 * 1024 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String CARRIER_WEBHOOKS = "/carrier-webhooks/";
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer httpApi;
    private final HttpServer webSocketApi;
    private final Map<String, ServerWebSocket> sockets = new ConcurrentHashMap<>();
    private final ManagementSignatures signatures = new ManagementSignatures(dev.calling.embedded.EmbeddedAws.REGION,
            java.time.Clock.systemUTC());
    private final TokenVerifier tokens;
    private final RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> callApi;
    private final RequestHandler<APIGatewayCustomAuthorizerEvent, IamPolicyResponseV1> authorizer;
    private final RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> realtime;
    private volatile RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> carrierWebhook;
    /** The operator API's routes, under {@link #OPERATOR_ROUTES}: SigV4 by this run's operator credentials. */
    private final ManagementSignatures operatorSignatures = new ManagementSignatures(
            dev.calling.embedded.EmbeddedAws.REGION, java.time.Clock.systemUTC());
    private volatile RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> operatorApi;
    private static final String OPERATOR_ROUTES = "/ops/";
    /** The IAM identity this run's operator credentials stand for (what the IAM authorizer tells the function). */
    public static final String LOCAL_OPERATOR_ARN = "arn:aws:iam::000000000000:user/local-operator";

    /**
     * @param httpPort the HTTP API's port (0: any free port)
     * @param webSocketPort the WebSocket API's and its management endpoint's port (0: any free port)
     */
    public LocalGateway(int httpPort, int webSocketPort, TokenVerifier tokens,
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> callApi,
            RequestHandler<APIGatewayCustomAuthorizerEvent, IamPolicyResponseV1> authorizer,
            RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> realtime) {
        this.tokens = tokens;
        this.callApi = callApi;
        this.authorizer = authorizer;
        this.realtime = realtime;
        httpApi = await(vertx.createHttpServer().requestHandler(this::httpRequest)
                .invalidRequestHandler(LocalGateway::invalidRequest).listen(httpPort, "localhost"));
        webSocketApi = await(vertx.createHttpServer().webSocketHandler(this::webSocket)
                .requestHandler(this::managementRequest).invalidRequestHandler(LocalGateway::invalidRequest)
                .listen(webSocketPort, "localhost"));
    }

    public URI httpEndpoint() {
        return URI.create("http://localhost:" + httpApi.actualPort());
    }

    public URI webSocketEndpoint() {
        return URI.create("ws://localhost:" + webSocketApi.actualPort());
    }

    /** Serves {@code POST /carrier-webhooks/{providerId}} with the CarrierWebhook function from now on. */
    public void routeCarrierWebhooks(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> function) {
        this.carrierWebhook = function;
    }

    /**
     * Serves the operator API's routes ({@code /ops/...}) with {@code function} from now on, as API Gateway's IAM
     * authorizer does: a request must carry a Signature Version 4 (service {@code execute-api}) by
     * {@link #operatorCredentials()}, else 403 {@code {"message":...}} and the function never runs; a signed one reaches
     * it with {@code requestContext.authorizer.iam.userArn} = {@link #LOCAL_OPERATOR_ARN}.
     */
    public void routeOperatorApi(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> function) {
        this.operatorApi = function;
    }

    /** The local operator's credentials (made up at start): what an operator signs the {@code /ops/} requests with. */
    public software.amazon.awssdk.auth.credentials.AwsCredentialsProvider operatorCredentials() {
        return operatorSignatures.credentials();
    }

    /** The public URL of a carrier's webhook, as a carrier is given it. */
    public URI carrierWebhookUrl(String providerId) {
        return URI.create(httpEndpoint() + CARRIER_WEBHOOKS + providerId);
    }

    /** Where PostToConnection goes ({@code calling.realtime.endpoint}). */
    public URI managementEndpoint() {
        return URI.create("http://localhost:" + webSocketApi.actualPort());
    }

    // --- HTTP API --------------------------------------------------------------------------------

    private void httpRequest(HttpServerRequest request) {
        Buffer body = Buffer.buffer();
        request.handler(chunk -> {
            if (request.response().ended()) {
                return;
            }
            if (body.length() + chunk.length() > MAX_PAYLOAD) {
                problem(request, 413, "payload-too-large", "Request body too large",
                        "the body is over the " + MAX_PAYLOAD / (1024 * 1024) + " MiB an HTTP API takes");
                request.connection().close();
                return;
            }
            body.appendBuffer(chunk);
        });
        request.endHandler(done -> {
            if (request.response().ended()) {
                return;
            }
            try {
                route(request, body);
            } catch (RuntimeException unexpected) {
                LOG.log(System.Logger.Level.ERROR, "local gateway failed on a request", unexpected);
                if (!request.response().ended()) {
                    problem(request, 500, "internal-error", "Internal error", "the request could not be handled");
                }
            }
        });
    }

    /** A request Vert.x could not even parse (a request line or headers too long, bad framing). */
    private static void invalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        String name = cause == null ? "" : cause.getClass().getSimpleName();
        if (name.contains("TooLongHttpLine") || name.contains("TooLongUri")) {
            problem(request, 414, "uri-too-long", "Request URI too long", "the request line is over "
                    + io.vertx.core.http.HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH + " bytes");
        } else if (name.contains("TooLongHttpHeader")) {
            problem(request, 431, "headers-too-large", "Request headers too large", "the headers are over "
                    + io.vertx.core.http.HttpServerOptions.DEFAULT_MAX_HEADER_SIZE + " bytes");
        } else {
            problem(request, 400, "malformed-request", "Malformed request", "the request is not valid HTTP");
        }
        request.connection().close();
    }

    private void route(HttpServerRequest request, Buffer body) {
        Map<String, String> query;
        try {
            query = query(request.query());
            URLDecoder.decode(request.path(), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            problem(request, 400, "malformed-request", "Malformed request",
                    "the path or query string is not valid percent-encoding");
            return;
        }
        if (request.path().startsWith(CARRIER_WEBHOOKS) && carrierWebhook != null) {
            respond(request, "CarrierWebhook", carrierWebhook, carrierWebhookEvent(request, body));
            return;
        }
        if (request.path().startsWith(OPERATOR_ROUTES) && operatorApi != null) {
            operatorRequest(request, query, body);
            return;
        }
        String authorization = request.getHeader("Authorization");
        VerifiedToken token;
        try {
            if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw new InvalidToken(InvalidToken.Reason.MISSING, "no bearer token in the Authorization header");
            }
            token = tokens.verify(authorization.substring(7).trim());
        } catch (InvalidToken e) {
            unauthorized(request, e.getMessage());
            return;
        }
        respond(request, "CallApi", callApi, httpEvent(request, query, body, token));
    }

    private void operatorRequest(HttpServerRequest request, Map<String, String> query, Buffer body) {
        Map<String, String> headers = new HashMap<>();
        request.headers().forEach(h -> headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + "," + b));
        java.util.Optional<String> refused;
        try {
            refused = operatorSignatures.refusal(request.method().name(), request.path(), request.query(), headers,
                    body.getBytes());
        } catch (RuntimeException malformed) {
            refused = java.util.Optional.of("the request could not be checked: " + malformed.getClass().getSimpleName());
        }
        if (refused.isPresent()) {
            request.response().setStatusCode(403).putHeader("x-amzn-ErrorType", "ForbiddenException")
                    .putHeader("content-type", "application/json").end(Json.writeView(Map.of("message", refused.get())));
            return;
        }
        APIGatewayV2HTTPEvent event = httpEvent(request, query, body, null);
        event.getRequestContext().setAuthorizer(APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder()
                .withIam(APIGatewayV2HTTPEvent.RequestContext.IAM.builder().withUserArn(LOCAL_OPERATOR_ARN)
                        .withAccountId("000000000000")
                        .withAccessKey(operatorSignatures.credentials().resolveCredentials().accessKeyId()).build())
                .build());
        event.setRouteKey("ANY /ops/{proxy+}");
        event.getRequestContext().setRouteKey("ANY /ops/{proxy+}");
        respond(request, "OperatorApi", operatorApi, event);
    }

    private void respond(HttpServerRequest request, String name,
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> function, APIGatewayV2HTTPEvent event) {
        vertx.executeBlocking(() -> function.handleRequest(event, null), false).onComplete(result -> {
            if (result.failed()) {
                LOG.log(System.Logger.Level.ERROR, name + " failed", result.cause());
                problem(request, 500, "internal-error", "Internal error", name + " failed");
                return;
            }
            APIGatewayV2HTTPResponse response = result.result();
            var out = request.response().setStatusCode(response.getStatusCode());
            if (response.getHeaders() != null) {
                response.getHeaders().forEach(out::putHeader);
            }
            out.end(response.getBody() == null ? "" : response.getBody());
        });
    }

    /** A carrier's callback as API Gateway hands it over: no authorizer, the path parameter, the body in base64. */
    private static APIGatewayV2HTTPEvent carrierWebhookEvent(HttpServerRequest request, Buffer body) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.headers().forEach(h -> headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + "," + b));
        Instant now = Instant.now();
        String routeKey = "POST /carrier-webhooks/{providerId}";
        var context = APIGatewayV2HTTPEvent.RequestContext.builder()
                .withRequestId(UUID.randomUUID().toString()).withApiId("local").withStage("$default")
                .withDomainName("localhost").withTimeEpoch(now.toEpochMilli()).withRouteKey(routeKey)
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(request.method().name())
                        .withPath(request.path()).withProtocol("HTTP/1.1")
                        .withSourceIp(request.remoteAddress() == null ? "127.0.0.1" : request.remoteAddress().hostAddress())
                        .withUserAgent(request.getHeader("User-Agent")).build())
                .build();
        return APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRouteKey(routeKey)
                .withRawPath(request.path()).withRawQueryString(request.query() == null ? "" : request.query())
                .withHeaders(headers)
                .withPathParameters(Map.of("providerId", request.path().substring(CARRIER_WEBHOOKS.length())))
                .withBody(java.util.Base64.getEncoder().encodeToString(body.getBytes())).withIsBase64Encoded(true)
                .withRequestContext(context).build();
    }

    private static void unauthorized(HttpServerRequest request, String why) {
        request.response().putHeader("www-authenticate", "Bearer");
        problem(request, 401, "unauthorized", "Unauthorized", why);
    }

    /**
     * A refusal of the gateway's own, as {@code application/problem+json} with a type of the API's (the CallApi
     * answers everything past the gateway the same way). The instance is left out: the path may be what was
     * malformed, and input is never echoed.
     */
    private static void problem(HttpServerRequest request, int status, String slug, String title, String detail) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("type", "https://calling.dev/problems/" + slug);
        fields.put("title", title);
        fields.put("status", status);
        fields.put("detail", detail);
        request.response().setStatusCode(status).putHeader("content-type", "application/problem+json")
                .end(Json.writeView(fields));
    }

    private static APIGatewayV2HTTPEvent httpEvent(HttpServerRequest request, Map<String, String> query, Buffer body,
            VerifiedToken token) {
        Map<String, String> headers = new LinkedHashMap<>();
        request.headers().forEach(h -> headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(), (a, b) -> a + "," + b));
        Instant now = Instant.now();
        var context = APIGatewayV2HTTPEvent.RequestContext.builder()
                .withRequestId(UUID.randomUUID().toString()).withApiId("local").withStage("$default")
                .withDomainName("localhost").withTimeEpoch(now.toEpochMilli())
                .withTime(DateTimeFormatter.RFC_1123_DATE_TIME.format(now.atZone(java.time.ZoneOffset.UTC)))
                .withRouteKey("ANY /v1/{proxy+}")
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(request.method().name())
                        .withPath(request.path()).withProtocol("HTTP/1.1")
                        .withSourceIp(request.remoteAddress() == null ? "127.0.0.1" : request.remoteAddress().hostAddress())
                        .withUserAgent(request.getHeader("User-Agent")).build())
                .withAuthorizer(token == null ? null : APIGatewayV2HTTPEvent.RequestContext.Authorizer.builder()
                        .withJwt(APIGatewayV2HTTPEvent.RequestContext.Authorizer.JWT.builder()
                                .withClaims(Map.of("sub", token.subject(),
                                        "exp", Long.toString(token.expiresAt().getEpochSecond())))
                                .withScopes(List.of()).build()).build())
                .build();
        return APIGatewayV2HTTPEvent.builder().withVersion("2.0").withRouteKey("ANY /v1/{proxy+}")
                .withRawPath(request.path()).withRawQueryString(request.query() == null ? "" : request.query())
                .withHeaders(headers).withQueryStringParameters(query.isEmpty() ? null : query)
                .withBody(body.length() == 0 ? null : body.toString(StandardCharsets.UTF_8)).withIsBase64Encoded(false)
                .withRequestContext(context).build();
    }

    // --- WebSocket API ---------------------------------------------------------------------------

    private void webSocket(ServerWebSocket socket) {
        String connectionId = connectionId();
        Map<String, String> query;
        try {
            query = query(socket.query());
        } catch (IllegalArgumentException malformed) {
            socket.reject(400);
            return;
        }
        Map<String, String> headers = new HashMap<>();
        socket.headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
        Future<Map<String, Object>> connected = vertx.executeBlocking(() -> {
            Map<String, Object> authorized = authorize(query, headers);
            if (authorized == null) {
                return null;
            }
            APIGatewayV2WebSocketResponse response = realtime.handleRequest(
                    webSocketEvent("$connect", "CONNECT", connectionId, authorized, query, null), null);
            return response != null && response.getStatusCode() / 100 == 2 ? authorized : Map.of("status", response == null ? 500 : response.getStatusCode());
        }, false);
        socket.setHandshake(connected.map(authorized -> {
            if (authorized == null) {
                return 401;
            }
            return authorized.containsKey("status") ? (Integer) authorized.get("status") : 101;
        }));
        connected.onSuccess(authorized -> {
            if (authorized == null || authorized.containsKey("status")) {
                return;
            }
            sockets.put(connectionId, socket);
            socket.textMessageHandler(text -> vertx.executeBlocking(() -> realtime.handleRequest(
                    webSocketEvent("$default", "MESSAGE", connectionId, authorized, Map.of(), text), null), true)
                    .onSuccess(response -> {
                        if (response != null && response.getBody() != null && !socket.isClosed()) {
                            socket.writeTextMessage(response.getBody());
                        }
                    }));
            socket.closeHandler(closed -> {
                sockets.remove(connectionId);
                vertx.executeBlocking(() -> realtime.handleRequest(
                        webSocketEvent("$disconnect", "DISCONNECT", connectionId, authorized, Map.of(), null), null), true);
            });
        });
    }

    /** Runs the authorizer as API Gateway would; null when it refuses (API Gateway answers 401). */
    private Map<String, Object> authorize(Map<String, String> query, Map<String, String> headers) {
        APIGatewayCustomAuthorizerEvent event = new APIGatewayCustomAuthorizerEvent();
        event.setType("REQUEST");
        event.setMethodArn("arn:aws:execute-api:local:000000000000:local/local/$connect");
        event.setQueryStringParameters(query);
        event.setHeaders(headers);
        try {
            IamPolicyResponseV1 policy = authorizer.handleRequest(event, null);
            Map<String, Object> context = new HashMap<>(policy.getContext() == null ? Map.of() : policy.getContext());
            context.put("principalId", policy.getPrincipalId());
            return context;
        } catch (RuntimeException refused) {
            return null;
        }
    }

    private static APIGatewayV2WebSocketEvent webSocketEvent(String routeKey, String eventType, String connectionId,
            Map<String, Object> authorizer, Map<String, String> query, String body) {
        APIGatewayV2WebSocketEvent.RequestContext context = new APIGatewayV2WebSocketEvent.RequestContext();
        context.setRouteKey(routeKey);
        context.setEventType(eventType);
        context.setConnectionId(connectionId);
        context.setConnectedAt(System.currentTimeMillis());
        context.setRequestTimeEpoch(System.currentTimeMillis());
        context.setAuthorizer(authorizer);
        context.setDomainName("localhost");
        context.setStage("local");
        context.setApiId("local");
        context.setRequestId(UUID.randomUUID().toString());
        APIGatewayV2WebSocketEvent event = new APIGatewayV2WebSocketEvent();
        event.setRequestContext(context);
        event.setQueryStringParameters(query.isEmpty() ? null : query);
        event.setBody(body);
        event.setIsBase64Encoded(false);
        return event;
    }

    /** The credentials the management endpoint accepts signatures of (this run's; see {@link ManagementSignatures}). */
    public software.amazon.awssdk.auth.credentials.AwsCredentialsProvider managementCredentials() {
        return signatures.credentials();
    }

    /**
     * The WebSocket API's management endpoint: PostToConnection, GetConnection, DeleteConnection, each signed
     * (SigV4) by this run's credentials as AWS requires; an unsigned or wrongly signed call gets 403.
     */
    private void managementRequest(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            Map<String, String> headers = new HashMap<>();
            request.headers().forEach(h -> headers.merge(h.getKey().toLowerCase(Locale.ROOT), h.getValue(),
                    (a, b) -> a + "," + b));
            java.util.Optional<String> refused;
            try {
                refused = signatures.refusal(request.method().name(), request.path(), request.query(), headers,
                        body.getBytes());
            } catch (RuntimeException malformed) {
                refused = java.util.Optional.of("the request could not be checked: " + malformed.getClass().getSimpleName());
            }
            if (refused.isPresent()) {
                request.response().setStatusCode(403).putHeader("x-amzn-ErrorType", "ForbiddenException")
                        .putHeader("content-type", "application/json")
                        .end(Json.writeView(Map.of("message", refused.get())));
                return;
            }
            manage(request, body);
        });
    }

    private void manage(HttpServerRequest request, Buffer body) {
        String path = request.path();
        if (!path.startsWith("/@connections/")) {
            request.response().setStatusCode(404).end("{\"message\":\"Not Found\"}");
            return;
        }
        String connectionId;
        try {
            connectionId = URLDecoder.decode(path.substring("/@connections/".length()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            request.response().setStatusCode(400).putHeader("x-amzn-ErrorType", "BadRequestException")
                    .putHeader("content-type", "application/json").end("{\"message\":\"Invalid connection id\"}");
            return;
        }
        ServerWebSocket socket = sockets.get(connectionId);
        if (socket == null || socket.isClosed()) {
            request.response().setStatusCode(410).putHeader("x-amzn-ErrorType", "GoneException")
                    .putHeader("content-type", "application/json").end("{\"message\":\"Gone\"}");
            return;
        }
        switch (request.method().name()) {
            case "POST" -> {
                socket.writeTextMessage(body.toString(StandardCharsets.UTF_8));
                request.response().setStatusCode(200).end();
            }
            case "DELETE" -> {
                socket.close();
                request.response().setStatusCode(204).end();
            }
            case "GET" -> request.response().setStatusCode(200).putHeader("content-type", "application/json")
                    .end("{\"connectedAt\":\"" + Instant.now() + "\"}");
            default -> request.response().setStatusCode(405).end();
        }
    }

    /**
     * Decodes a query string; a repeated parameter is comma-joined, as API Gateway joins them. Malformed
     * percent-encoding throws.
     */
    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            query.merge(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8),
                    (a, b) -> a + "," + b);
        }
        return query;
    }

    /** A connection id shaped like API Gateway's (16 characters). */
    private static String connectionId() {
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < 15; i++) {
            id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return id.append('=').toString();
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the local gateway did not start: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        await(vertx.close());
    }
}
