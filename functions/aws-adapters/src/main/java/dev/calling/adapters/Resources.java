package dev.calling.adapters;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The one definition of every table and queue. The stores and publishers below, the embedded
 * local stack, the tests, the LocalStack scripts and the CDK app all take names and shapes from
 * here, so they cannot drift.
 */
public final class Resources {

    private Resources() {}

    /** A DynamoDB table: string keys, on-demand, optional TTL attribute and global secondary indexes. */
    public record TableDefinition(String name, String partitionKey, Optional<String> sortKey,
            Optional<String> ttlAttribute, List<IndexDefinition> indexes) {

        /**
         * The same table without TTL deletion. The embedded stack uses it: dynalite implements no TTL
         * (UpdateTimeToLive), and an emulator that deletes expired items in the background would make
         * tests written with fixed past times flaky; readers compare {@code expiresAt} with their clock
         * anyway, so nothing else changes.
         */
        public TableDefinition withoutTtl() {
            return new TableDefinition(name, partitionKey, sortKey, Optional.empty(), indexes);
        }
    }

    /** What a GSI copies from the table: every attribute, or only the keys (read the item by its key). */
    public enum Projection { ALL, KEYS_ONLY }

    /**
     * A GSI keyed on string attributes. KEYS_ONLY keeps index writes to the one that sets the keys:
     * DynamoDB writes to an index only when an attribute it holds changes.
     */
    public record IndexDefinition(String name, String partitionKey, Optional<String> sortKey, Projection projection) {

        public IndexDefinition(String name, String partitionKey) {
            this(name, partitionKey, Optional.empty(), Projection.ALL);
        }

        public IndexDefinition(String name, String partitionKey, Optional<String> sortKey) {
            this(name, partitionKey, sortKey, Projection.ALL);
        }
    }

    /** An S3 bucket (private, encrypted, TLS only in AWS). */
    public record BucketDefinition(String name) {}

    /**
     * An SQS queue with its dead-letter queue.
     *
     * @param visibilityTimeout in AWS at least 6x the consuming function's timeout (the CDK app derives the
     *     timeout from it: 180 s gives the call state manager 30 s for a batch, room for a slow carrier dial)
     * @param maxReceiveCount deliveries before a message moves to the dead-letter queue
     */
    public record QueueDefinition(String name, boolean fifo, Duration visibilityTimeout, int maxReceiveCount,
            Duration retention) {

        public String deadLetterName() {
            return fifo ? name.substring(0, name.length() - ".fifo".length()) + "-dlq.fifo" : name + "-dlq";
        }

        /** The same queue with another visibility timeout: the embedded stack shortens it so retries take seconds. */
        public QueueDefinition withVisibilityTimeout(Duration timeout) {
            return new QueueDefinition(name, fifo, timeout, maxReceiveCount, retention);
        }
    }

    public static final TableDefinition SESSIONS = new TableDefinition("sessions", "userId",
            Optional.of("connectionId"), Optional.of("expiresAt"),
            List.of(new IndexDefinition("connectionId-index", "connectionId")));

    /** The sparse index of calls not yet closed out, by when they must be looked at (see DynamoDbCallStore). */
    public static final String CALLS_SWEEP_INDEX = "sweep-index";

    /**
     * Call records, owned by the call state manager. Two sparse, keys-only GSIs list a user's calls
     * newest first, as caller and as callee; {@code listKey} is {@code <requestedAt millis, 13 digits>#<callId>},
     * set once when the call is created. A third lists the calls the sweeper must look at.
     */
    public static final TableDefinition CALLS = new TableDefinition("calls", "callId", Optional.empty(),
            Optional.empty(), List.of(
                    new IndexDefinition("caller-index", "callerUserId", Optional.of("listKey"), Projection.KEYS_ONLY),
                    new IndexDefinition("callee-index", "calleeUserId", Optional.of("listKey"), Projection.KEYS_ONLY),
                    new IndexDefinition(CALLS_SWEEP_INDEX, "sweepShard", Optional.of("sweepDue"), Projection.KEYS_ONLY)));

    /**
     * Calls placed through the call API, keyed on the call id the API derives from the caller and
     * the request's {@code Idempotency-Key}: a retry finds the first request (and its fingerprint)
     * here. Kept a day, the window in which a client may retry.
     */
    public static final TableDefinition CALL_REQUESTS = new TableDefinition("call-requests", "callId",
            Optional.empty(), Optional.of("expiresAt"), List.of());

    /**
     * Call attempts per user and minute ({@code windowKey} = {@code <userId>#<minute since the epoch>}), one
     * conditional counter each, so a burst of dials is refused before anything rings; no item is shared by all
     * users. Expire after an hour.
     */
    public static final TableDefinition CALL_ATTEMPTS = new TableDefinition("call-attempts", "windowKey",
            Optional.empty(), Optional.of("expiresAt"), List.of());

    /**
     * Whom each user blocked: one item per block ({@code userId} the blocker, {@code blockedUserId} the blocked),
     * read with one strongly consistent GetItem per call to a user.
     */
    public static final TableDefinition BLOCKS = new TableDefinition("blocks", "userId", Optional.of("blockedUserId"),
            Optional.empty(), List.of());

    /**
     * Whom each user knows, for users who silence unknown callers: one item per pair ({@code userId} knows
     * {@code knownUserId}: they called them or took their call; {@code since}, {@code lastAt}), read with one
     * strongly consistent GetItem per call to a user who silences unknown callers.
     */
    public static final TableDefinition KNOWN_CALLERS = new TableDefinition("known-callers", "userId",
            Optional.of("knownUserId"), Optional.empty(), List.of());

    /**
     * PSTN legs as the carriers know them: two items per leg, {@code call#<callId>#<attempt>} (from a
     * command to the carrier's leg) and {@code leg#<providerId>#<carrierLegId>} (from a carrier's
     * report to the call), so that both directions are strongly consistent reads. Expire after two days.
     */
    public static final TableDefinition CARRIER_LEGS = new TableDefinition("carrier-legs", "legKey", Optional.empty(),
            Optional.of("expiresAt"), List.of());

    /** Users' phone numbers and routing plans; a user without an item is app-only. */
    public static final TableDefinition SUBSCRIBERS = new TableDefinition("subscribers", "userId", Optional.empty(),
            Optional.empty(), List.of());

    /**
     * Each carrier's health and load, shared by every call state manager container: recent
     * attempt outcomes and circuit breaker on one item per carrier, calls in progress spread over
     * load shards {@code <carrier>#load#<k>} (see DynamoDbCarrierCatalogue).
     */
    public static final TableDefinition CARRIER_HEALTH = new TableDefinition("carrier-health", "providerId",
            Optional.empty(), Optional.empty(), List.of());

    /** The sparse index of accounts with money held for calls, by their oldest hold (see DynamoDbAccounts). */
    public static final String ACCOUNTS_HOLDS_INDEX = "holds-index";

    /**
     * Prepaid accounts: per user one {@code ACCOUNT} item (balance, reserved, version, holds) and the
     * append-only ledger lines beside it under the same partition key. A sparse, keys-only GSI lists
     * the ACCOUNT items that hold money for calls, partitioned by {@code holdShard} (16, from the user
     * id) and sorted by {@code oldestHold} (epoch millis, 13 digits): the sweeper reads the old ones.
     */
    public static final TableDefinition ACCOUNTS = new TableDefinition("accounts", "userId", Optional.of("entryKey"),
            Optional.empty(), List.of(new IndexDefinition(ACCOUNTS_HOLDS_INDEX, "holdShard", Optional.of("oldestHold"),
                    Projection.KEYS_ONLY)));

    /**
     * Call detail records, one per ended call. The GSI is keyed on the UTC day the call ended plus
     * a shard ({@code 2026-11-25#07}), so one day's writes spread over several partitions and the
     * export reads a day shard by shard, each in a stable order ({@code endedAtCallId}).
     */
    public static final TableDefinition CALL_DETAIL_RECORDS = new TableDefinition("call-detail-records", "callId",
            Optional.empty(), Optional.empty(),
            List.of(new IndexDefinition("endedDay-index", "endedDayShard", Optional.of("endedAtCallId"))));

    /**
     * The media the switch set up for each call (for Amazon Chime SDK Meetings: the meeting, and an
     * attendee per party connection with its join document). Written by the switch only; the call
     * API reads a party's join info from it. After the call, the item stays as a closed tombstone
     * (no join documents) until it expires, so a late command cannot set up media again.
     */
    public static final TableDefinition CALL_MEDIA = new TableDefinition("call-media", "callId", Optional.empty(),
            Optional.of("expiresAt"), List.of());

    /**
     * The devices each user registered for push: one item per user ({@code userId}) holding them all (at most
     * ten: platform, tokens, registration time each), so a user's devices are one GetItem and the bound holds
     * with one version-guarded write, without transactions (see DynamoDbDevices).
     */
    public static final TableDefinition DEVICES = new TableDefinition("devices", "userId", Optional.empty(),
            Optional.empty(), List.of());

    /**
     * One item per push sent ({@code pushKey} = {@code <callId>#<deviceId>#<kind>}), written with a condition
     * before the push goes out, so a redelivered or duplicated push command sends nothing twice. Expire after
     * two days.
     */
    public static final TableDefinition PUSH_MARKERS = new TableDefinition("push-markers", "pushKey", Optional.empty(),
            Optional.of("expiresAt"), List.of());

    /**
     * The rate decks operators scheduled for each carrier ({@code PUT /ops/v1/carriers/{carrierId}/rate-deck}): one
     * item per deck, keyed by carrier and the instant it takes effect ({@code effectiveFrom}, ISO-8601 UTC, so the
     * sort key orders them in time), naming the validated object version in {@link #RATE_DECK_OBJECTS}. A carrier
     * without a deck in effect here is priced by the deck packaged with the call state manager.
     */
    public static final TableDefinition RATE_DECKS = new TableDefinition("rate-decks", "carrierId",
            Optional.of("effectiveFrom"), Optional.empty(), List.of());

    /** Finance's daily exports of call detail records (gzip CSV plus a manifest per day). */
    public static final BucketDefinition BILLING_EXPORTS = new BucketDefinition("billing-exports");

    /**
     * Carriers' rate decks (CSV, as {@code RateDeckCsv} reads them) that operators upload and then schedule with the
     * operator API. Versioned in AWS: a schedule names the object version it validated, so overwriting a key never
     * changes a deck already scheduled.
     */
    public static final BucketDefinition RATE_DECK_OBJECTS = new BucketDefinition("rate-decks");

    public static final List<BucketDefinition> BUCKETS = List.of(BILLING_EXPORTS, RATE_DECK_OBJECTS);

    /** Connection opened / heartbeat / closed, from the switch to the session service. */
    public static final QueueDefinition CONNECTION_EVENTS = new QueueDefinition("connection-events", false,
            Duration.ofSeconds(60), 5, Duration.ofDays(4));

    /** Every call state change, one message group per call, to the call state manager. */
    public static final QueueDefinition CALL_STATE_CHANGES = new QueueDefinition("call-state-changes.fifo", true,
            Duration.ofSeconds(180), 5, Duration.ofDays(4));

    /**
     * Timers (ring timeout) for the call state manager. A standard queue because FIFO queues have no
     * per-message delay; each message is delayed up to SQS's 15-minute maximum and re-armed if due later.
     */
    public static final QueueDefinition CALL_TIMERS = new QueueDefinition("call-timers", false,
            Duration.ofSeconds(180), 5, Duration.ofDays(4));

    /** Ring / bridge / release commands from the call state manager to the VoIP switch, in order per call. */
    public static final QueueDefinition SWITCH_COMMANDS = new QueueDefinition("switch-commands.fifo", true,
            Duration.ofSeconds(60), 5, Duration.ofDays(1));

    /**
     * Pushes to callees' devices (ring, cancel, missed), from the call state manager to the push sender: a
     * standard queue, so a push service outage holds back no call; three tries, then the DLQ.
     */
    public static final QueueDefinition CALL_PUSHES = new QueueDefinition("call-pushes", false,
            Duration.ofSeconds(30), 3, Duration.ofDays(1));

    /**
     * The switch's media events (Amazon Chime SDK meeting lifecycle events through an EventBridge
     * rule): the switch turns those that matter to a call into call events, in the call's group.
     */
    public static final QueueDefinition MEETING_EVENTS = new QueueDefinition("meeting-events", false,
            Duration.ofSeconds(60), 5, Duration.ofDays(4));

    public static final List<TableDefinition> TABLES = List.of(SESSIONS, CALLS, CALL_REQUESTS, CALL_ATTEMPTS, SUBSCRIBERS,
            CARRIER_LEGS, CARRIER_HEALTH, ACCOUNTS, CALL_DETAIL_RECORDS, CALL_MEDIA, DEVICES, PUSH_MARKERS, BLOCKS,
            KNOWN_CALLERS, RATE_DECKS);

    public static final List<QueueDefinition> QUEUES =
            List.of(CONNECTION_EVENTS, CALL_STATE_CHANGES, CALL_TIMERS, SWITCH_COMMANDS, MEETING_EVENTS, CALL_PUSHES);
}
