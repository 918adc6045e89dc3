package dev.calling.adapters.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.calling.adapters.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/** A response of an HTTP API: status, extra headers, and a JSON body (a view, or a problem). */
public record ApiResponse(int status, Map<String, String> headers, Object body) {

    public static ApiResponse ok(int status, Object body) {
        return new ApiResponse(status, Map.of(), body);
    }

    /** 204: done, nothing to say. */
    public static ApiResponse noContent() {
        return new ApiResponse(204, Map.of(), null);
    }

    public static ApiResponse problem(ApiProblem problem) {
        return new ApiResponse(problem.status(), Map.of(), problem);
    }

    public ApiResponse withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new ApiResponse(status, more, body);
    }

    public APIGatewayV2HTTPResponse toEvent() {
        Map<String, String> all = new LinkedHashMap<>();
        if (body != null) {
            all.put("content-type", body instanceof ApiProblem ? ApiProblem.MEDIA_TYPE : "application/json");
        }
        all.put("cache-control", "no-store");
        headers.forEach((name, value) -> all.put(name.toLowerCase(java.util.Locale.ROOT), value));
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(all)
                .withBody(body == null ? "" : Json.writeView(body)).withIsBase64Encoded(false).build();
    }
}
