package dev.calling.adapters.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.calling.adapters.http.ApiProblem.Kind;
import dev.calling.core.app.Refusal;
import dev.calling.core.app.RequestRefused;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.calling.core.privacy.LogMasking;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The parts of an API Gateway HTTP API request (payload format 2.0) that the HTTP APIs use, header names
 * lower-cased as API Gateway sends them, and who the authorizer says sent it: the JWT authorizer's {@code sub}
 * (the apps' API) or the IAM authorizer's {@code userArn} (the operator API). Bodies are read strictly, and every
 * refusal, at any layer, becomes {@code application/problem+json} ({@link #serve}).
 */
public record ApiRequest(String id, String method, String path, Map<String, String> headers,
        Map<String, String> query, byte[] body, Optional<String> jwtSubject, Optional<String> iamUserArn) {

    /** Bodies are a few fields; anything bigger is a mistake or an attack. */
    public static final int MAX_BODY_BYTES = 16 * 1024;
    public static final int DEFAULT_PAGE = 20;

    /**
     * Bodies are read strictly: a field given twice (which value would win?) and anything after the JSON
     * value are malformed, not silently dropped.
     */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    /** Jackson's message for a field given twice (StreamReadFeature.STRICT_DUPLICATE_DETECTION). */
    private static final Pattern DUPLICATE_FIELD = Pattern.compile("Duplicate field '([^']{1,64})'");

    /**
     * Answers {@code event} with what {@code route} makes of it; a refusal by a use case or by the HTTP layer is
     * its problem, an AWS failure a 503 to retry, anything else a 500 naming the request id (logged with it).
     */
    public static APIGatewayV2HTTPResponse serve(APIGatewayV2HTTPEvent event, Function<ApiRequest, ApiResponse> route,
            System.Logger log) {
        ApiRequest request = of(event);
        try {
            return route.apply(request).toEvent();
        } catch (RequestRefused refused) {
            ApiResponse response = ApiResponse.problem(ApiProblem.of(refused.refusal(), refused.getMessage(), request.path()));
            return refused.retryAfter().map(wait -> response.withHeader("Retry-After",
                    Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000)))).orElse(response).toEvent();
        } catch (Problem problem) {
            return problem.response.toEvent();
        } catch (SdkException e) {
            log.log(System.Logger.Level.WARNING, "request " + request.id() + " failed on AWS: "
                    + LogMasking.text(e.getMessage()));
            return ApiResponse.problem(ApiProblem.of(Kind.SERVICE_UNAVAILABLE,
                    "a backing service did not answer; retry with the same Idempotency-Key", request.path()))
                    .withHeader("Retry-After", "1").toEvent();
        } catch (RuntimeException e) {
            log.log(System.Logger.Level.ERROR, "request " + request.id() + " failed", e);
            return ApiResponse.problem(ApiProblem.of(Kind.INTERNAL,
                    "unexpected error; request id " + request.id(), request.path())).toEvent();
        }
    }

    public static ApiRequest of(APIGatewayV2HTTPEvent event) {
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
        var authorizer = Optional.ofNullable(context).map(c -> c.getAuthorizer());
        Optional<String> sub = authorizer.map(a -> a.getJwt()).map(jwt -> jwt.getClaims()).map(claims -> claims.get("sub"))
                .filter(s -> !s.isBlank());
        Optional<String> userArn = authorizer.map(a -> a.getIam()).map(iam -> iam.getUserArn()).filter(s -> !s.isBlank());
        return new ApiRequest(context == null ? "-" : String.valueOf(context.getRequestId()),
                method.toUpperCase(Locale.ROOT), path, headers,
                event.getQueryStringParameters() == null ? Map.of() : event.getQueryStringParameters(), body, sub, userArn);
    }

    /** A string field of a body, empty when absent or null; refused when not a string. */
    public static Optional<String> text(JsonNode body, String field) {
        if (body == null || !body.has(field) || body.get(field).isNull()) {
            return Optional.empty();
        }
        if (!body.get(field).isTextual()) {
            throw new RequestRefused(Refusal.INVALID_REQUEST, field + " must be a string");
        }
        return Optional.of(body.get(field).asText());
    }

    public static Problem problem(Kind kind, String detail, ApiRequest request) {
        return new Problem(ApiResponse.problem(ApiProblem.of(kind, detail, request.path())));
    }

    public static Problem notAllowed(ApiRequest request, String allowed) {
        return new Problem(ApiResponse.problem(ApiProblem.of(Kind.METHOD_NOT_ALLOWED,
                request.method() + " is not allowed on " + request.path() + "; use " + allowed, request.path()))
                .withHeader("Allow", allowed));
    }

    /** A request refused by the HTTP layer itself (before any use case ran). */
    public static final class Problem extends RuntimeException {
        final transient ApiResponse response;

        Problem(ApiResponse response) {
            super(null, null, false, false);
            this.response = response;
        }
    }

    public Optional<String> header(String lowerCaseName) {
        return Optional.ofNullable(headers.get(lowerCaseName));
    }

    /** The JSON object body with only {@code allowed} fields, or null when there is no body. */
    public JsonNode jsonBody(Set<String> allowed) {
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
    public static String whatIsWrong(java.io.IOException e) {
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

    public int limit() {
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

    public Optional<String> cursor() {
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
