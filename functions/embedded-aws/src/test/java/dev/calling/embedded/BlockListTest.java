package dev.calling.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.calling.adapters.Resources;
import dev.calling.adapters.privacy.DynamoDbBlockList;
import dev.calling.core.privacy.BlockList;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@link DynamoDbBlockList} against the embedded DynamoDB, through the real SDK client. */
class BlockListTest {

    static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");

    static EmbeddedAws aws;
    static DynamoDbClient dynamoDb;
    static DynamoDbBlockList blocks;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
        dynamoDb = aws.clients().dynamoDb();
        blocks = new DynamoDbBlockList(dynamoDb, Resources.BLOCKS.name());
    }

    @AfterAll
    static void stop() {
        dynamoDb.close();
        aws.close();
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
}
