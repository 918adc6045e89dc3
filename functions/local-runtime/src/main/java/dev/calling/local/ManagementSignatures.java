package dev.calling.local;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.signer.Aws4Signer;
import software.amazon.awssdk.auth.signer.params.Aws4SignerParams;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.regions.Region;

/**
 * What AWS requires of a call to a WebSocket API's management endpoint ({@code execute-api:ManageConnections}),
 * for the local one: a Signature Version 4 by the credentials of this run (made up at start, handed only to the
 * functions' SDK clients), no more than 5 minutes old. The signature is checked by signing the request again
 * with the AWS SDK's own signer at the request's {@code X-Amz-Date}, with the headers the client signed, and
 * comparing, so nothing of SigV4 is written here. The operator API's routes are checked the same way. Anyone else on the machine who posts to {@code /@connections/...} is refused, as in AWS.
 */
final class ManagementSignatures {

    static final String SERVICE = "execute-api";
    /** AWS refuses a signature dated further than this from its clock. */
    static final Duration SKEW = Duration.ofMinutes(5);
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?"
                    + "Signature=([0-9a-f]{64})");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final AwsBasicCredentials credentials;
    private final String region;
    private final Clock clock;

    ManagementSignatures(String region, Clock clock) {
        SecureRandom random = new SecureRandom();
        this.credentials = AwsBasicCredentials.create("LOCAL" + random(random, 15), random(random, 40));
        this.region = region;
        this.clock = clock;
    }

    /** The credentials the functions' management clients sign with. */
    AwsCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(credentials);
    }

    /**
     * Why the request is refused, or empty if it is signed by this run's credentials.
     *
     * @param rawPath the path as sent (still percent-encoded)
     * @param headers the request's headers, names in lower case
     */
    Optional<String> refusal(String method, String rawPath, String rawQuery, Map<String, String> headers, byte[] body) {
        String authorization = headers.get("authorization");
        if (authorization == null) {
            return Optional.of("missing Authentication Token");
        }
        Matcher signed = AUTHORIZATION.matcher(authorization);
        if (!signed.matches()) {
            return Optional.of("the Authorization header is not a Signature Version 4");
        }
        if (!signed.group(1).equals(credentials.accessKeyId())) {
            return Optional.of("the security token included in the request is invalid");
        }
        if (!signed.group(3).equals(region) || !signed.group(4).equals(SERVICE)) {
            return Optional.of("credential should be scoped to a valid region and to " + SERVICE);
        }
        Instant signedAt;
        try {
            signedAt = Instant.from(AMZ_DATE.parse(headers.getOrDefault("x-amz-date", "")));
        } catch (DateTimeParseException e) {
            return Optional.of("missing or malformed X-Amz-Date");
        }
        if (Duration.between(signedAt, clock.instant()).abs().compareTo(SKEW) > 0) {
            return Optional.of("signature expired: " + headers.get("x-amz-date") + " is not within 5 minutes");
        }
        SdkHttpFullRequest.Builder request = SdkHttpFullRequest.builder().method(SdkHttpMethod.fromValue(method))
                .uri(URI.create("http://" + headers.getOrDefault("host", "localhost") + rawPath
                        + (rawQuery == null || rawQuery.isEmpty() ? "" : "?" + rawQuery)))
                .contentStreamProvider(ContentStreamProvider.fromByteArray(body));
        for (String name : List.of(signed.group(5).split(";"))) {
            if (!name.equals("host") && !name.equals("x-amz-date") && headers.containsKey(name)) {
                request.putHeader(name, headers.get(name));
            }
        }
        SdkHttpFullRequest again = resign(request.build(), signedAt);
        String expected = again.firstMatchingHeader("Authorization").orElse("");
        boolean same = MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                authorization.getBytes(StandardCharsets.UTF_8));
        return same ? Optional.empty() : Optional.of("the request signature we calculated does not match the"
                + " signature you provided");
    }

    /**
     * The request signed again with exactly the headers its client signed. The SDK's current signer
     * ({@code AwsV4HttpSigner}) always adds and signs {@code x-amz-content-sha256}, so it cannot reproduce a signature
     * made without it, as {@code curl --aws-sigv4} and other clients make them (and API Gateway accepts); the classic
     * {@code Aws4Signer}, deprecated but still in the SDK, signs the headers it is given, with or without that one.
     */
    @SuppressWarnings("deprecation")
    private SdkHttpFullRequest resign(SdkHttpFullRequest request, Instant signedAt) {
        return Aws4Signer.create().sign(request, Aws4SignerParams.builder().awsCredentials(credentials)
                .signingName(SERVICE).signingRegion(Region.of(region))
                .signingClockOverride(Clock.fixed(signedAt, ZoneOffset.UTC)).build());
    }

    private static String random(SecureRandom random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes).substring(0, length).toUpperCase(Locale.ROOT);
    }
}
