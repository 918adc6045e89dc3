package dev.calling.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;

/**
 * Test fixture: requests to the operator API on the local gateway as an operator sends them in AWS, signed with
 * Signature Version 4 (service execute-api) by the AWS SDK's own signer.
 */
final class OperatorRequests {

    /** HTTP/1.1, as curl and the SDKs send to a plain-HTTP endpoint (an h2c upgrade would carry no Host header). */
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final ObjectMapper JSON = new ObjectMapper();

    record Reply(int status, String contentType, JsonNode body) {}

    private OperatorRequests() {}

    /** A request to {@code http} signed by {@code credentials}, sent as signed. */
    static Reply signed(URI http, AwsCredentials credentials, String method, String path, String json,
            String... headers) throws Exception {
        byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method))
                .uri(http.resolve(path));
        if (json != null) {
            unsigned.putHeader("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            unsigned.putHeader(headers[i], headers[i + 1]);
        }
        SdkHttpRequest signedRequest = AwsV4HttpSigner.create().sign(r -> r.identity(credentials)
                .request(unsigned.build()).payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                .putProperty(AwsV4HttpSigner.REGION_NAME, dev.calling.embedded.EmbeddedAws.REGION)).request();
        HttpRequest.Builder request = HttpRequest.newBuilder(signedRequest.getUri())
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        signedRequest.headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host")) {
                request.header(name, values.get(0));
            }
        });
        return send(request);
    }

    static Reply send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.headers().firstValue("content-type").orElse(""),
                response.body().isEmpty() ? null : JSON.readTree(response.body()));
    }
}
