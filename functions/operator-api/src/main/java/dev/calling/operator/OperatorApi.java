package dev.calling.operator;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.http.ApiProblem.Kind;
import dev.calling.adapters.http.ApiRequest;
import dev.calling.adapters.http.ApiResponse;
import dev.calling.core.app.Refusal;
import dev.calling.core.app.RequestRefused;
import dev.calling.core.charging.Account;
import dev.calling.core.charging.LedgerEntry;
import dev.calling.core.money.Money;
import dev.calling.core.operator.AccountAdjustments;
import dev.calling.core.operator.PstnBlock;
import dev.calling.core.operator.PstnBlocking;
import dev.calling.core.operator.RateDeckScheduling;
import dev.calling.core.routing.ScheduledRateDeck;
import java.time.format.DateTimeParseException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator API behind its own API Gateway HTTP API (payload format 2.0) with the IAM authorizer: support staff
 * top up and adjust prepaid accounts and block users' calls to phone numbers. The operator is the IAM principal API
 * Gateway verified the SigV4 signature of ({@code requestContext.authorizer.iam.userArn}) and nothing else: never a
 * field of the body. Errors are {@code application/problem+json} as in the apps' API (the same code).
 */
public final class OperatorApi {

    private static final System.Logger LOG = System.getLogger(OperatorApi.class.getName());

    /** Every route: method and path template (as in docs/operator-openapi.yaml). */
    public static final List<String> ROUTES = List.of(
            "POST /ops/v1/accounts/{userId}/top-ups",
            "POST /ops/v1/accounts/{userId}/adjustments",
            "GET /ops/v1/users/{userId}/pstn-block",
            "PUT /ops/v1/users/{userId}/pstn-block",
            "DELETE /ops/v1/users/{userId}/pstn-block",
            "PUT /ops/v1/carriers/{carrierId}/rate-deck",
            "GET /ops/v1/carriers/{carrierId}/rate-decks");

    private static final Pattern MONEY_PATH = Pattern.compile("/ops/v1/accounts/([^/]+)/(top-ups|adjustments)");
    private static final Pattern BLOCK_PATH = Pattern.compile("/ops/v1/users/([^/]+)/pstn-block");
    private static final Pattern DECK_PATH = Pattern.compile("/ops/v1/carriers/([^/]+)/(rate-deck|rate-decks)");

    private final AccountAdjustments adjustments;
    private final PstnBlocking blocking;
    private final RateDeckScheduling rateDecks;

    public OperatorApi(AccountAdjustments adjustments, PstnBlocking blocking, RateDeckScheduling rateDecks) {
        this.adjustments = adjustments;
        this.blocking = blocking;
        this.rateDecks = rateDecks;
    }

    public APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event) {
        return ApiRequest.serve(event, this::route, LOG);
    }

    private ApiResponse route(ApiRequest request) {
        String operator = request.iamUserArn().orElseThrow(() -> ApiRequest.problem(Kind.UNAUTHORIZED,
                "no verified IAM identity: sign the request with SigV4 (service execute-api)", request));
        Matcher money = MONEY_PATH.matcher(request.path());
        if (money.matches()) {
            if (!request.method().equals("POST")) {
                throw ApiRequest.notAllowed(request, "POST");
            }
            return move(operator, money.group(1), money.group(2).equals("top-ups"), request);
        }
        Matcher block = BLOCK_PATH.matcher(request.path());
        if (block.matches()) {
            String userId = block.group(1);
            return switch (request.method()) {
                case "GET" -> {
                    request.jsonBody(Set.of());
                    yield ApiResponse.ok(200, new PstnBlockView(userId, blocking.of(userId).map(BlockView::of).orElse(null)));
                }
                case "PUT" -> {
                    JsonNode body = request.jsonBody(Set.of("reason"));
                    yield ApiResponse.ok(200, new PstnBlockView(userId,
                            BlockView.of(blocking.block(operator, userId, ApiRequest.text(body, "reason").orElse(null)))));
                }
                case "DELETE" -> {
                    request.jsonBody(Set.of());
                    blocking.unblock(operator, userId);
                    LOG.log(System.Logger.Level.INFO, "PSTN block of " + userId + " lifted by " + operator);
                    yield ApiResponse.noContent();
                }
                default -> throw ApiRequest.notAllowed(request, "GET, PUT, DELETE");
            };
        }
        Matcher deck = DECK_PATH.matcher(request.path());
        if (deck.matches()) {
            boolean one = deck.group(2).equals("rate-deck");
            if (!request.method().equals(one ? "PUT" : "GET")) {
                throw ApiRequest.notAllowed(request, one ? "PUT" : "GET");
            }
            return one ? scheduleDeck(operator, deck.group(1), request) : listDecks(deck.group(1), request);
        }
        throw ApiRequest.problem(Kind.NOT_FOUND, "no route " + request.path() + "; see docs/operator-openapi.yaml", request);
    }

    /**
     * A top-up or an adjustment. Its id is the {@code Idempotency-Key} header or the body's {@code id} (one of
     * them; both only if equal), so a retry after a lost answer applies nothing twice.
     */
    private ApiResponse move(String operator, String userId, boolean topUp, ApiRequest request) {
        JsonNode body = request.jsonBody(Set.of("id", "amount", "currency", "reason"));
        if (body == null) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "a JSON body with amount, currency and reason is required");
        }
        Optional<String> key = request.header("idempotency-key");
        Optional<String> id = ApiRequest.text(body, "id");
        if (key.isPresent() && id.isPresent() && !key.get().equals(id.get())) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "the Idempotency-Key and the body's id differ; send one");
        }
        Money amount = amount(body);
        String operationId = key.or(() -> id).orElse(null);
        String reason = ApiRequest.text(body, "reason").orElse(null);
        AccountAdjustments.Applied applied = topUp
                ? adjustments.topUp(operator, userId, operationId, amount, reason)
                : adjustments.adjust(operator, userId, operationId, amount, reason);
        LOG.log(System.Logger.Level.INFO, (topUp ? "top-up " : "adjustment ") + operationId + " of " + userId + ": "
                + amount + (applied.repeated() ? " (repeated, not applied again)" : "") + " by " + operator);
        ApiResponse response = ApiResponse.ok(applied.repeated() ? 200 : 201, Operation.of(applied, reason));
        return applied.repeated() ? response.withHeader("Idempotent-Replayed", "true") : response;
    }

    /** Schedules the deck uploaded at the body's key for a carrier: 201, or 200 when that deck was already scheduled. */
    private ApiResponse scheduleDeck(String operator, String carrierId, ApiRequest request) {
        JsonNode body = request.jsonBody(Set.of("key", "effectiveFrom", "reason"));
        if (body == null) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "a JSON body with the deck's key is required");
        }
        String key = ApiRequest.text(body, "key").orElseThrow(() -> new RequestRefused(Refusal.INVALID_REQUEST,
                "key is required: the object's key in the rate-decks bucket"));
        Optional<Instant> effectiveFrom = ApiRequest.text(body, "effectiveFrom").map(text -> {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw new RequestRefused(Refusal.INVALID_REQUEST,
                        "effectiveFrom must be an ISO-8601 instant such as 2026-12-06T00:00:00Z");
            }
        });
        RateDeckScheduling.Scheduled scheduled = rateDecks.schedule(operator, carrierId, key, effectiveFrom,
                ApiRequest.text(body, "reason"));
        LOG.log(System.Logger.Level.INFO, "rate deck " + key + " for carrier " + carrierId + " from "
                + scheduled.deck().effectiveFrom() + (scheduled.repeated() ? " (repeated, nothing written)"
                : scheduled.replaced() ? " (replacing a deck not yet in effect)" : "") + " by " + operator);
        ApiResponse response = ApiResponse.ok(scheduled.repeated() ? 200 : 201,
                DeckView.of(scheduled.deck(), null));
        return scheduled.repeated() ? response.withHeader("Idempotent-Replayed", "true") : response;
    }

    private ApiResponse listDecks(String carrierId, ApiRequest request) {
        request.jsonBody(Set.of());
        RateDeckScheduling.Schedule schedule = rateDecks.schedule(carrierId);
        return ApiResponse.ok(200, new ScheduleView(carrierId,
                schedule.decks().stream().map(d -> DeckView.of(d, schedule.inEffect())).toList()));
    }

    private static Money amount(JsonNode body) {
        String value = ApiRequest.text(body, "amount").orElseThrow(() -> new RequestRefused(Refusal.INVALID_REQUEST,
                "amount is required, as a decimal string such as \"5.00\" or \"-1.25\""));
        String code = ApiRequest.text(body, "currency").orElseThrow(() -> new RequestRefused(Refusal.INVALID_REQUEST,
                "currency is required (ISO 4217, such as USD)"));
        Currency currency;
        try {
            currency = Currency.getInstance(code);
        } catch (IllegalArgumentException e) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, "currency must be an ISO 4217 code such as USD");
        }
        if (!value.matches("-?[0-9]{1,9}(\\.[0-9]{1,6})?")) {
            throw new RequestRefused(Refusal.INVALID_REQUEST,
                    "amount must be a decimal string with at most 9 digits before the point and 6 after");
        }
        return Money.of(new BigDecimal(value).toPlainString(), currency);
    }

    /** An amount as the APIs show it (the same shape as the apps' API). */
    public record Amount(String amount, String currency) {
        static Amount of(Money money) {
            BigDecimal value = money.toBigDecimal().stripTrailingZeros();
            int digits = Math.max(money.currency().getDefaultFractionDigits(), Math.max(value.scale(), 0));
            return new Amount(value.setScale(digits).toPlainString(), money.currency().getCurrencyCode());
        }
    }

    /** What a top-up or adjustment did: the ledger line's kind, id, amount and reason, and the account after it. */
    public record Operation(String userId, LedgerEntry.Kind kind, String id, Amount amount, String reason,
            boolean repeated, Amount balance, Amount reserved, Amount available) {
        static Operation of(AccountAdjustments.Applied applied, String reason) {
            Account account = applied.account();
            return new Operation(applied.userId(), applied.kind(), applied.id(), Amount.of(applied.amount()),
                    reason.strip(), applied.repeated(), Amount.of(account.balance()), Amount.of(account.reserved()),
                    Amount.of(account.available()));
        }
    }

    public record BlockView(String reason, String by, Instant since) {
        static BlockView of(PstnBlock block) {
            return new BlockView(block.reason(), block.by(), block.since());
        }
    }

    /**
     * A scheduled deck: {@code inEffect} in a listing only (true for the one pricing the carrier now); the object's
     * {@code versionId} absent where the bucket is not versioned.
     */
    public record DeckView(String carrierId, String effectiveFrom, String key, String versionId, String eTag, int rates,
            String currency, String operator, String reason, String createdAt, Boolean inEffect) {
        static DeckView of(ScheduledRateDeck deck, Optional<ScheduledRateDeck> current) {
            return new DeckView(deck.carrierId(), ScheduledRateDeck.format(deck.effectiveFrom()), deck.object().key(),
                    deck.object().versionId().orElse(null), deck.object().eTag(), deck.rates(),
                    deck.currency().getCurrencyCode(), deck.operator(), deck.reason().orElse(null),
                    ScheduledRateDeck.format(deck.createdAt()),
                    current == null ? null : current.map(deck::equals).orElse(false));
        }
    }

    /** A carrier's scheduled decks, newest first; none in effect means its packaged deck prices it. */
    public record ScheduleView(String carrierId, List<DeckView> decks) {}

    /** A user's PSTN block: {@code block} absent when their calls to phone numbers are not blocked. */
    public record PstnBlockView(String userId, BlockView block) {}
}
