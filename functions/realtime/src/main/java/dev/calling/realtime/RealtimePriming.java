package dev.calling.realtime;

import dev.calling.adapters.auth.TokenVerifier;
import dev.calling.adapters.sqs.QueueArn;
import dev.calling.lambda.SnapStartPriming;
import io.quarkus.arc.ClientProxy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SnapStart priming, for whichever of the two handlers this function runs. Quarkus starts the
 * application during init (its SnapStart full warm-up), but the beans are built on first use and
 * the first SQS request loads most of the SDK, so a first $connect after a restore took about
 * twenty times a warm one (docs/benchmarks.md, "Cold start"). Just before Lambda takes the
 * snapshot this builds Realtime's collaborators and asks the connection-events queue for its ARN
 * (nothing is sent); for the authorizer it has the verifier check a token signed by no key it
 * knows, which fetches the issuer's keys and goes through the JWT parsing, and is refused. A
 * failure is logged and does not stop the snapshot.
 */
@ApplicationScoped
class RealtimePriming extends SnapStartPriming {

    @Inject
    RealtimeConnections connections;

    @Inject
    TokenVerifier verifier;

    @Inject
    SqsClient sqs;

    @Inject
    Config config;

    @ConfigProperty(name = "quarkus.lambda.handler")
    String handler;

    @Override
    protected String prime() {
        if (handler.equals("RealtimeAuthorizer")) {
            try {
                verifier.verify(unknownKeyToken());
            } catch (RuntimeException refused) {
                // expected: no key has this id
            }
        } else {
            ClientProxy.unwrap(connections);
            String url = config.getValue("calling.queues.connection-events", String.class);
            QueueArn.of(sqs, url);
        }
        return handler + (handler.equals("Realtime") ? " beans, queue attributes" : " token check, keys fetched");
    }

    /** An RS256 JWT whose key id the issuer does not have (its signature is never checked). */
    private static String unknownKeyToken() {
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        String header = "{\"alg\":\"RS256\",\"kid\":\"" + NOBODY + "\"}";
        String claims = "{\"sub\":\"" + NOBODY + "\",\"exp\":" + (System.currentTimeMillis() / 1000 + 60) + "}";
        return base64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + base64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + base64.encodeToString(new byte[256]);
    }
}
