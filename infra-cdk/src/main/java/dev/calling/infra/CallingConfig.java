package dev.calling.infra;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import software.constructs.Node;

/**
 * What one deployment of the calling backend is made of, read from CDK context (cdk.json,
 * {@code -c key=value}); every key is optional. Values that CDK cannot create (the Chime SIP media
 * application, phone number and Voice Connector) and per-carrier settings come from here, so they
 * are validated at synth time and can switch parts of the app on or off.
 *
 * @param stage short name of the deployment; physical names are {@code calling-<stage>-<name>}
 * @param chime the Chime SDK Voice resources created outside CDK, if PSTN through Chime is used
 * @param carriers the CallStateManager's PSTN carriers by id (also read by CarrierWebhook for REST carriers)
 * @param alarmEmail who the alarm topic e-mails, if anyone
 * @param reservedConcurrency whether the carrier paths reserve Lambda concurrency (off for new
 *        accounts whose concurrency quota is still 10)
 * @param apiGatewayCloudWatchRole whether this app sets the region's API Gateway CloudWatch role,
 *        which WebSocket access logging needs (an account-wide setting: only if nothing else sets it)
 * @param billingExportRetentionDays how long finance keeps the billing exports
 * @param switchKind which VoIP switch carries out {@code switch-commands.fifo}: the Switch function on
 *        Amazon Chime SDK Meetings (with its event sources, grants and meeting-events rule), or an
 *        external switch fleet outside this app
 * @param chimeMeetings where the Switch runs its Chime SDK meetings (used with {@link SwitchKind#CHIME_MEETINGS})
 */
public record CallingConfig(String stage, Optional<Chime> chime, Map<String, Carrier> carriers,
        Optional<String> alarmEmail, boolean reservedConcurrency, boolean apiGatewayCloudWatchRole,
        int billingExportRetentionDays, SwitchKind switchKind, ChimeMeetings chimeMeetings) {

    private static final Pattern STAGE = Pattern.compile("[a-z][a-z0-9-]{0,11}");
    private static final Pattern CARRIER_ID = Pattern.compile("[a-z][a-z0-9]{0,30}");
    private static final Pattern SETTING = Pattern.compile("[a-z][a-z0-9-]*");
    /** An AWS region name ({@code us-east-1}, {@code us-gov-west-1}). */
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]");
    /** Carrier settings that are credentials: only a Secrets Manager secret's name may be given for them. */
    static final Set<String> SECRET_SETTINGS = Set.of("api-key", "webhook-secret");
    /** Seven years: the usual retention of accounting records. */
    static final int DEFAULT_EXPORT_RETENTION_DAYS = 2557;

    public CallingConfig {
        if (!STAGE.matcher(stage).matches()) {
            throw new IllegalArgumentException("stage must match " + STAGE + " (it prefixes every physical name): " + stage);
        }
        carriers = Map.copyOf(carriers);
        if (billingExportRetentionDays < 365) {
            throw new IllegalArgumentException("billingExportRetentionDays below a year: " + billingExportRetentionDays);
        }
        Objects.requireNonNull(switchKind, "switchKind");
        Objects.requireNonNull(chimeMeetings, "chimeMeetings");
    }

    /** Defaults only: stage {@code dev}, VoIP only, no e-mail, the Switch on Chime SDK Meetings in the stack's region. */
    public static CallingConfig defaults() {
        return new CallingConfig("dev", Optional.empty(), Map.of(), Optional.empty(), true, false,
                DEFAULT_EXPORT_RETENTION_DAYS, SwitchKind.CHIME_MEETINGS, ChimeMeetings.IN_STACK_REGION);
    }

    /** The VoIP switch behind {@code switch-commands.fifo}, by its context value ({@code -c switch=...}). */
    public enum SwitchKind {
        /** The Switch function of this app, on Amazon Chime SDK Meetings. */
        CHIME_MEETINGS("chime-meetings"),
        /** A switch fleet outside this app consumes switch-commands.fifo; nothing of the Switch is deployed. */
        EXTERNAL("external");

        private final String contextValue;

        SwitchKind(String contextValue) {
            this.contextValue = contextValue;
        }

        public String contextValue() {
            return contextValue;
        }

        static SwitchKind of(String value) {
            for (SwitchKind kind : values()) {
                if (kind.contextValue.equals(value)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("switch must be chime-meetings or external: " + value);
        }
    }

    /**
     * Where the Switch's Amazon Chime SDK meetings live. Both empty means the stack's own region.
     *
     * @param controlRegion the Chime SDK Meetings control plane (API endpoint, meeting ARNs, and where
     *        Chime publishes the meetings' events to EventBridge), when the stack's region has none
     * @param mediaRegion where the meetings' media is hosted (nearest to the users)
     */
    public record ChimeMeetings(Optional<String> controlRegion, Optional<String> mediaRegion) {

        public static final ChimeMeetings IN_STACK_REGION = new ChimeMeetings(Optional.empty(), Optional.empty());

        public ChimeMeetings {
            controlRegion.ifPresent(region -> requireRegion("chimeMeetingsRegion", region));
            mediaRegion.ifPresent(region -> requireRegion("chimeMeetingsMediaRegion", region));
        }

        private static void requireRegion(String key, String region) {
            if (!REGION.matcher(region).matches()) {
                throw new IllegalArgumentException(key + " must be an AWS region such as us-east-1: " + region);
            }
        }
    }

    /**
     * The Chime SDK Voice resources the SipMediaHandler and the CallStateManager's Chime carrier use.
     *
     * @param sipMediaApplicationId the SIP media application whose endpoint is the SipMediaHandler alias
     * @param fromPhoneNumber the E.164 number outbound PSTN legs show
     * @param voiceConnectorArn the Voice Connector whose inbound route reaches a SIP switch of your own; without
     *     it, answered PSTN legs join their call's Amazon Chime SDK meeting (the Switch's)
     */
    public record Chime(String sipMediaApplicationId, String fromPhoneNumber, Optional<String> voiceConnectorArn) {
        public Chime {
            if (!fromPhoneNumber.matches("\\+[1-9][0-9]{1,14}")) {
                throw new IllegalArgumentException("chimeFromPhoneNumber must be E.164: " + fromPhoneNumber);
            }
            voiceConnectorArn.filter(arn -> !arn.startsWith("arn:")).ifPresent(arn -> {
                throw new IllegalArgumentException("chimeVoiceConnectorArn must be an ARN: " + arn);
            });
        }
    }

    /** How a carrier is reached: the adapter names of {@code calling.carriers.<id>.adapter}. */
    public enum Adapter { CHIME, REST }

    /**
     * One PSTN carrier as the functions read it: {@code calling.carriers.<id>.<setting>}.
     *
     * @param settings plain settings (adapter, rate-deck, base-url, ...), sorted
     * @param secrets setting name to the Secrets Manager secret holding its value (api-key, webhook-secret)
     */
    public record Carrier(String id, Adapter adapter, Map<String, String> settings, Map<String, String> secrets) {
        public Carrier {
            if (!CARRIER_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("carrier id must match " + CARRIER_ID
                        + " (it becomes part of environment variable names): " + id);
            }
            settings = new TreeMap<>(settings);
            secrets = new TreeMap<>(secrets);
            for (String name : settings.keySet()) {
                if (SECRET_SETTINGS.contains(name)) {
                    throw new IllegalArgumentException("carrier " + id + ": give " + name
                            + " as {\"secret\": \"<Secrets Manager secret name>\"}, never as a value in context");
                }
            }
            for (String name : concat(settings.keySet(), secrets.keySet())) {
                if (!SETTING.matcher(name).matches()) {
                    throw new IllegalArgumentException("carrier " + id + ": bad setting name " + name);
                }
            }
            if (!settings.containsKey("rate-deck")) {
                throw new IllegalArgumentException("carrier " + id + " needs a rate-deck (e.g. rate-decks/atlas.csv.gz)");
            }
            if (adapter == Adapter.REST && !settings.containsKey("base-url")) {
                throw new IllegalArgumentException("REST carrier " + id + " needs a base-url");
            }
        }

        private static Set<String> concat(Set<String> a, Set<String> b) {
            var all = new java.util.TreeSet<>(a);
            all.addAll(b);
            return all;
        }
    }

    /** Reads the context keys the README lists; anything absent takes its default. */
    public static CallingConfig fromContext(Node node) {
        CallingConfig defaults = defaults();
        String stage = string(node, "stage").orElse(defaults.stage());
        Optional<String> smaId = string(node, "chimeSipMediaApplicationId");
        Optional<String> from = string(node, "chimeFromPhoneNumber");
        Optional<String> vc = string(node, "chimeVoiceConnectorArn");
        Optional<Chime> chime = Optional.empty();
        if (smaId.isPresent() || from.isPresent() || vc.isPresent()) {
            if (smaId.isEmpty() || from.isEmpty()) {
                throw new IllegalArgumentException("give both chimeSipMediaApplicationId and chimeFromPhoneNumber"
                        + " (and chimeVoiceConnectorArn to bridge to a SIP switch of your own), or none");
            }
            chime = Optional.of(new Chime(smaId.get(), from.get(), vc));
        }
        return new CallingConfig(stage, chime, carriers(node.tryGetContext("carriers")), string(node, "alarmEmail"),
                bool(node, "reservedConcurrency", defaults.reservedConcurrency()),
                bool(node, "apiGatewayCloudWatchRole", defaults.apiGatewayCloudWatchRole()),
                string(node, "billingExportRetentionDays").map(days -> (int) Double.parseDouble(days))
                        .orElse(defaults.billingExportRetentionDays()),
                string(node, "switch").map(SwitchKind::of).orElse(defaults.switchKind()),
                new ChimeMeetings(string(node, "chimeMeetingsRegion"), string(node, "chimeMeetingsMediaRegion")));
    }

    /**
     * {@code {"atlas": {"adapter": "REST", "rate-deck": "rate-decks/atlas.csv.gz", "base-url": "https://...",
     * "api-key": {"secret": "calling/atlas/api-key"}}}}, as an object in cdk.json or a JSON string after -c.
     */
    static Map<String, Carrier> carriers(Object context) {
        if (context == null) {
            return Map.of();
        }
        Map<String, Object> byId = context instanceof String json ? parse(json) : asMap(context, "carriers");
        Map<String, Carrier> carriers = new LinkedHashMap<>();
        byId.forEach((id, value) -> {
            Map<String, String> settings = new LinkedHashMap<>();
            Map<String, String> secrets = new LinkedHashMap<>();
            asMap(value, "carriers." + id).forEach((name, setting) -> {
                if (setting instanceof Map<?, ?> ref && ref.get("secret") instanceof String secretName) {
                    secrets.put(name, secretName);
                } else if (setting instanceof String || setting instanceof Number || setting instanceof Boolean) {
                    settings.put(name, setting.toString());
                } else {
                    throw new IllegalArgumentException("carriers." + id + "." + name + ": a string or {\"secret\": name}");
                }
            });
            String adapter = settings.remove("adapter");
            if (adapter == null) {
                throw new IllegalArgumentException("carrier " + id + " needs an adapter (CHIME or REST)");
            }
            carriers.put(id, new Carrier(id, Adapter.valueOf(adapter.toUpperCase(Locale.ROOT)), settings, secrets));
        });
        return carriers;
    }

    private static Map<String, Object> parse(String json) {
        try {
            return new ObjectMapper().readValue(json, new TypeReference<>() {});
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("carriers is not a JSON object: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object value, String what) {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new IllegalArgumentException(what + " must be a JSON object");
    }

    private static Optional<String> string(Node node, String key) {
        return Optional.ofNullable(node.tryGetContext(key)).map(Object::toString).filter(s -> !s.isBlank());
    }

    private static boolean bool(Node node, String key, boolean fallback) {
        return string(node, key).map(Boolean::parseBoolean).orElse(fallback);
    }
}
