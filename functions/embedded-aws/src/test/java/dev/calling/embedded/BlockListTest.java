package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.dynamodb.DynamoDbSubscriberDirectory;
import dev.calling.adapters.privacy.DynamoDbBlockList;
import dev.calling.adapters.privacy.DynamoDbKnownCallers;
import dev.calling.core.operator.PstnBlock;
import dev.calling.core.privacy.BlockList;
import dev.calling.core.privacy.PrivacySettings;
import dev.calling.core.routing.PhoneNumber;
import dev.calling.core.routing.RoutingPlan;
import dev.calling.core.routing.Subscriber;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The privacy adapters ({@link DynamoDbBlockList}, {@link DynamoDbKnownCallers} and the settings on
 * {@link DynamoDbSubscriberDirectory}) against the embedded DynamoDB, through the real SDK client.
 */
class BlockListTest {

    static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static DynamoDbBlockList blocks;
    static DynamoDbKnownCallers known;
    static DynamoDbSubscriberDirectory subscribers;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        blocks = new DynamoDbBlockList(dynamoDb, Resources.BLOCKS.name());
        known = new DynamoDbKnownCallers(dynamoDb, Resources.KNOWN_CALLERS.name());
        subscribers = new DynamoDbSubscriberDirectory(dynamoDb, Resources.SUBSCRIBERS.name());
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        aws.close();
    }

    @Test
    void anOperatorsPstnBlockIsOneAttributeOfTheSubscriberThatRoutingReadsAndAnUnblockRemovesIt() {
        Subscriber provisioned = new Subscriber("pia", Optional.of(PhoneNumber.parse("+447400123456")),
                new RoutingPlan(true, List.of("44909"), true), true);
        subscribers.put(provisioned);
        PstnBlock block = new PstnBlock("pia", "fraud review", "arn:aws:iam::1:user/ops", T0);

        subscribers.block(block);
        assertThat(subscribers.pstnBlock("pia")).contains(block);
        assertThat(subscribers.subscriber("pia")).as("the plan and settings kept, the block added")
                .isEqualTo(new Subscriber("pia", provisioned.phoneNumber(), provisioned.plan().withPstnBlocked(true), true));

        subscribers.unblock("pia");
        subscribers.unblock("pia");
        assertThat(subscribers.pstnBlock("pia")).isEmpty();
        assertThat(subscribers.subscriber("pia")).isEqualTo(provisioned);

        subscribers.unblock("nobody-here");
        assertThat(dynamoDb.getItem(r -> r.tableName(Resources.SUBSCRIBERS.name())
                .key(Map.of("userId", AttributeValue.fromS("nobody-here")))).hasItem()).as("no item made").isFalse();
    }

    @Test
    void aBlockIsKeptOnceWithItsFirstTimeListedOldestFirstAndOneWay() {
        assertThat(blocks.block(new BlockList.Block("ann", "zed", T0))).isEqualTo(new BlockList.Block("ann", "zed", T0));
        assertThat(blocks.block(new BlockList.Block("ann", "zed", T0.plusSeconds(60))).since()).isEqualTo(T0);
        blocks.block(new BlockList.Block("ann", "abe", T0.plusSeconds(5)));

        assertThat(blocks.of("ann")).extracting(BlockList.Block::blockedUserId).containsExactly("zed", "abe");
        assertThat(blocks.blocks("ann", "zed")).isTrue();
        assertThat(blocks.blocks("zed", "ann")).isFalse();
        assertThat(blocks.of("zed")).isEmpty();

        assertThat(blocks.unblock("ann", "zed")).isTrue();
        assertThat(blocks.unblock("ann", "zed")).as("nothing left to remove").isFalse();
        assertThat(blocks.blocks("ann", "zed")).isFalse();
        assertThat(blocks.of("ann")).extracting(BlockList.Block::blockedUserId).containsExactly("abe");
    }

    @Test
    void aUserKnowsWhomTheyRememberedOneWayAndTheFirstTimeIsKept() {
        assertThat(known.knows("cat", "dan")).isFalse();

        known.remember("cat", "dan", T0);
        known.remember("cat", "dan", T0.plusSeconds(90)); // a later call, or a redelivered event

        assertThat(known.knows("cat", "dan")).isTrue();
        assertThat(known.knows("dan", "cat")).isFalse();
        var item = dynamoDb.getItem(r -> r.tableName(Resources.KNOWN_CALLERS.name()).key(Map.of(
                "userId", AttributeValue.fromS("cat"), "knownUserId", AttributeValue.fromS("dan")))).item();
        assertThat(item.get("since").s()).isEqualTo(T0.toString());
        assertThat(item.get("lastAt").s()).isEqualTo(T0.plusSeconds(90).toString());
    }

    @Test
    void aMarkThatCannotBeWrittenIsDroppedNotThrown() {
        DynamoDbKnownCallers gone = new DynamoDbKnownCallers(dynamoDb, "no-such-table"); // a table out for good

        gone.remember("cat", "eve", T0);

        assertThat(known.knows("cat", "eve")).isFalse();
    }

    @Test
    void aUsersSettingIsWrittenAloneOnTheirSubscriberItemAndRoutingReadsItWithThem() {
        assertThat(subscribers.of("fay")).isEqualTo(PrivacySettings.Settings.DEFAULTS);
        subscribers.put(new Subscriber("gus", Optional.of(PhoneNumber.parse("+447400123456")),
                RoutingPlan.withPstn(List.of("+44909"))));

        subscribers.put("fay", new PrivacySettings.Settings(true));
        subscribers.put("gus", new PrivacySettings.Settings(true));

        assertThat(subscribers.of("fay").silenceUnknownCallers()).isTrue();
        assertThat(subscribers.subscriber("fay")).as("a user nobody provisioned stays app-only")
                .isEqualTo(new Subscriber("fay", Optional.empty(), RoutingPlan.voipOnly(), true));
        assertThat(subscribers.subscriber("gus")).as("the operator's attributes are left as they were")
                .isEqualTo(new Subscriber("gus", Optional.of(PhoneNumber.parse("+447400123456")),
                        RoutingPlan.withPstn(List.of("+44909")), true));
        subscribers.put("gus", new PrivacySettings.Settings(false));
        assertThat(subscribers.subscriber("gus").silencesUnknownCallers()).isFalse();
    }
}
