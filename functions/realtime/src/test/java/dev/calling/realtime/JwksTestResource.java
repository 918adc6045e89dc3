package dev.calling.realtime;

import com.sun.net.httpserver.HttpServer;
import dev.calling.adapters.auth.DevTokenIssuer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * For {@code @QuarkusTestResource}: a stand-in user pool. It serves a {@link DevTokenIssuer}'s
 * JWKS over HTTP and points {@code calling.auth.*} at it, so the packaged authorizer fetches its
 * keys by URL exactly as it does from Cognito, with no test-only key setting in production code.
 * The JDK's own HTTP server is enough for one static document.
 */
public final class JwksTestResource implements QuarkusTestResourceLifecycleManager {

    static final String PATH = "/.well-known/jwks.json";

    private static DevTokenIssuer issuer;
    private static final AtomicInteger FETCHES = new AtomicInteger();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        issuer = DevTokenIssuer.generate();
        byte[] jwks = issuer.jwksJson().getBytes(StandardCharsets.UTF_8);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext(PATH, exchange -> {
            FETCHES.incrementAndGet();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, jwks.length);
            exchange.getResponseBody().write(jwks);
            exchange.close();
        });
        server.start();
        return Map.of(
                "calling.auth.issuer", DevTokenIssuer.ISSUER,
                "calling.auth.audience", DevTokenIssuer.AUDIENCE,
                "calling.auth.jwks-url", "http://127.0.0.1:" + server.getAddress().getPort() + PATH);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** The issuer whose keys are served, to mint tokens the authorizer accepts. */
    static DevTokenIssuer issuer() {
        return issuer;
    }

    static int fetches() {
        return FETCHES.get();
    }
}
