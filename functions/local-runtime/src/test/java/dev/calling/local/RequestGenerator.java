package dev.calling.local;

import dev.calling.api.CallApi;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Makes raw HTTP/1.1 requests to the apps' API as a hostile or buggy client would: a route of the API (or none),
 * its ids replaced by hostile ones, a query string, headers and a body, each often well-formed and often not. The
 * bodies start from the valid body of a route and are mutated. Deterministic for a given {@link Random}.
 */
final class RequestGenerator {

    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE");

    private static final List<String> PATHS = List.of("/v1/calls", "/v1/calls/{id}", "/v1/calls/{id}/answer",
            "/v1/calls/{id}/reject", "/v1/calls/{id}/hangup", "/v1/calls/{id}/media", "/v1/me/balance",
            "/v1/me/ledger", "/v1/me/devices", "/v1/me/devices/{id}", "/v1/me/blocked", "/v1/me/blocked/{id}",
            "/v1/me/settings", "/v1", "/", "/v1/me", "/v2/calls", "/V1/CALLS", "/v1//calls", "/v1/calls/");

    private static final List<String> IDS = List.of("ben", "call-65b3207aa7f479599cd76ee5178f11ad", "mallory",
            "iphone-1", "", "%zz", "%E0%A4%A", "%00", "%2F..%2F", "..", "%C3%A9t%C3%A9", "a%20b", "x".repeat(300),
            "call-" + "0".repeat(32), "%FF%FE", "\u00e9", "{id}", "ben;drop", "ben%0D%0AX-Injected:%201",
            "1e309", "-1", "null");

    private static final List<String> QUERIES = List.of("", "?limit=1", "?limit=0", "?limit=-1", "?limit=101",
            "?limit=99999999999999999999", "?limit=abc", "?limit=", "?limit", "?cursor=AAAA", "?cursor=%zz",
            "?cursor=eyJ4IjoxfQ", "?cursor=" + "Q".repeat(3000), "?limit=5&limit=6", "?&&&=", "?a=%",
            "?limit=1%00", "?cursor=%E0%A4%A&limit=2", "?x=" + "y".repeat(200));

    private static final List<String> CONTENT_TYPES = List.of("application/json", "application/json; charset=utf-8",
            "text/plain", "", "application/json;;", "APPLICATION/JSON", "application/jsonx", "multipart/form-data");

    /** Valid bodies of the routes that take one, to mutate. */
    private static final List<String> BODIES = List.of("{\"calleeUserId\":\"ben\"}",
            "{\"phoneNumber\":\"+447400123456\"}", "{\"calleeUserId\":\"ben\",\"connectionId\":\"AAAAAAAAAAAAAAA=\"}",
            "{\"platform\":\"APNS_VOIP\",\"token\":\"" + "ab".repeat(32) + "\"}",
            "{\"platform\":\"FCM\",\"token\":\"fcm-token-1\"}", "{\"silenceUnknownCallers\":true}",
            "{\"connectionId\":\"AAAAAAAAAAAAAAA=\"}", "{}", "");

    private static final List<String> JSON_NOISE = List.of("{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true",
            "1e999999", "-0", "NaN", "\"\\ud800\"", "\"\\u0000\"", "{\"calleeUserId\":\"x\"}", "//", "/*", "\u0000",
            "\"calleeUserId\":1", "\"phoneNumber\":[]");

    private RequestGenerator() {}

    /** One request, with the bearer {@code token} most of the time. */
    static String request(Random random, String token) {
        String method;
        String path;
        if (random.nextInt(4) != 0) { // mostly a route of the API with its own method, to reach its body's reader
            String[] route = pick(random, CallApi.ROUTES).split(" ");
            method = route[0];
            path = route[1].replaceAll("\\{[a-zA-Z]+}", random.nextBoolean() ? "{id}" : "ben");
        } else {
            method = pick(random, METHODS);
            path = pick(random, PATHS);
        }
        path = path.replace("{id}", pick(random, IDS));
        String target = path + (random.nextInt(3) == 0 ? pick(random, QUERIES) : "");
        byte[] body = random.nextInt(3) == 0 ? new byte[0] : body(random);
        StringBuilder request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        request.append("Host: localhost\r\n");
        switch (random.nextInt(20)) {
            case 0 -> { } // no token
            case 1 -> request.append("Authorization: Bearer e30.e30.").append(random.nextInt()).append("\r\n");
            case 2 -> request.append("Authorization: Basic bWFsbG9yeTpwdw==\r\n");
            default -> request.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        String type = pick(random, CONTENT_TYPES);
        if (!type.isEmpty() && body.length > 0) {
            request.append("Content-Type: ").append(type).append("\r\n");
        }
        if (random.nextInt(3) == 0) {
            request.append("Idempotency-Key: ").append(idempotencyKey(random)).append("\r\n");
        }
        request.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        return request + new String(body, StandardCharsets.ISO_8859_1);
    }

    private static String idempotencyKey(Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> "";
            case 1 -> "k".repeat(1 + random.nextInt(400));
            case 2 -> "key with spaces";
            case 3 -> "k-" + random.nextInt(20); // repeats: a retry, or the same key with another body
            default -> "\u00e9\u00e8"; // sent as ISO-8859-1 bytes
        };
    }

    /** A valid body mutated zero or more times, as UTF-8 bytes (sometimes made invalid UTF-8). */
    private static byte[] body(Random random) {
        String json = pick(random, BODIES);
        int mutations = random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            json = mutate(random, json);
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0 && random.nextInt(12) == 0) {
            bytes[random.nextInt(bytes.length)] = (byte) (0x80 | random.nextInt(0x40)); // a stray continuation byte
        }
        return bytes;
    }

    private static String mutate(Random random, String json) {
        int at = json.isEmpty() ? 0 : random.nextInt(json.length() + 1);
        return switch (random.nextInt(9)) {
            case 0 -> json.substring(0, at); // cut
            case 1 -> json.substring(0, at) + pick(random, JSON_NOISE) + json.substring(at); // insert
            case 2 -> json + " " + pick(random, BODIES); // trailing data
            case 3 -> json.isEmpty() ? json : json.substring(0, json.length() - 1) + ",\"calleeUserId\":\"ann\"}"; // dup
            case 4 -> "[".repeat(1 + random.nextInt(5000)) + json; // deep nesting
            case 5 -> json.replace("true", "\"true\"").replace("\"ben\"", "42"); // retyped
            case 6 -> json.replace("ben", "b".repeat(1 + random.nextInt(100_000))); // long values
            case 7 -> json.isEmpty() ? json : json.substring(0, at) + json.substring(Math.min(json.length(), at + 1));
            default -> json.replace("{", "{\"" + "k".repeat(random.nextInt(50)) + "\":" + random.nextLong() + ",");
        };
    }

    private static <T> T pick(Random random, List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }
}
