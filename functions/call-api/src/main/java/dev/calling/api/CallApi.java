package dev.calling.api;

import dev.calling.adapters.lambda.LogContext;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;




import com.fasterxml.jackson.databind.JsonNode;


import dev.calling.adapters.realtime.MediaJoinView;
import dev.calling.adapters.http.ApiProblem.Kind;
import dev.calling.adapters.http.ApiRequest;
import dev.calling.adapters.http.ApiResponse;
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

import java.util.List;


import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;


/**
 * The call API behind API Gateway (HTTP API, payload format 2.0): routes a request to the use case,
 * maps JSON in and out, and turns every refusal into {@code application/problem+json}. The caller is
 * the JWT authorizer's {@code sub} claim and nothing else; API Gateway has verified the token
 * before the request gets here (locally, the local gateway does the same).
 */
public final class CallApi {

    private static final System.Logger LOG = System.getLogger(CallApi.class.getName());

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
        return ApiRequest.serve(event, this::route, LOG);
    }

    private ApiResponse route(ApiRequest request) {
        String userId = request.jwtSubject()
                .orElseThrow(() -> ApiRequest.problem(Kind.UNAUTHORIZED, "no verified identity: send a valid bearer token", request));
        String path = request.path();
        if (path.equals("/v1/calls")) {
            return switch (request.method()) {
                case "POST" -> place(userId, request);
                case "GET" -> list(userId, request);
                default -> throw ApiRequest.notAllowed(request, "GET, POST");
            };
        }
        if (path.equals("/v1/me/balance") || path.equals("/v1/me/ledger")) {
            if (!request.method().equals("GET")) {
                throw ApiRequest.notAllowed(request, "GET");
            }
            return path.endsWith("balance") ? balance(userId) : ledger(userId, request);
        }
        if (path.equals("/v1/me/devices")) {
            if (!request.method().equals("GET")) {
                throw ApiRequest.notAllowed(request, "GET");
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
                default -> throw ApiRequest.notAllowed(request, "PUT, DELETE");
            };
        }
        if (path.equals("/v1/me/blocked")) {
            if (!request.method().equals("GET")) {
                throw ApiRequest.notAllowed(request, "GET");
            }
            return ApiResponse.ok(200, new BlockedList(blocks.list(userId).stream().map(BlockedView::of).toList()));
        }
        if (path.equals("/v1/me/settings")) {
            return switch (request.method()) {
                case "GET" -> ApiResponse.ok(200, SettingsView.of(settings.get(userId)));
                case "PUT" -> ApiResponse.ok(200, SettingsView.of(settings.put(userId, settingsOf(request))));
                default -> throw ApiRequest.notAllowed(request, "GET, PUT");
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
                default -> throw ApiRequest.notAllowed(request, "PUT, DELETE");
            };
        }
        Matcher call = CALL_PATH.matcher(path);
        if (!call.matches()) {
            throw ApiRequest.problem(Kind.NOT_FOUND, "no route " + path + "; see docs/openapi.yaml", request);
        }
        String callId = call.group(1);
        if (!CALL_ID.matcher(callId).matches()) {
            throw new RequestRefused(Refusal.CALL_NOT_FOUND, "no call " + callId + " of yours");
        }
        LogContext.call(callId);
        String action = call.group(2);
        if (action == null) {
            if (!request.method().equals("GET")) {
                throw ApiRequest.notAllowed(request, "GET");
            }
            return ApiResponse.ok(200, calls.view(userId, callId));
        }
        if (action.equals("media")) {
            if (!request.method().equals("GET")) {
                throw ApiRequest.notAllowed(request, "GET");
            }
            return mediaJoin(userId, callId);
        }
        if (!request.method().equals("POST")) {
            throw ApiRequest.notAllowed(request, "POST");
        }
        return switch (action) {
            case "answer" -> {
                JsonNode body = request.jsonBody(Set.of("connectionId"));
                yield ApiResponse.ok(202, calls.answer(userId, callId, ApiRequest.text(body, "connectionId")));
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

    private ApiResponse place(String userId, ApiRequest request) {
        JsonNode body = request.jsonBody(Set.of("calleeUserId", "phoneNumber", "connectionId"));
        if (body == null) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "a JSON body with calleeUserId or phoneNumber is required");
        }
        PlaceCall place = PlaceCall.of(request.header("idempotency-key").orElse(null),
                ApiRequest.text(body, "calleeUserId").orElse(null), ApiRequest.text(body, "phoneNumber").orElse(null),
                ApiRequest.text(body, "connectionId").orElse(null));
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
    private static PrivacySettings.Settings settingsOf(ApiRequest request) {
        JsonNode body = request.jsonBody(Set.of("silenceUnknownCallers"));
        JsonNode silence = body == null ? null : body.get("silenceUnknownCallers");
        if (silence == null || !silence.isBoolean()) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "silenceUnknownCallers (true or false) is required");
        }
        return new PrivacySettings.Settings(silence.booleanValue());
    }

    private ApiResponse registerDevice(String userId, String deviceId, ApiRequest request) {
        JsonNode body = request.jsonBody(Set.of("platform", "token", "alertToken"));
        if (body == null) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "a JSON body with platform and token is required");
        }
        String platform = ApiRequest.text(body, "platform").orElseThrow(() -> new RequestRefused(Refusal.INVALID_REQUEST,
                "platform is required"));
        String token = ApiRequest.text(body, "token").orElseThrow(() -> new RequestRefused(Refusal.INVALID_REQUEST,
                "token is required"));
        return ApiResponse.ok(200, DeviceView.of(devices.register(userId, deviceId, platform, token,
                ApiRequest.text(body, "alertToken"))));
    }

    /** A list of calls and where the next page starts. */
    public record CallList(List<CallView> calls, String nextCursor) {}

    private ApiResponse list(String userId, ApiRequest request) {
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

    /** A ledger line as the user sees it: an operator's line with its reason, never the operator (kept for audit). */
    public record Entry(LedgerEntry.Kind kind, String reference, Amount amount, Amount balanceAfter,
            Amount reservedAfter, Instant at, String reason) {}

    public record Ledger(List<Entry> entries, String nextCursor) {}

    private ApiResponse ledger(String userId, ApiRequest request) {
        Page<LedgerEntry> page = account.ledger(userId, request.limit(), request.cursor());
        List<Entry> entries = page.items().stream().map(e -> new Entry(e.kind(), e.reference(), Amount.of(e.amount()),
                Amount.of(e.balanceAfter()), Amount.of(e.reservedAfter()), e.at(),
                e.note().map(LedgerEntry.Note::reason).orElse(null))).toList();
        return ApiResponse.ok(200, new Ledger(entries, page.next().map(CallApi::encodeCursor).orElse(null)));
    }


    private static String encodeCursor(String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }
}
