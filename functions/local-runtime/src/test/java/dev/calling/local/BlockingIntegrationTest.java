package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.core.call.Call;
import dev.calling.core.call.EndReason;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Blocking through the real HTTP API, WebSocket, queues, tables and push sender (issue 18): a blocked user's call
 * never rings, pushes or shows up for the blocker, and to the caller it rings unanswered, as any missed call.
 */
class BlockingIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(40);
    static final Duration RING = Duration.ofSeconds(6);

    static LocalSystem system;
    static DevTokenIssuer tokens;
    static LocalApps apps;

    @BeforeAll
    static void start() {
        tokens = DevTokenIssuer.generate();
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(RING)
                .withRetryAfter(Duration.ofSeconds(1)).withApi(new LocalSystem.Api(0, 0, tokens)));
        apps = new LocalApps(system, tokens, WAIT);
    }

    @AfterAll
    static void stop() {
        apps.close();
        system.close();
    }

    @Test
    void aBlockedCallersCallNeverReachesTheBlockerWhoNeverSeesItAndAfterTheUnblockItRings() throws Exception {
        String ann = LocalApps.user("ann");
        String bob = LocalApps.user("bob");
        var annOnline = apps.online(ann);
        var bobOnline = apps.online(bob);
        AppClient bobsApp = apps.app(bob);
        assertThat(bobsApp.put("/v1/me/devices/bob-iphone", "{\"platform\":\"APNS_VOIP\",\"token\":\"" + "ab".repeat(32)
                + "\"}").status()).isEqualTo(200);

        var blocked = bobsApp.put("/v1/me/blocked/" + ann, "{}");
        assertThat(blocked.status()).as(blocked.body().toString()).isEqualTo(200);
        assertThat(blocked.body().path("userId").asText()).isEqualTo(ann);
        assertThat(bobsApp.get("/v1/me/blocked").body().path("blocked").findValuesAsText("userId")).containsExactly(ann);

        String callId = apps.placeCall(apps.app(ann), bob);
        annOnline.socket().awaitCall(callId, "RINGING");
        Call call = system.awaitEnded(callId, WAIT.plus(RING));
        assertThat(call.endReason()).as("to ann it rang unanswered: the block is not revealed")
                .isEqualTo(EndReason.MISSED);
        assertThat(Duration.between(call.requestedAt(), call.endedAt())).as("at the ring timeout").isGreaterThanOrEqualTo(RING);
        assertThat(call.ringingConnectionIds()).isEmpty();
        assertThat(call.pushedDeviceIds()).isEmpty();
        annOnline.socket().awaitCall(callId, "ENDED");
        assertThat(apps.app(ann).get("/v1/calls/" + callId).body().path("endReason").asText()).isEqualTo("MISSED");

        // Pushed to ann just now: had bob been told of the ringing or the end, it would have been in the same breath.
        Thread.sleep(500);
        assertThat(bobOnline.socket().messages).noneMatch(message -> message.toString().contains(callId));
        assertThat(system.sns().requests("Publish")).noneMatch(publish -> publish.toString().contains(callId));
        assertThat(bobsApp.get("/v1/calls/" + callId).status()).isEqualTo(404);
        assertThat(bobsApp.get("/v1/calls").body().path("calls").findValuesAsText("callId")).doesNotContain(callId);
        assertThat(apps.app(ann).get("/v1/calls").body().path("calls").findValuesAsText("callId")).contains(callId);

        assertThat(bobsApp.delete("/v1/me/blocked/" + ann).status()).isEqualTo(204);
        assertThat(bobsApp.delete("/v1/me/blocked/" + ann).status()).as("again: nothing to do").isEqualTo(204);
        assertThat(bobsApp.get("/v1/me/blocked").body().path("blocked")).isEmpty();
        String again = apps.placeCall(apps.app(ann), bob);
        bobOnline.socket().awaitCall(again, "RINGING");
        assertThat(apps.app(ann).post("/v1/calls/" + again + "/hangup", null).status()).isEqualTo(202);
        assertThat(system.awaitEnded(again, WAIT).endReason()).isEqualTo(EndReason.CANCELLED);
    }

    @Test
    void blockingOneselfOrAMalformedIdIsAProblemAndWritesNothing() {
        String ann = LocalApps.user("ann");
        AppClient app = apps.app(ann);

        for (var reply : List.of(app.put("/v1/me/blocked/" + ann, "{}"), app.put("/v1/me/blocked/a%20b", "{}"),
                app.put("/v1/me/blocked/zed", "{\"reason\":\"spam\"}"))) {
            assertThat(reply.status()).as(reply.body().toString()).isEqualTo(400);
            assertThat(reply.contentType()).startsWith("application/problem+json");
        }
        assertThat(app.get("/v1/me/blocked").body().path("blocked")).isEmpty();
        assertThat(app.post("/v1/me/blocked", "{}").status()).isEqualTo(405);
    }
}
