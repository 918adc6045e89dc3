package dev.calling.infra.data;

import dev.calling.adapters.Resources;
import dev.calling.adapters.Resources.IndexDefinition;
import dev.calling.adapters.Resources.TableDefinition;
import dev.calling.infra.PhysicalNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.CfnTable;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.constructs.Construct;

/**
 * Every table of {@link Resources#TABLES}, as the definition says (keys, TTL, GSIs and their
 * projection), on-demand, with point-in-time recovery and deletion protection, kept when the
 * stack is deleted. A table added to Resources appears here without a change.
 */
public final class Tables extends Construct {

    private final Map<String, Table> byName = new LinkedHashMap<>();

    public Tables(Construct scope, String id, PhysicalNames names) {
        this(scope, id, names, Resources.TABLES);
    }

    public Tables(Construct scope, String id, PhysicalNames names, List<TableDefinition> definitions) {
        super(scope, id);
        for (TableDefinition definition : definitions) {
            byName.put(definition.name(), table(names, definition));
        }
    }

    private Table table(PhysicalNames names, TableDefinition definition) {
        String logicalId = PhysicalNames.pascal(definition.name()) + "Table";
        Table table = Table.Builder.create(this, logicalId)
                .tableName(names.table(definition))
                .partitionKey(string(definition.partitionKey()))
                .sortKey(definition.sortKey().map(Tables::string).orElse(null))
                .timeToLiveAttribute(definition.ttlAttribute().orElse(null))
                // On demand: call traffic is spiky and unpredictable; nothing to size or scale.
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true).build())
                // Calls, balances and ledgers are the business: neither a console click nor a
                // stack deletion removes them.
                .deletionProtection(true)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        for (IndexDefinition index : definition.indexes()) {
            table.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                    .indexName(index.name())
                    .partitionKey(string(index.partitionKey()))
                    .sortKey(index.sortKey().map(Tables::string).orElse(null))
                    .projectionType(index.projection() == Resources.Projection.KEYS_ONLY
                            ? ProjectionType.KEYS_ONLY : ProjectionType.ALL)
                    .build());
        }
        // Stable logical id, whatever construct tree this ends up in: a changed id would mean a new table.
        ((CfnTable) table.getNode().getDefaultChild()).overrideLogicalId(logicalId);
        return table;
    }

    private static Attribute string(String name) {
        return Attribute.builder().name(name).type(AttributeType.STRING).build();
    }

    public Table table(TableDefinition definition) {
        return byName.get(definition.name());
    }

    public Map<String, Table> byName() {
        return Map.copyOf(byName);
    }
}
