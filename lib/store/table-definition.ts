/**
 * The registry's single DynamoDB table, defined once: the CDK stack, the local runner and the tests
 * all build their table from this. See README "Data model" for the items and access patterns.
 */
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

export const tableDefinition = {
  partitionKey: "pk",
  sortKey: "sk",
  /** Inverted index: a broker group's queue data across all topics (gsi1pk = `QD#<brokerName>`). */
  groupIndex: { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
  /** Backstop cleaner only (epoch seconds); correctness never depends on DynamoDB's TTL deletes. */
  ttlAttribute: "expiresAt",
} as const;

/** CreateTable input for DynamoDB Local and tests (on AWS the CDK stack creates the table). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, groupIndex } = tableDefinition;
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: "S" },
      { AttributeName: sortKey, AttributeType: "S" },
      { AttributeName: groupIndex.partitionKey, AttributeType: "S" },
      { AttributeName: groupIndex.sortKey, AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: partitionKey, KeyType: "HASH" },
      { AttributeName: sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: groupIndex.name,
        KeySchema: [
          { AttributeName: groupIndex.partitionKey, KeyType: "HASH" },
          { AttributeName: groupIndex.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}
