package dev.calling.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.core.call.CallCommand;
import dev.calling.core.push.Device;
import dev.calling.core.push.PushKind;
import dev.calling.core.push.PushPlatform;
import dev.calling.embedded.SnsStub;
import dev.calling.push.sns.PlatformApplications;
import dev.calling.push.sns.PushMessages;
import dev.calling.push.sns.PushOutcome;
import dev.calling.push.sns.SnsClients;
import dev.calling.push.sns.SnsPlatform;
import dev.calling.push.sns.SnsPushGateway;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * The push figures of the verdict, from what SNS really answered: the local SNS (its stub) behind the push
 * sender's own SNS client and gateway, its request log read back through {@link SnsJournal}. A push of a kind
 * that SNS accepted twice for one device fails the verdict; Publish requests SNS refused (5xx, throttling) are
 * not pushes and do not count against it; kinds and devices are told apart.
 */
class PushVerdictTest {

    static final String HEX_A = "a1".repeat(32);
    static final String HEX_B = "b2".repeat(32);
    static final String ALERT = "c3".repeat(32);
    static final String FCM = "fcm_instance_id:" + "Zx9-".repeat(30);
    static final PlatformApplications APPLICATIONS = PlatformApplications.of(Map.of(
            SnsPlatform.APNS_VOIP, SnsStub.application("APNS_VOIP", "verdict-voip"),
            SnsPlatform.APNS, SnsStub.application("APNS", "verdict"),
            SnsPlatform.GCM, SnsStub.application("GCM", "verdict")));

    SnsStub sns;
    SnsClient client;
    SnsPushGateway gateway;

    @BeforeEach
    void start() {
        sns = SnsStub.start();
        client = SnsClients.create("us-east-1", Optional.of(sns.endpoint()));
        gateway = new SnsPushGateway(client, APPLICATIONS);
    }

    @AfterEach
    void stop() {
        client.close();
        sns.close();
    }

    static Device iPhone(String user, String voipToken) {
        return new Device(user, "iphone", PushPlatform.APNS_VOIP, voipToken, ALERT, Instant.now());
    }

    static CallCommand.PushCallee push(String callId, String callee, PushKind kind) {
        return new CallCommand.PushCallee(callId, "alice", callee, kind, List.of("iphone"),
                kind == PushKind.RING ? Instant.now().plusSeconds(30) : null);
    }

    Audit audited() {
        Audit audit = new Audit(null, null, null); // the push figures read SNS's log alone
        audit.pushes(SnsJournal.read(sns.endpoint()), sns::tokenOf);
        return audit;
    }

    @Test
    void aRingAcceptedTwiceForOneDeviceFailsTheVerdict() {
        Device bob = iPhone("bob", HEX_A);
        assertThat(gateway.send(bob, push("call-twice", "bob", PushKind.RING), Instant.now()))
                .isInstanceOf(PushOutcome.Sent.class);
        assertThat(audited().ok()).as("one ring: fine").isTrue();

        // The same ring sent again (as a push sender without its markers would): SNS accepts it a second time.
        gateway.send(bob, push("call-twice", "bob", PushKind.RING), Instant.now());

        Audit audit = audited();
        assertThat(audit.callsPushedTwice).containsExactly(Map.entry("call-twice", 1L));
        assertThat(audit.mustBeZero()).containsEntry("calls with more than 1 push of a kind to a device", 1L);
        assertThat(audit.ok()).isFalse();
        FaultSuite.Report report = AuditTest.report(audit, 1);
        assertThat(report.ok()).isFalse();
        assertThat(AuditTest.printed(report)).contains("calls with more than 1 push of a kind to a device (must be 0)  1",
                "call-twice=1 extra", "failed on: calls with more than 1 push of a kind to a device 1", "VERDICT: FAILED");
    }

    @Test
    void publishRequestsSnsRefusedAreNotPushesAndAreCountedByCode() {
        Device bob = iPhone("bob", HEX_A);
        sns.failPublish(HEX_A, 429, "Throttled", 1);
        sns.failPublish(HEX_A, 500, "InternalError", 1);
        // Two refusals, then accepted: the client's own retries (SnsClients), one push.
        assertThat(gateway.send(bob, push("call-retried", "bob", PushKind.RING), Instant.now()))
                .isInstanceOf(PushOutcome.Sent.class);
        sns.failPublish(ALERT, 400, "Throttling", 3);
        assertThat(gateway.send(bob, push("call-retried", "bob", PushKind.CANCEL), Instant.now()))
                .isInstanceOf(PushOutcome.Retryable.class);
        assertThat(gateway.send(bob, push("call-retried", "bob", PushKind.CANCEL), Instant.now()))
                .isInstanceOf(PushOutcome.Sent.class);

        Audit audit = audited();
        assertThat(sns.requests("Publish")).as("the stub's own log holds refused requests too").hasSize(7);
        assertThat(audit.pushesAccepted).containsExactlyInAnyOrderEntriesOf(Map.of("RING", 1L, "CANCEL", 1L));
        assertThat(audit.publishRefused).containsExactlyInAnyOrderEntriesOf(
                Map.of("429 Throttled", 1L, "500 InternalError", 1L, "400 Throttling", 3L));
        assertThat(audit.snsRequests).containsEntry("Publish", 7L).containsEntry("CreatePlatformEndpoint", 3L);
        assertThat(audit.callsPushedTwice).isEmpty();
        assertThat(audit.ok()).isTrue();
    }

    @Test
    void eachKindAndEachDeviceIsItsOwnPushAndAndroidPayloadsAreReadToo() {
        Device bobsIphone = iPhone("bob", HEX_A);
        Device bobsOtherIphone = new Device("bob", "iphone", PushPlatform.APNS_VOIP, HEX_B, null, Instant.now());
        Device carolsPixel = new Device("carol", "pixel", PushPlatform.FCM, FCM, null, Instant.now());
        for (PushKind kind : PushKind.values()) {
            gateway.send(bobsIphone, push("call-1", "bob", kind), Instant.now());
            gateway.send(carolsPixel, push("call-2", "carol", kind), Instant.now());
        }
        gateway.send(bobsOtherIphone, push("call-1", "bob", PushKind.RING), Instant.now());
        Audit audit = audited();
        assertThat(audit.pushesAccepted).containsExactlyInAnyOrderEntriesOf(Map.of("RING", 3L, "CANCEL", 2L,
                "MISSED", 2L));
        assertThat(audit.callsPushedTwice).isEmpty();

        gateway.send(carolsPixel, push("call-2", "carol", PushKind.MISSED), Instant.now());
        assertThat(audited().callsPushedTwice).as("an FCM notice twice").containsExactly(Map.entry("call-2", 1L));
    }

    @Test
    void aPublishIsReadAsTheAppReadsItAndAnythingElseIsNotAPush() {
        var missed = PushMessages.of(SnsPlatform.GCM, push("call-3", "carol", PushKind.MISSED), Instant.now());
        Map<String, String> form = new LinkedHashMap<>();
        form.put("Action", "Publish");
        form.put("TargetArn", "arn:aws:sns:us-east-1:123456789012:endpoint/GCM/verdict/x");
        form.put("MessageStructure", "json");
        form.put("Message", missed.message());
        assertThat(SnsJournal.publication(form)).contains(new SnsJournal.Publication("call-3", PushKind.MISSED,
                "arn:aws:sns:us-east-1:123456789012:endpoint/GCM/verdict/x"));

        form.put("Message", "{\"default\":\"hello\"}");
        assertThat(SnsJournal.publication(form)).isEmpty();
        form.put("Message", "not json");
        assertThat(SnsJournal.publication(form)).isEmpty();
    }
}
