package dev.calling.api;

import dev.calling.core.privacy.LogMasking;
import dev.calling.adapters.lambda.LogContext;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.calling.adapters.realtime.MediaJoinView;
import dev.calling.api.ApiProblem.Kind;
import dev.calling.core.Page;
import dev.calling.core.app.CallControl;
import dev.calling.core.app.CallMedia;
import dev.calling.core.app.CallView;
import dev.calling.core.app.MyAccount;
import dev.calling.core.app.MyBlocks;
import dev.calling.core.app.MySettings;
import dev.calling.core.app.MyDevices;
import dev.calling.core.app.PlaceCall;
import dev.calling.core.app.Refusal;
import dev.calling.core.app.RequestRefused;
import dev.calling.core.privacy.BlockList;
import dev.calling.core.privacy.PrivacySettings;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.money.Money;
import dev.calling.core.push.Device;
import dev.calling.core.push.PushPlatform;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The call API behind API Gateway (HTTP API, payload format 2.0): routes a request to the use case,
 * maps JSON in and out, and turns every refusal into {@code application/problem+json}. The caller is
 * the JWT authorizer's {@code sub} claim and nothing else; API Gateway has verified the token
 * before the request gets here (locally, the local gateway does the same).
 */
public final class CallApi {

    private static final System.Logger LOG = System.getLogger(CallApi.class.getName());

    /** Bodies are a few fields; anything bigger is a mistake or an attack. */
    static final int MAX_BODY_BYTES = 16 * 1024;
    static final int DEFAULT_PAGE = 20;

    /**
     * Bodies are read strictly: a field given twice (which value would win?) and anything after the JSON
     * value are malformed, not silently dropped.
     */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Pattern CALL_ID = Pattern.compile("[A-Za-z0-9@._:+=-]{1,128}");

    /** Every route: method and path template (as in docs/openapi.yaml). */
    public static final List<String> ROUTES = List.of(
            "POST /v1/calls",
            "GET /v1/calls",
            "GET /v1/calls/{callId}",
            "POST /v1/calls/{callId}/answer",
            "POST /v1/calls/{callId}/reject",
            "POST /v1/calls/{callId}/hangup",
            "GET /v1/calls/{callId}/media",
            "GET /v1/me/balance",
            "GET /v1/me/ledger",
            "GET /v1/me/devices",
            "PUT /v1/me/devices/{deviceId}",
            "DELETE /v1/me/devices/{deviceId}",
            "GET /v1/me/blocked",
            "PUT /v1/me/blocked/{userId}",
            "DELETE /v1/me/blocked/{userId}",
            "GET /v1/me/settings",
            "PUT /v1/me/settings");

    private static final Pattern CALL_PATH = Pattern.compile("/v1/calls/([^/]+)(?:/(answer|reject|hangup|media))?");
    private static final Pattern DEVICE_PATH = Pattern.compile("/v1/me/devices/([^/]+)");
    private static final Pattern BLOCKED_PATH = Pattern.compile("/v1/me/blocked/([^/]+)");
    /** Jackson's message for a field given twice (StreamReadFeature.STRICT_DUPLICATE_DETECTION). */
    private static final Pattern DUPLICATE_FIELD = Pattern.compile("Duplicate field '([^']{1,64})'");

    private final CallControl calls;
    private final MyAccount account;
    private final CallMedia media;
    private final MyDevices devices;
    private final MyBlocks blocks;
    private final MySettings settings;

    public CallApi(CallControl calls, MyAccount account, CallMedia media, MyDevices devices, MyBlocks blocks,
            MySettings settings) {
        this.calls = calls;
        this.account = account;
        this.media = media;
        this.devices = devices;
        this.blocks = blocks;
        this.settings = settings;
    }

    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        Request request = Request.of(event);
        try {
            return route(request).toEvent();
        } catch (RequestRefused refused) {
            ApiResponse response = ApiResponse.problem(ApiProblem.of(refused.refusal(), refused.getMessage(), request.path()));
            return refused.retryAfter().map(wait -> response.withHeader("Retry-After",
                    Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000)))).orElse(response).toEvent();
        } catch (Problem problem) {
            return problem.response.toEvent();
        } catch (SdkException e) {
            LOG.log(System.Logger.Level.WARNING, "request " + request.id() + " failed on AWS: "
                    + LogMasking.text(e.getMessage()));
            return ApiResponse.problem(ApiProblem.of(Kind.SERVICE_UNAVAILABLE,
                    "a backing service did not answer; retry with the same Idempotency-Key", request.path()))
                    .withHeader("Retry-After", "1").toEvent();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "request " + request.id() + " failed", e);
            return ApiResponse.problem(ApiProblem.of(Kind.INTERNAL,
                    "unexpected error; request id " + request.id(), request.path())).toEvent();
        }
    }

    private ApiResponse route(Request request) {
        String userId = request.userId()
                .orElseThrow(() -> problem(Kind.UNAUTHORIZED, "no verified identity: send a valid bearer token", request));
        String path = request.path();
        if (path.equals("/v1/calls")) {
            return switch (request.method()) {
                case "POST" -> place(userId, request);
                case "GET" -> list(userId, request);
                default -> throw notAllowed(request, "GET, POST");
            };
        }
        if (path.equals("/v1/me/balance") || path.equals("/v1/me/ledger")) {
            if (!request.method().equals("GET")) {
                throw notAllowed(request, "GET");
            }
            return path.endsWith("balance") ? balance(userId) : ledger(userId, request);
        }
        if (path.equals("/v1/me/devices")) {
            if (!request.method().equals("GET")) {
                throw notAllowed(request, "GET");
            }
            return ApiResponse.ok(200, new DeviceList(devices.list(userId).stream().map(DeviceView::of).toList()));
        }
        Matcher device = DEVICE_PATH.matcher(path);
        if (device.matches()) {
            return switch (request.method()) {
                case "PUT" -> registerDevice(userId, device.group(1), request);
                case "DELETE" -> {
                    request.jsonBody(Set.of());
                    devices.unregister(userId, device.group(1));
                    yield ApiResponse.noContent();
                }
                default -> throw notAllowed(request, "PUT, DELETE");
            };
        }
        if (path.equals("/v1/me/blocked")) {
            if (!request.method().equals("GET")) {
                throw notAllowed(request, "GET");
            }
            return ApiResponse.ok(200, new BlockedList(blocks.list(userId).stream().map(BlockedView::of).toList()));
        }
        if (path.equals("/v1/me/settings")) {
            return switch (request.method()) {
                case "GET" -> ApiResponse.ok(200, SettingsView.of(settings.get(userId)));
                case "PUT" -> ApiResponse.ok(200, SettingsView.of(settings.put(userId, settingsOf(request))));
                default -> throw notAllowed(request, "GET, PUT");
            };
        }
        Matcher blocked = BLOCKED_PATH.matcher(path);
        if (blocked.matches()) {
            return switch (request.method()) {
                case "PUT" -> {
                    request.jsonBody(Set.of());
                    yield ApiResponse.ok(200, BlockedView.of(blocks.block(userId, blocked.group(1))));
                }
                case "DELETE" -> {
                    request.jsonBody(Set.of());
                    blocks.unblock(userId, blocked.group(1));
                    yield ApiResponse.noContent();
                }
                default -> throw notAllowed(request, "PUT, DELETE");
            };
        }
        Matcher call = CALL_PATH.matcher(path);
        if (!call.matches()) {
            throw problem(Kind.NOT_FOUND, "no route " + path + "; see docs/openapi.yaml", request);
        }
        String callId = call.group(1);
        if (!CALL_ID.matcher(callId).matches()) {
            throw new RequestRefused(Refusal.CALL_NOT_FOUND, "no call " + callId + " of yours");
        }
        LogContext.call(callId);
        String action = call.group(2);
        if (action == null) {
            if (!request.method().equals("GET")) {
                throw notAllowed(request, "GET");
            }
            return ApiResponse.ok(200, calls.view(userId, callId));
        }
        if (action.equals("media")) {
            if (!request.method().equals("GET")) {
                throw notAllowed(request, "GET");
            }
            return mediaJoin(userId, callId);
        }
        if (!request.method().equals("POST")) {
            throw notAllowed(request, "POST");
        }
        return switch (action) {
            case "answer" -> {
                JsonNode body = request.jsonBody(Set.of("connectionId"));
                yield ApiResponse.ok(202, calls.answer(userId, callId, text(body, "connectionId")));
            }
            case "reject" -> {
                request.jsonBody(Set.of());
                yield ApiResponse.ok(202, calls.reject(userId, callId));
            }
            default -> {
                request.jsonBody(Set.of());
                yield ApiResponse.ok(202, calls.hangUp(userId, callId));
            }
        };
    }

    /**
     * The caller's own media join info for the call. It holds a credential (the attendee's join
     * token): it is never logged, and never stored by a cache on the way.
     */
    private ApiResponse mediaJoin(String userId, String callId) {
        return ApiResponse.ok(200, MediaJoinView.of(media.of(userId, callId))).withHeader("Cache-Control", "no-store");
    }

    private ApiResponse place(String userId, Request request) {
        JsonNode body = request.jsonBody(Set.of("calleeUserId", "phoneNumber", "connectionId"));
        if (body == null) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "a JSON body with calleeUserId or phoneNumber is required");
        }
        PlaceCall place = PlaceCall.of(request.header("idempotency-key").orElse(null),
                text(body, "calleeUserId").orElse(null), text(body, "phoneNumber").orElse(null),
                text(body, "connectionId").orElse(null));
        CallControl.Placed placed = calls.place(userId, place);
        LogContext.call(placed.call().callId());
        ApiResponse response = ApiResponse.ok(202, placed.call())
                .withHeader("Location", "/v1/calls/" + placed.call().callId());
        return placed.replayed() ? response.withHeader("Idempotent-Replayed", "true") : response;
    }

    /**
     * A device as its owner sees it: never its tokens (credentials to reach the phone), only the last six
     * characters of the push token, to tell which registration is stored.
     */
    public record DeviceView(String deviceId, PushPlatform platform, String tokenSuffix, boolean hasAlertToken,
            Instant registeredAt) {
        static DeviceView of(Device device) {
            String token = device.token();
            return new DeviceView(device.deviceId(), device.platform(), token.substring(Math.max(0, token.length() - 6)),
                    device.alertToken() != null, device.registeredAt());
        }
    }

    public record DeviceList(List<DeviceView> devices) {}

    /** A user this user blocked, and since when. */
    public record BlockedView(String userId, Instant since) {
        static BlockedView of(BlockList.Block block) {
            return new BlockedView(block.blockedUserId(), block.since());
        }
    }

    public record BlockedList(List<BlockedView> blocked) {}

    /** The user's settings, as the app reads and replaces them. */
    public record SettingsView(boolean silenceUnknownCallers) {
        static SettingsView of(PrivacySettings.Settings settings) {
            return new SettingsView(settings.silenceUnknownCallers());
        }
    }

    /** A replacement of the user's settings: every setting is given (PUT replaces the whole). */
    private static PrivacySettings.Settings settingsOf(Request request) {
        JsonNode body = request.jsonBody(Set.of("silenceUnknownCallers"));
        JsonNode silence = body == null ? null : body.get("silenceUnknownCallers");
        if (silence == null || !silence.isBoolean()) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "silenceUnknownCallers (true or false) is required");
        }
        return new PrivacySettings.Settings(silence.booleanValue());
    }

    private ApiResponse registerDevice(String userId, String deviceId, Request request) {
        JsonNode body = request.jsonBody(Set.of("platform", "token", "alertToken"));
        if (body == null) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "a JSON body with platform and token is required");
        }
        String platform = text(body, "platform").orElseThrow(() -> new RequestRefused(Refusal.INVALID_REQUEST,
                "platform is required"));
        String token = text(body, "token").orElseThrow(() -> new RequestRefused(Refusal.INVALID_REQUEST,
                "token is required"));
        return ApiResponse.ok(200, DeviceView.of(devices.register(userId, deviceId, platform, token,
                text(body, "alertToken"))));
    }

    /** A list of calls and where the next page starts. */
    public record CallList(List<CallView> calls, String nextCursor) {}

    private ApiResponse list(String userId, Request request) {
        Page<CallView> page = calls.calls(userId, request.limit(), request.cursor());
        return ApiResponse.ok(200, new CallList(page.items(), page.next().map(CallApi::encodeCursor).orElse(null)));
    }

    /** An amount as apps show it: a decimal string with at least the currency's minor digits. */
    public record Amount(String amount, String currency) {
        static Amount of(Money money) {
            BigDecimal value = money.toBigDecimal().stripTrailingZeros();
            int digits = Math.max(money.currency().getDefaultFractionDigits(), Math.max(value.scale(), 0));
            return new Amount(value.setScale(digits).toPlainString(), money.currency().getCurrencyCode());
        }
    }

    public record Balance(Amount balance, Amount reserved, Amount available) {}

    private ApiResponse balance(String userId) {
        Account a = account.balance(userId);
        return ApiResponse.ok(200, new Balance(Amount.of(a.balance()), Amount.of(a.reserved()), Amount.of(a.available())));
    }

    public record Entry(LedgerEntry.Kind kind, String reference, Amount amount, Amount balanceAfter,
            Amount reservedAfter, Instant at) {}

    public record Ledger(List<Entry> entries, String nextCursor) {}

    private ApiResponse ledger(String userId, Request request) {
        Page<LedgerEntry> page = account.ledger(userId, request.limit(), request.cursor());
        List<Entry> entries = page.items().stream().map(e -> new Entry(e.kind(), e.reference(), Amount.of(e.amount()),
                Amount.of(e.balanceAfter()), Amount.of(e.reservedAfter()), e.at())).toList();
        return ApiResponse.ok(200, new Ledger(entries, page.next().map(CallApi::encodeCursor).orElse(null)));
    }

    private static Optional<String> text(JsonNode body, String field) {
        if (body == null || !body.has(field) || body.get(field).isNull()) {
            return Optional.empty();
        }
        if (!body.get(field).isTextual()) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, field + " must be a string");
        }
        return Optional.of(body.get(field).asText());
    }

    private static String encodeCursor(String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }

    private static Problem problem(Kind kind, String detail, Request request) {
        return new Problem(ApiResponse.problem(ApiProblem.of(kind, detail, request.path())));
    }

    private static Problem notAllowed(Request request, String allowed) {
        return new Problem(ApiResponse.problem(ApiProblem.of(Kind.METHOD_NOT_ALLOWED,
                request.method() + " is not allowed on " + request.path() + "; use " + allowed, request.path()))
                .withHeader("Allow", allowed));
    }

    /** A request refused by the HTTP layer itself (before any use case ran). */
    private static final class Problem extends RuntimeException {
        final transient ApiResponse response;

        Problem(ApiResponse response) {
            super(null, null, false, false);
            this.response = response;
        }
    }

    /** The parts of an API Gateway v2 request the API uses, header names lower-cased as API Gateway sends them. */
    private record Request(String id, String method, String path, Map<String, String> headers,
            Map<String, String> query, byte[] body, Optional<String> userId) {

        static Request of(APIGatewayV2HTTPEvent event) {
            var context = event.getRequestContext();
            String method = context != null && context.getHttp() != null ? context.getHttp().getMethod() : "GET";
            String path = event.getRawPath() == null ? "/" : event.getRawPath();
            String stage = context == null ? null : context.getStage();
            if (stage != null && !stage.equals("$default") && path.startsWith("/" + stage + "/")) {
                path = path.substring(stage.length() + 1); // a named stage prefixes the path
            }
            Map<String, String> headers = new java.util.HashMap<>();
            if (event.getHeaders() != null) {
                event.getHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
            }
            byte[] body = event.getBody() == null ? new byte[0]
                    : event.getIsBase64Encoded() ? Base64.getDecoder().decode(event.getBody())
                    : event.getBody().getBytes(StandardCharsets.UTF_8);
            Optional<String> sub = Optional.ofNullable(context).map(c -> c.getAuthorizer())
                    .map(a -> a.getJwt()).map(jwt -> jwt.getClaims()).map(claims -> claims.get("sub"))
                    .filter(s -> !s.isBlank());
            return new Request(context == null ? "-" : String.valueOf(context.getRequestId()),
                    method.toUpperCase(Locale.ROOT), path, headers,
                    event.getQueryStringParameters() == null ? Map.of() : event.getQueryStringParameters(), body, sub);
        }

        Optional<String> header(String lowerCaseName) {
            return Optional.ofNullable(headers.get(lowerCaseName));
        }

        /** The JSON object body with only {@code allowed} fields, or null when there is no body. */
        JsonNode jsonBody(Set<String> allowed) {
            if (body.length > MAX_BODY_BYTES) {
                throw problem(Kind.PAYLOAD_TOO_LARGE, "the body is " + body.length + " bytes; at most "
                        + MAX_BODY_BYTES + " are accepted", this);
            }
            if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
                return null;
            }
            String type = header("content-type").orElse("");
            if (!type.toLowerCase(Locale.ROOT).matches("application/json\\s*(;.*)?")) {
                throw problem(Kind.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json, not '" + type + "'", this);
            }
            JsonNode node;
            try {
                node = JSON.readTree(body);
            } catch (java.io.IOException e) {
                throw problem(Kind.MALFORMED_JSON, "the body is not valid JSON: " + whatIsWrong(e), this);
            }
            if (node == null || !node.isObject()) {
                throw problem(Kind.MALFORMED_JSON, "the body must be a JSON object", this);
            }
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!allowed.contains(name)) {
                    throw new RequestRefused(Refusal.INVALID_REQUEST, "unknown field '" + name + "'"
                            + (allowed.isEmpty() ? "; this request takes no body" : "; expected " + allowed));
                }
            }
            return node;
        }

        /**
         * What is wrong with a body that is not JSON, and where, without repeating any of it: the parser's
         * own messages quote the offending input (an unquoted token, a number), and a body may hold a push
         * token or other credential. Only the kind of error (the parser's message up to its first quote,
         * parenthesis or colon), a duplicated field's name and the position are told.
         */
        static String whatIsWrong(java.io.IOException e) {
            if (!(e instanceof JsonProcessingException json)) {
                return "it could not be read";
            }
            String message = json.getOriginalMessage() == null ? "" : json.getOriginalMessage();
            String kind;
            Matcher duplicate = DUPLICATE_FIELD.matcher(message);
            if (duplicate.matches()) { // a name, as in "unknown field", never a value
                kind = "field '" + duplicate.group(1) + "' is given more than once";
            } else if (message.startsWith("Trailing token")) {
                kind = "there is more after the JSON value";
            } else {
                int end = message.length();
                for (char stop : new char[] {'\'', '"', '(', ':', '\n'}) {
                    int at = message.indexOf(stop);
                    if (at >= 0 && at < end) {
                        end = at;
                    }
                }
                kind = message.substring(0, end).strip().toLowerCase(Locale.ROOT);
                if (kind.isEmpty()) {
                    kind = "syntax error";
                }
            }
            JsonLocation at = json.getLocation();
            return at == null || at.getLineNr() < 1 ? kind
                    : kind + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        }

        int limit() {
            String value = query.get("limit");
            if (value == null) {
                return DEFAULT_PAGE;
            }
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new RequestRefused(Refusal.INVALID_REQUEST, "limit must be a number, not '" + value + "'");
            }
        }

        Optional<String> cursor() {
            String value = query.get("cursor");
            if (value == null || value.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new RequestRefused(Refusal.INVALID_REQUEST, "cursor is not one this API returned");
            }
        }
    }
}
