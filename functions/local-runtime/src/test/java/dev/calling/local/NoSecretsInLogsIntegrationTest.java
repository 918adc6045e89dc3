package dev.calling.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.calling.adapters.Resources;
import dev.calling.adapters.auth.DevTokenIssuer;
import dev.calling.core.app.MediaJoin;
import dev.calling.core.call.CallState;
import dev.calling.core.call.EndReason;
import dev.calling.core.call.PartyNotifier;
import dev.calling.core.money.Money;
import dev.calling.core.routing.BillingIncrement;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.Provider;
import dev.calling.core.routing.ProviderHealth;
import dev.calling.core.routing.ProviderKind;
import dev.calling.core.routing.Rate;
import dev.calling.core.routing.RateDeck;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import dev.calling.embedded.EmbeddedAws;
import dev.calling.embedded.TwilioStub;
import dev.calling.embedded.TwilioStub.Script;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The logs of a run never hold a credential or a full phone number. Every log record of the system (the project's
 * loggers at every level, the libraries' at the configured one) is collected while an app places a VoIP call
 * through the HTTP API with its bearer token to a sleeping phone that a push (with its push tokens) wakes, and a
 * PSTN call through the real Twilio adapter (its auth token and API key secret from the secret store; the caller's
 * app handed a Twilio access token, its join credential) to a known number, from a known number. Then no record
 * may contain any of them, also where a message no consumer can read is logged.
 */
class NoSecretsInLogsIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final String ACCOUNT = "AC" + "0123456789abcdef".repeat(2);
    static final String API_KEY = "SK" + "fedcba9876543210".repeat(2);
    static final String AUTH_TOKEN = "local_twilio_auth_token_logtest0";
    static final String API_KEY_SECRET = "local_twilio_api_key_secret_log0";
    static final String FROM = "+14155550177";
    static final String DIALLED = "+442079460123";
    static final String CALLEE_PHONE = "+447911123456";

    /** A JSON Web Token (bearer tokens, Twilio access tokens) begins with the base64 of {@code {"}. */
    static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{4,}");
    /** A full E.164 number; a masked one ({@code +44********23}) does not match. */
    static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}(?![0-9])");
    /** An APNs/FCM-style device token: 64 hex digits. */
    static final Pattern PUSH_TOKEN = Pattern.compile("[0-9a-fA-F]{64}");

    static final List<String> logged = new CopyOnWriteArrayList<>();
    static final Handler collector = new Handler() {
        final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            StringBuilder line = new StringBuilder(record.getLoggerName() + " " + record.getLevel() + " "
                    + formatter.formatMessage(record));
            for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                line.append(" | ").append(t);
            }
            logged.add(line.toString());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    static final Logger PROJECT = Logger.getLogger("dev.calling");
    static Level projectLevel;

    static TwilioStub twilio;
    static LocalSystem system;
    static DevTokenIssuer tokens;
    static LocalApps apps;
    static final List<MediaJoin> joins = new CopyOnWriteArrayList<>();

    static Provider carrier(String id) {
        return new Provider(id, ProviderKind.PSTN, RateDeck.of(List.of(new Rate("44", Money.of("0.0100", "USD"),
                Money.of("0", "USD"), BillingIncrement.PER_MINUTE, LocalDate.of(2020, 1, 1)))), 100, true, 50);
    }

    @BeforeAll
    static void start() {
        projectLevel = PROJECT.getLevel();
        PROJECT.setLevel(Level.ALL); // the console handler still prints warnings only
        Logger.getLogger("").addHandler(collector);
        tokens = DevTokenIssuer.generate();
        twilio = new TwilioStub(ACCOUNT, AUTH_TOKEN, API_KEY, API_KEY_SECRET);
        system = LocalSystem.start(LocalSystem.Settings.defaults().withRingTimeout(Duration.ofSeconds(15))
                        .withRetryAfter(Duration.ofSeconds(1))
                        .withPstn(List.of(new Subscriber("log-caller", Optional.empty(), RoutingPlan.withPstn(List.of())),
                                        new Subscriber("log-callee", Optional.of(PhoneNumber.parse(CALLEE_PHONE)),
                                                RoutingPlan.voipOnly())),
                                List.of(carrier("twilio")), ProviderHealth.Policy.defaults())
                        .withApi(new LocalSystem.Api(0, 0, tokens))
                        .withTwilio(new LocalSystem.Twilio("twilio", twilio.baseUrl(), ACCOUNT, API_KEY, FROM, AUTH_TOKEN,
                                API_KEY_SECRET)),
                new LocalSystem.Instrumentation(EmbeddedAws::clients, Map.of(), (name, function) -> function,
                        PartyNotifier.NONE, null, joins::add));
        system.accounts().topUp("log-caller", "log-top-up", Money.of("100", "USD"), Instant.now());
        apps = new LocalApps(system, tokens, WAIT);
    }

    @AfterAll
    static void stop() {
        try {
            apps.close();
            system.close();
            twilio.close();
        } finally {
            Logger.getLogger("").removeHandler(collector);
            PROJECT.setLevel(projectLevel);
        }
    }

    /** The collected lines, for a reader of a failure: target/no-secrets-log.txt. */
    static void writeForReading() {
        try {
            java.nio.file.Files.write(java.nio.file.Path.of("target", "no-secrets-log.txt"), logged);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aRunWithVoipPstnAndPushCallsLogsNoCredentialAndNoFullNumber() {
        List<String> secrets = new ArrayList<>(List.of(AUTH_TOKEN, API_KEY_SECRET));

        // Messages no consumer can read, quoting a number and a bearer token: logged (and dead-lettered) all the same.
        String bearer = tokens.mint("log-caller", Duration.ofMinutes(5));
        secrets.add(bearer);
        system.sqs().sendMessage(r -> r.queueUrl(system.aws().queueUrl(Resources.CALL_STATE_CHANGES))
                .messageBody("{\"type\":\"CallRequested\",\"eventId\":\"log-poison-1\",\"callId\":\"log-poison\","
                        + "\"at\":\"" + CALLEE_PHONE + "\",\"dialledNumber\":\"" + DIALLED + "\"}")
                .messageGroupId("log-poison").messageDeduplicationId(UUID.randomUUID().toString()));
        system.sqs().sendMessage(r -> r.queueUrl(system.aws().queueUrl(Resources.CONNECTION_EVENTS))
                .messageBody("{\"type\":\"Opened\",\"token\":\"" + bearer + "\",\"phone\":\"" + CALLEE_PHONE + "\"}"));

        // VoIP through the HTTP API (a bearer token per request) to a sleeping phone that a push wakes.
        apps.online("log-caller");
        try (SleepingPhone phone = SleepingPhone.iPhone(system, tokens, "log-callee", "log-callee-iphone",
                SleepingPhone.Response.ANSWER, line -> {})) {
            secrets.add(phone.voipToken());
            String voip = apps.placeCall(apps.app("log-caller"), "log-callee");
            system.awaitState(voip, CallState.CONNECTED, WAIT);
            assertThat(apps.app("log-caller").post("/v1/calls/" + voip + "/hangup", null).status()).isEqualTo(202);
            assertThat(system.awaitEnded(voip, WAIT).endReason()).isEqualTo(EndReason.COMPLETED);
        }

        // PSTN through Twilio: the caller's app is handed a Twilio access token; the number answers.
        Device caller = system.simulatedSwitch().connect("log-caller", "laptop");
        system.awaitLive(caller, WAIT);
        twilio.on(DIALLED, new Script.Answers(Duration.ofMillis(300), Duration.ofSeconds(1)));
        String pstn = caller.dial(DIALLED, CallerScript.waitForOtherSide());
        assertThat(system.awaitEnded(pstn, WAIT).endReason()).isEqualTo(EndReason.COMPLETED);
        joins.stream().filter(join -> join.callId().equals(pstn)).forEach(join -> secrets.add(join.join()));
        assertThat(joins).as("the join credential handed out").anyMatch(join -> join.callId().equals(pstn));

        await().atMost(WAIT).until(() -> logged.stream().anyMatch(line -> line.contains("CallStateManager: message"))
                && logged.stream().anyMatch(line -> line.contains("SessionService: message")));
        writeForReading();
        List<String> leaks = logged.stream().filter(line -> JWT.matcher(line).find() || E164.matcher(line).find()
                || PUSH_TOKEN.matcher(line).find() || line.contains("Bearer ")
                || secrets.stream().anyMatch(line::contains)).toList();
        assertThat(leaks).as("log lines with a token, a join credential, a carrier secret or a full number").isEmpty();
    }
}
