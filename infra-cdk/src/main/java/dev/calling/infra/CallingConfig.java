package dev.calling.infra;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
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
 * @param carriers the CallStateManager's PSTN carriers by id (also read by CarrierWebhook for REST and Twilio carriers)
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
 * @param pushApplications the SNS platform applications the PushSender sends to
 * @param cognitoEmail the verified Amazon SES identity the user pool sends its mail through; none: Cognito's
 *        own sender (a few dozen mails a day, for trying out only)
 */
public record CallingConfig(String stage, Optional<Chime> chime, Map<String, Carrier> carriers,
        Optional<String> alarmEmail, boolean reservedConcurrency, boolean apiGatewayCloudWatchRole,
        int billingExportRetentionDays, SwitchKind switchKind, ChimeMeetings chimeMeetings,
        Map<PushTarget, String> pushApplications, Optional<CognitoEmail> cognitoEmail) {

    /**
     * The user pool's mail (sign-up codes, password resets) through Amazon SES, from context keys
     * {@code cognitoEmailFrom} (an address SES has verified, or one in a verified domain), {@code cognitoEmailFromName},
     * {@code cognitoEmailReplyTo}, {@code cognitoSesRegion} (where the identity is; default the region deployed to)
     * and {@code cognitoSesVerifiedDomain} (when the verified identity is the address's domain).
     */
    public record CognitoEmail(String from, Optional<String> fromName, Optional<String> replyTo,
            Optional<String> sesRegion, Optional<String> verifiedDomain) {

        private static final Pattern ADDRESS = Pattern.compile("[^@\\s<>]+@[^@\\s<>]+\\.[a-z]{2,}");

        public CognitoEmail {
            if (!ADDRESS.matcher(from).matches()) {
                throw new IllegalArgumentException("cognitoEmailFrom must be an e-mail address SES has verified: " + from);
            }
            replyTo.filter(address -> !ADDRESS.matcher(address).matches()).ifPresent(address -> {
                throw new IllegalArgumentException("cognitoEmailReplyTo must be an e-mail address: " + address);
            });
            sesRegion.ifPresent(region -> ChimeMeetings.requireRegion("cognitoSesRegion", region));
            verifiedDomain.filter(domain -> !from.endsWith("@" + domain)).ifPresent(domain -> {
                throw new IllegalArgumentException("cognitoSesVerifiedDomain " + domain + " is not the domain of "
                        + from);
            });
        }

        /** The same, in the region deployed to unless a region is given. */
        CognitoEmail inRegion(Optional<String> deployRegion) {
            return sesRegion.isPresent() ? this : new CognitoEmail(from, fromName, replyTo, deployRegion, verifiedDomain);
        }
    }

    /** This configuration, the user pool's SES identity in the region deployed to unless cognitoSesRegion names one. */
    public CallingConfig withDeployRegion(Optional<String> region) {
        return new CallingConfig(stage, chime, carriers, alarmEmail, reservedConcurrency, apiGatewayCloudWatchRole,
                billingExportRetentionDays, switchKind, chimeMeetings, pushApplications,
                cognitoEmail.map(email -> email.inRegion(region)));
    }

    /**
     * Where the PushSender sends, by context key under {@code pushPlatformApplications}: the SNS platform
     * application's platform in its ARN, and the function's setting that names it.
     */
    public enum PushTarget {
        APNS_VOIP("apnsVoip", "APNS_VOIP"),
        APNS_VOIP_SANDBOX("apnsVoipSandbox", "APNS_VOIP_SANDBOX"),
        APNS("apns", "APNS"),
        APNS_SANDBOX("apnsSandbox", "APNS_SANDBOX"),
        FCM("fcm", "GCM");

        private final String contextKey;
        private final String snsPlatform;

        PushTarget(String contextKey, String snsPlatform) {
            this.contextKey = contextKey;
            this.snsPlatform = snsPlatform;
        }

        public String contextKey() {
            return contextKey;
        }

        /** The PushSender's setting: {@code calling.push.apns-voip-application-arn} and so on. */
        public String property() {
            return "calling.push." + name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + "-application-arn";
        }

        static PushTarget of(String contextKey) {
            for (PushTarget target : values()) {
                if (target.contextKey.equals(contextKey)) {
                    return target;
                }
            }
            throw new IllegalArgumentException("pushPlatformApplications." + contextKey + ": not one of apnsVoip,"
                    + " apnsVoipSandbox, apns, apnsSandbox, fcm");
        }
    }

    /** An AWS region name ({@code us-east-1}, {@code us-gov-west-1}). */
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]");
    /** An AWS account id. */
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    /**
     * An SNS platform application's ARN, {@code arn:<partition>:sns:<region>:<account>:app/<PLATFORM>/<name>},
     * with names as SNS allows them (1 to 256 ASCII letters, digits, underscores, hyphens, periods).
     */
    private static final Pattern SNS_APPLICATION = Pattern.compile("arn:aws[a-z-]*:sns:(?<region>" + REGION
            + "):(?<account>" + ACCOUNT + "):app/(?<platform>[A-Z_]+)/[A-Za-z0-9_.-]{1,256}");

    private static final Pattern STAGE = Pattern.compile("[a-z][a-z0-9-]{0,11}");
    private static final Pattern CARRIER_ID = Pattern.compile("[a-z][a-z0-9]{0,30}");
    private static final Pattern SETTING = Pattern.compile("[a-z][a-z0-9-]*");
    /**
     * A REST carrier's credentials, which are never given in context (neither as values nor as
     * {@code {"secret": ...}}): the functions read them at run time from the secrets its
     * {@code api-key-secret-id} and {@code webhook-secret-id} name.
     */
    static final Set<String> REST_CREDENTIALS = Set.of("api-key", "webhook-secret");
    /** What a REST carrier's API key secret holds (its SecretString), as the functions read it. */
    public static final String REST_API_KEY_SECRET_SHAPE = "{\"apiKey\": \"...\"}";
    /** What a REST carrier's webhook secret holds: every signing secret accepted (two while one is rotated). */
    public static final String REST_WEBHOOK_SECRET_SHAPE = "{\"webhookSecrets\": [\"<current>\", \"<previous>\"]}";
    /**
     * Credentials a Twilio carrier must never have in context, neither as values nor as {@code {"secret": ...}}:
     * they are fields of the one secret its {@code secret-id} names.
     */
    static final Set<String> TWILIO_CREDENTIALS = Set.of("auth-token", "api-key-secret", "api-key", "webhook-secret");
    /** What a Twilio carrier's secret holds (its SecretString), as the functions read it. */
    public static final String TWILIO_SECRET_SHAPE = "{\"authToken\": \"...\", \"apiKeySecret\": \"...\"}";
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
    private static final Pattern ACCOUNT_SID = Pattern.compile("AC[0-9a-fA-F]{32}");
    private static final Pattern API_KEY_SID = Pattern.compile("SK[0-9a-fA-F]{32}");
    private static final Pattern TWIML_APP_SID = Pattern.compile("AP[0-9a-fA-F]{32}");
    private static final Pattern PUSH_CREDENTIAL_SID = Pattern.compile("CR[0-9a-fA-F]{32}");
    private static final Pattern CLIENT_IDENTITY_PREFIX = Pattern.compile("[A-Za-z0-9_]{0,32}");
    /** Twilio carrier settings that are ISO-8601 durations. */
    static final Set<String> TWILIO_DURATIONS = Set.of("ring-timeout", "answer-hold", "max-call-duration",
            "access-token-ttl", "callback-max-age", "connect-timeout", "request-timeout");
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
        pushApplications = Map.copyOf(pushApplications);
        Set<String> accountsAndRegions = new java.util.TreeSet<>();
        pushApplications.forEach((target, arn) -> {
            Matcher match = SNS_APPLICATION.matcher(arn);
            if (!match.matches() || !match.group("platform").equals(target.snsPlatform)) {
                throw new IllegalArgumentException("pushPlatformApplications." + target.contextKey() + " must be the ARN"
                        + " of an SNS platform application of platform " + target.snsPlatform
                        + " (arn:<partition>:sns:<region>:<account>:app/" + target.snsPlatform + "/<name>): " + arn);
            }
            accountsAndRegions.add(arn.substring(0, match.end("account"))); // partition, region, account
        });
        // The PushSender's one SNS client calls SNS in the function's region, with the function's role.
        if (accountsAndRegions.size() > 1) {
            throw new IllegalArgumentException("pushPlatformApplications must all be in one account and region, the"
                    + " deployment's (the PushSender calls SNS in its own region): " + accountsAndRegions);
        }
    }

    /** The region of the SNS platform applications in {@code pushPlatformApplications}, if any is given. */
    public Optional<String> pushApplicationsRegion() {
        return pushApplication().map(match -> match.group("region"));
    }

    /** The account of the SNS platform applications in {@code pushPlatformApplications}, if any is given. */
    public Optional<String> pushApplicationsAccount() {
        return pushApplication().map(match -> match.group("account"));
    }

    /** Any one of the platform applications' ARNs, matched: validated, all in one account and region. */
    private Optional<Matcher> pushApplication() {
        return pushApplications.values().stream().findFirst().map(SNS_APPLICATION::matcher).filter(Matcher::matches);
    }

    /**
     * Refuses SNS platform applications outside the account and region the app deploys to, each when the synth
     * knows it: the PushSender calls SNS in its own region with its own role, and SNS would refuse another
     * region's or another account's applications at run time (a platform application has no resource policy).
     */
    public void requirePushApplicationsIn(Optional<String> account, Optional<String> region) {
        region.ifPresent(deployed -> pushApplicationsRegion().filter(found -> !found.equals(deployed))
                .ifPresent(found -> {
                    throw new IllegalArgumentException("pushPlatformApplications are in " + found + " but the app"
                            + " deploys to " + deployed + ": the PushSender calls SNS in its own region; create the"
                            + " platform applications in " + deployed);
                }));
        account.ifPresent(deployed -> pushApplicationsAccount().filter(found -> !found.equals(deployed))
                .ifPresent(found -> {
                    throw new IllegalArgumentException("pushPlatformApplications are in account " + found + " but the"
                            + " app deploys to account " + deployed + ": the PushSender's role may not use another"
                            + " account's platform applications; create them in " + deployed);
                }));
    }

    /** The SNS endpoints of a platform application: what its pushes are published to. */
    public static String endpointsOf(String applicationArn) {
        return applicationArn.replace(":app/", ":endpoint/") + "/*";
    }

    /** Defaults only: stage {@code dev}, VoIP only, no e-mail, the Switch on Chime SDK Meetings in the stack's region. */
    public static CallingConfig defaults() {
        return new CallingConfig("dev", Optional.empty(), Map.of(), Optional.empty(), true, false,
                DEFAULT_EXPORT_RETENTION_DAYS, SwitchKind.CHIME_MEETINGS, ChimeMeetings.IN_STACK_REGION, Map.of(),
                Optional.empty());
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
    public enum Adapter {
        /** Amazon Chime SDK Voice (PSTN audio): a SIP media application of this account. */
        CHIME,
        /** A carrier speaking our REST protocol (docs/carrier-rest-api.md). */
        REST,
        /** Twilio Programmable Voice; its credentials are in the Secrets Manager secret {@code secret-id} names. */
        TWILIO;

        /** As messages name it: Twilio, REST, CHIME. */
        String displayName() {
            return this == TWILIO ? "Twilio" : name();
        }

        static Adapter of(String carrierId, String value) {
            for (Adapter adapter : values()) {
                if (adapter.name().equalsIgnoreCase(value)) {
                    return adapter;
                }
            }
            throw new IllegalArgumentException("carrier " + carrierId + ": adapter must be CHIME, REST or TWILIO: " + value);
        }
    }

    /**
     * One PSTN carrier as the functions read it: {@code calling.carriers.<id>.<setting>}.
     *
     * @param settings plain settings (adapter, rate-deck, base-url, ...), sorted. Credentials are never among
     *     them: a Twilio carrier's {@code secret-id} and a REST carrier's {@code api-key-secret-id} and
     *     {@code webhook-secret-id} are the ARNs of the Secrets Manager secrets the functions read at run time.
     */
    public record Carrier(String id, Adapter adapter, Map<String, String> settings) {
        public Carrier {
            if (!CARRIER_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("carrier id must match " + CARRIER_ID
                        + " (it becomes part of environment variable names): " + id);
            }
            settings = new TreeMap<>(settings);
            if (adapter == Adapter.TWILIO) {
                requireTwilio(id, settings);
            }
            if (adapter == Adapter.REST) {
                if (!settings.containsKey("base-url")) {
                    throw new IllegalArgumentException("REST carrier " + id + " needs a base-url");
                }
                requireRestSecrets(id, settings);
            }
            if (adapter != Adapter.CHIME) {
                requireKmsKey(adapter.displayName() + " carrier " + id, settings, secretArns(id, adapter, settings).values());
            }
            for (String name : settings.keySet()) {
                if (!SETTING.matcher(name).matches()) {
                    throw new IllegalArgumentException("carrier " + id + ": bad setting name " + name);
                }
            }
            if (!settings.containsKey("rate-deck")) {
                throw new IllegalArgumentException("carrier " + id + " needs a rate-deck (e.g. rate-decks/atlas.csv.gz)");
            }
        }

        /** The Twilio carrier's secret: the ARN its {@code secret-id} names (empty for other adapters). */
        public Optional<SecretArn> secret() {
            return Optional.ofNullable(secrets().get("secret-id"));
        }

        /**
         * The Secrets Manager secrets the functions read for this carrier, by the setting that names them:
         * Twilio {@code secret-id}; REST {@code api-key-secret-id} and {@code webhook-secret-id}; Chime none.
         */
        public Map<String, SecretArn> secrets() {
            return secretArns(id, adapter, settings);
        }

        private static Map<String, SecretArn> secretArns(String id, Adapter adapter, Map<String, String> settings) {
            Map<String, SecretArn> secrets = new TreeMap<>();
            for (String name : switch (adapter) {
                case TWILIO -> List.of("secret-id");
                case REST -> List.of("api-key-secret-id", "webhook-secret-id");
                case CHIME -> List.<String>of();
            }) {
                secrets.put(name, SecretArn.parse(adapter.displayName() + " carrier " + id + ": " + name, settings.get(name)));
            }
            return secrets;
        }

        /** The customer-managed KMS key of the carrier's secrets, if context names one ({@code kms-key-arn}). */
        public Optional<String> kmsKeyArn() {
            return adapter != Adapter.CHIME ? Optional.ofNullable(settings.get("kms-key-arn")) : Optional.empty();
        }

        /**
         * REST: the ARNs of the API key's and the webhook's secrets (the same secret may hold both), and no
         * credential in context.
         */
        private static void requireRestSecrets(String id, Map<String, String> settings) {
            String carrier = "REST carrier " + id;
            for (String name : settings.keySet()) {
                if (REST_CREDENTIALS.contains(name)) {
                    throw new IllegalArgumentException(carrier + ": never give " + name + " in context; put it into a"
                            + " Secrets Manager secret (" + (name.equals("api-key") ? REST_API_KEY_SECRET_SHAPE
                                    : REST_WEBHOOK_SECRET_SHAPE) + ") and give that secret's ARN as "
                            + (name.equals("api-key") ? "api-key-secret-id" : "webhook-secret-id"));
                }
            }
            for (String name : List.of("api-key-secret-id", "webhook-secret-id")) {
                if (!settings.containsKey(name)) {
                    throw new IllegalArgumentException(carrier + " needs " + name + ": the ARN of the Secrets Manager"
                            + " secret whose SecretString is " + (name.equals("api-key-secret-id")
                                    ? REST_API_KEY_SECRET_SHAPE : REST_WEBHOOK_SECRET_SHAPE));
                }
            }
        }

        /** A customer-managed key must be a key's ARN in the region of every secret it encrypts. */
        private static void requireKmsKey(String carrier, Map<String, String> settings, java.util.Collection<SecretArn> secrets) {
            if (!settings.containsKey("kms-key-arn")) {
                return;
            }
            Matcher key = KMS_KEY_ARN.matcher(settings.get("kms-key-arn"));
            if (!key.matches()) {
                throw new IllegalArgumentException(carrier + ": kms-key-arn must be the ARN of a KMS key"
                        + " (arn:<partition>:kms:<region>:<account>:key/<key-id>; an alias cannot be granted"
                        + " kms:Decrypt): " + settings.get("kms-key-arn"));
            }
            for (SecretArn secret : secrets) {
                if (!key.group(1).equals(secret.region())) {
                    throw new IllegalArgumentException(carrier + ": kms-key-arn is in " + key.group(1)
                            + " but the secret in " + secret.region() + "; Secrets Manager only uses keys of its region");
                }
            }
        }

        /**
         * Twilio: the account, API key and caller id in their documented shapes, the secret as an ARN, and no
         * credential in context. The functions check the same again when they start (TwilioConfig).
         */
        private static void requireTwilio(String id, Map<String, String> settings) {
            String carrier = "Twilio carrier " + id;
            for (String name : settings.keySet()) {
                if (TWILIO_CREDENTIALS.contains(name)) {
                    throw new IllegalArgumentException(carrier + ": never give " + name + " in context; put the"
                            + " credentials in the Secrets Manager secret that secret-id names, as its SecretString "
                            + TWILIO_SECRET_SHAPE);
                }
            }
            require(carrier, settings, "account-sid", ACCOUNT_SID, "AC followed by 32 hex digits");
            require(carrier, settings, "api-key-sid", API_KEY_SID,
                    "SK followed by 32 hex digits (an API key of the account: Twilio Console, API keys & tokens)");
            require(carrier, settings, "from-number", E164, "an E.164 number such as +14155550100");
            if (!settings.containsKey("secret-id")) {
                throw new IllegalArgumentException(carrier + " needs a secret-id: the ARN of the Secrets Manager secret"
                        + " whose SecretString is " + TWILIO_SECRET_SHAPE);
            }
            optional(carrier, settings, "twiml-app-sid", TWIML_APP_SID, "AP followed by 32 hex digits");
            optional(carrier, settings, "push-credential-sid", PUSH_CREDENTIAL_SID, "CR followed by 32 hex digits");
            optional(carrier, settings, "client-identity-prefix", CLIENT_IDENTITY_PREFIX, "at most 32 of A-Z a-z 0-9 _");
            for (String name : TWILIO_DURATIONS) {
                if (settings.containsKey(name)) {
                    try {
                        java.time.Duration.parse(settings.get(name));
                    } catch (java.time.format.DateTimeParseException e) {
                        throw new IllegalArgumentException(carrier + ": " + name
                                + " must be an ISO-8601 duration such as PT60S: " + settings.get(name), e);
                    }
                }
            }
            for (String name : List.of("status-callback-url", "base-url")) {
                if (settings.containsKey(name)) {
                    requireHttpUrl(carrier, name, settings.get(name));
                }
            }
        }

        private static void require(String carrier, Map<String, String> settings, String name, Pattern shape,
                String description) {
            if (!settings.containsKey(name)) {
                throw new IllegalArgumentException(carrier + " needs " + name + " (" + description + ")");
            }
            optional(carrier, settings, name, shape, description);
        }

        private static void optional(String carrier, Map<String, String> settings, String name, Pattern shape,
                String description) {
            String value = settings.get(name);
            if (value != null && !shape.matcher(value).matches()) {
                throw new IllegalArgumentException(carrier + ": " + name + " must be " + description + ": " + value);
            }
        }

        private static void requireHttpUrl(String carrier, String name, String value) {
            java.net.URI uri;
            try {
                uri = new java.net.URI(value);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException(carrier + ": " + name + " is not a URL: " + value, e);
            }
            if (!uri.isAbsolute() || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
                    || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException(carrier + ": " + name
                        + " must be an absolute http(s) URL without query or fragment: " + value);
            }
        }

    }

    /** An AWS KMS key's ARN; group 1 is its region. */
    private static final Pattern KMS_KEY_ARN = Pattern.compile(
            "arn:aws[a-z-]*:kms:([a-z]{2}(?:-[a-z]+)+-[0-9]):[0-9]{12}:key/[A-Za-z0-9-]{1,128}");
    /** A Secrets Manager secret's ARN: partition, region, account and name (with or without its random suffix). */
    private static final Pattern SECRET_ARN = Pattern.compile(
            "arn:(aws[a-z-]*):secretsmanager:([a-z]{2}(?:-[a-z]+)+-[0-9]):([0-9]{12}):secret:([A-Za-z0-9/_+=.@-]{1,512})");
    /**
     * The suffix Secrets Manager adds to a secret's name in its ARN. An ARN whose name ends like it is a
     * complete ARN; Secrets Manager and CDK's {@code Secret.fromSecretArn} read it the same way.
     */
    private static final Pattern RANDOM_SUFFIX = Pattern.compile(".*-[A-Za-z0-9]{6}");

    /**
     * A Secrets Manager secret's ARN as given in context: complete ({@code ...:secret:calling/twilio-AbCdEf}, with
     * the six characters Secrets Manager adds) or partial ({@code ...:secret:calling/twilio}).
     */
    public record SecretArn(String arn, String partition, String region, String account, String name) {

        /** @param setting what names the secret, for the message, e.g. {@code Twilio carrier tw: secret-id} */
        static SecretArn parse(String setting, String arn) {
            Matcher m = arn == null ? null : SECRET_ARN.matcher(arn);
            if (m == null || !m.matches()) {
                throw new IllegalArgumentException(setting + " must be the ARN of a"
                        + " Secrets Manager secret (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>,"
                        + " with or without the 6-character suffix): " + arn);
            }
            return new SecretArn(arn, m.group(1), m.group(2), m.group(3), m.group(4));
        }

        /** Whether the ARN carries the random suffix (as {@code aws secretsmanager create-secret} prints it). */
        public boolean complete() {
            return RANDOM_SUFFIX.matcher(name).matches();
        }

        /**
         * The ARN an IAM policy names, as CDK's {@code Secret.fromSecretCompleteArn} (the ARN itself) and
         * {@code Secret.fromSecretPartialArn} (the ARN and {@code -??????}, exactly one secret's suffix) grant it.
         */
        public String arnForPolicies() {
            return complete() ? arn : arn + "-??????";
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
                new ChimeMeetings(string(node, "chimeMeetingsRegion"), string(node, "chimeMeetingsMediaRegion")),
                pushApplications(node.tryGetContext("pushPlatformApplications")), cognitoEmail(node));
    }

    private static Optional<CognitoEmail> cognitoEmail(Node node) {
        Optional<String> from = string(node, "cognitoEmailFrom");
        for (String key : List.of("cognitoEmailFromName", "cognitoEmailReplyTo", "cognitoSesRegion", "cognitoSesVerifiedDomain")) {
            if (from.isEmpty() && string(node, key).isPresent()) {
                throw new IllegalArgumentException(key + " without cognitoEmailFrom: give the verified SES address too");
            }
        }
        return from.map(address -> new CognitoEmail(address, string(node, "cognitoEmailFromName"),
                string(node, "cognitoEmailReplyTo"), string(node, "cognitoSesRegion"),
                string(node, "cognitoSesVerifiedDomain")));
    }

    /** {@code {"apnsVoip": "arn:aws:sns:...:app/APNS_VOIP/MyApp", "fcm": "..."}}, an object or a JSON string. */
    static Map<PushTarget, String> pushApplications(Object context) {
        if (context == null) {
            return Map.of();
        }
        Map<String, Object> byKey = context instanceof String json ? parse(json) : asMap(context, "pushPlatformApplications");
        Map<PushTarget, String> applications = new java.util.EnumMap<>(PushTarget.class);
        byKey.forEach((key, arn) -> applications.put(PushTarget.of(key), String.valueOf(arn)));
        return applications;
    }

    /**
     * {@code {"atlas": {"adapter": "REST", "rate-deck": "rate-decks/atlas.csv.gz", "base-url": "https://...",
     * "api-key-secret-id": "arn:aws:secretsmanager:...", "webhook-secret-id": "arn:aws:secretsmanager:..."}}},
     * as an object in cdk.json or a JSON string after -c. Every setting is a string (numbers and booleans are
     * taken as strings).
     */
    static Map<String, Carrier> carriers(Object context) {
        if (context == null) {
            return Map.of();
        }
        Map<String, Object> byId = context instanceof String json ? parse(json) : asMap(context, "carriers");
        Map<String, Carrier> carriers = new LinkedHashMap<>();
        byId.forEach((id, value) -> {
            Map<String, String> settings = new LinkedHashMap<>();
            asMap(value, "carriers." + id).forEach((name, setting) -> {
                if (setting instanceof String || setting instanceof Number || setting instanceof Boolean) {
                    settings.put(name, setting.toString());
                } else if (setting instanceof Map<?, ?> ref && ref.containsKey("secret")) {
                    // The old {"secret": name}: resolved into the environment at deploy time, readable there and never rotated.
                    throw new IllegalArgumentException("carriers." + id + "." + name + ": {\"secret\": ...} is not"
                            + " supported any more (it put the secret's value into the function's environment); the"
                            + " functions read credentials at run time: give api-key-secret-id and webhook-secret-id"
                            + " (REST) or secret-id (Twilio), the ARN of the Secrets Manager secret");
                } else {
                    throw new IllegalArgumentException("carriers." + id + "." + name + ": must be a string");
                }
            });
            String adapter = settings.remove("adapter");
            if (adapter == null) {
                throw new IllegalArgumentException("carrier " + id + " needs an adapter (CHIME, REST or TWILIO)");
            }
            carriers.put(id, new Carrier(id, Adapter.of(id, adapter), settings));
        });
        return carriers;
    }

    private static Map<String, Object> parse(String json) {
        try {
            return new ObjectMapper().readValue(json, new TypeReference<>() {});
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getMessage(), e);
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
