package dev.calling.localstack;

import dev.calling.adapters.AwsClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * One LocalStack container for every test class of this module, started on first use and stopped
 * with the JVM. Its tables, queues and bucket are created by the committed init script (generated
 * from Resources), exactly as a developer's docker compose gets them, so these tests check that
 * script too.
 */
final class LocalStack {

    private static LocalStackContainer container;
    private static AwsClients clients;

    private LocalStack() {}

    static synchronized AwsClients clients() {
        if (container == null) {
            Path script = Path.of(System.getProperty("localstack.init.script", "init/ready.d/10-calling-resources.sh"));
            LocalStackContainer started = new LocalStackContainer(
                    DockerImageName.parse(System.getProperty("localstack.image", "localstack/localstack:4.9"))
                            .asCompatibleSubstituteFor("localstack/localstack"))
                    .withServices("dynamodb", "sqs", "s3")
                    .withCopyFileToContainer(MountableFile.forHostPath(script, 0755),
                            "/etc/localstack/init/ready.d/10-calling-resources.sh");
            Optional.ofNullable(System.getenv("LOCALSTACK_AUTH_TOKEN"))
                    .ifPresent(token -> started.withEnv("LOCALSTACK_AUTH_TOKEN", token));
            started.start();
            awaitInitScripts(started.getEndpoint());
            container = started;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
            URI endpoint = started.getEndpoint();
            clients = new AwsClients(started.getRegion(), Optional.of(endpoint), Optional.of(endpoint),
                    Optional.of(endpoint));
        }
        return clients;
    }

    /** LocalStack says "Ready." before its ready.d scripts finish; its init endpoint tells when they have. */
    private static void awaitInitScripts(URI endpoint) {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            try {
                last = http.send(HttpRequest.newBuilder(endpoint.resolve("/_localstack/init/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (last.replace(" ", "").contains("\"completed\":true")) {
                    if (last.contains("\"ERROR\"")) {
                        throw new IllegalStateException("the init script failed: " + last);
                    }
                    return;
                }
                Thread.sleep(500);
            } catch (java.io.IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("LocalStack init scripts did not finish: " + last);
    }
}
