package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.core.call.Call;
import dev.calling.core.call.EndReason;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Blocking and silencing unknown callers through the real HTTP API, WebSocket, queues, tables and push sender
 * (issue 18): a blocked user's call never rings, pushes or shows up for the blocker; an unknown caller's call never
 * rings a user who silences unknown callers and is a missed call in their history; to the caller either rings
 * unanswered, as any missed call.
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
    void anUnknownCallerNeverRingsAUserWhoSilencesThemWhoSeesAMissedCallAndOnceKnownTheyRing() throws Exception {
        String cat = LocalApps.user("cat");
        String dan = LocalApps.user("dan");
        var catOnline = apps.online(cat);
        var danOnline = apps.online(dan);
        AppClient catsApp = apps.app(cat);
        assertThat(catsApp.get("/v1/me/settings").body().path("silenceUnknownCallers").asBoolean(true)).isFalse();

        var silenced = catsApp.put("/v1/me/settings", "{\"silenceUnknownCallers\":true}");
        assertThat(silenced.status()).as(silenced.body().toString()).isEqualTo(200);
        assertThat(silenced.body().path("silenceUnknownCallers").asBoolean()).isTrue();
        assertThat(catsApp.get("/v1/me/settings").body().path("silenceUnknownCallers").asBoolean()).isTrue();

        String unknown = apps.placeCall(apps.app(dan), cat);
        danOnline.socket().awaitCall(unknown, "RINGING");
        JsonNode told = catOnline.socket().await(message -> message.path("call").path("callId").asText()
                .equals(unknown), WAIT);
        assertThat(told.path("call").path("state").asText()).as("cat is told at once of a missed call, never of a ring")
                .isEqualTo("ENDED");
        assertThat(told.path("call").path("endReason").asText()).isEqualTo("MISSED");
        assertThat(told.path("call").path("silenced").asBoolean()).isTrue();
        Call call = system.awaitEnded(unknown, WAIT.plus(RING));
        assertThat(call.endReason()).as("to dan it rang unanswered").isEqualTo(EndReason.MISSED);
        assertThat(Duration.between(call.requestedAt(), call.endedAt())).isGreaterThanOrEqualTo(RING);
        assertThat(call.ringingConnectionIds()).isEmpty();
        Thread.sleep(500); // the end is pushed to both in the same breath
        assertThat(catOnline.socket().messages).as("cat's app was never asked to ring")
                .filteredOn(message -> message.toString().contains(unknown))
                .noneMatch(message -> message.path("call").path("state").asText().equals("RINGING"))
                .allMatch(message -> message.path("call").path("silenced").asBoolean());
        var seen = catsApp.get("/v1/calls/" + unknown).body();
        assertThat(seen.path("state").asText()).isEqualTo("ENDED");
        assertThat(seen.path("endReason").asText()).isEqualTo("MISSED");
        assertThat(seen.path("silenced").asBoolean()).isTrue();
        assertThat(catsApp.get("/v1/calls").body().path("calls").findValuesAsText("callId")).contains(unknown);
        assertThat(catsApp.post("/v1/calls/" + unknown + "/answer", null).status()).isEqualTo(409);
        assertThat(apps.app(dan).get("/v1/calls/" + unknown).body().has("silenced")).as("not revealed").isFalse();

        String callBack = apps.placeCall(catsApp, dan); // cat calls dan: she knows him from now on
        danOnline.socket().awaitCall(callBack, "RINGING");
        assertThat(apps.app(dan).post("/v1/calls/" + callBack + "/reject", null).status()).isEqualTo(202);
        assertThat(system.awaitEnded(callBack, WAIT).endReason()).isEqualTo(EndReason.REJECTED);
        String known = apps.placeCall(apps.app(dan), cat);
        catOnline.socket().awaitCall(known, "RINGING");
        assertThat(catsApp.post("/v1/calls/" + known + "/reject", null).status()).isEqualTo(202);
        assertThat(system.awaitEnded(known, WAIT).endReason()).isEqualTo(EndReason.REJECTED);
    }

    @Test
    void aSettingThatIsNotABooleanIsAProblemAndWritesNothing() {
        AppClient app = apps.app(LocalApps.user("eve"));

        for (var reply : List.of(app.put("/v1/me/settings", "{}"),
                app.put("/v1/me/settings", "{\"silenceUnknownCallers\":\"yes\"}"),
                app.put("/v1/me/settings", "{\"silenceUnknownCallers\":true,\"dnd\":true}"),
                app.put("/v1/me/settings", "{\"silenceUnknownCallers\":true} {}"))) {
            assertThat(reply.status()).as(reply.body().toString()).isEqualTo(400);
            assertThat(reply.contentType()).startsWith("application/problem+json");
        }
        assertThat(app.get("/v1/me/settings").body().path("silenceUnknownCallers").asBoolean(true)).isFalse();
        assertThat(app.post("/v1/me/settings", "{}").status()).isEqualTo(405);
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
