/**
 * Integration-test helpers: a fresh, uniquely named table on the run's DynamoDB Local.
 * Integration tests refuse to run without that endpoint (no mock of DynamoDB, ever).
 */
import { randomUUID } from "node:crypto";
import { CreateTableCommand, DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { createDocumentClient } from "../../lib/store/dynamodb-client";
import { createTableInput } from "../../lib/store/table-definition";

export function dynamodbEndpoint(): string {
  const endpoint = inject("dynamodbEndpoint");
  if (!endpoint) throw new Error("integration tests need DynamoDB Local: run them through `npm test`");
  return endpoint;
}

export interface TestTable {
  tableName: string;
  client: DynamoDBDocumentClient;
  endpoint: string;
  drop(): Promise<void>;
}

export async function createTestTable(prefix = "test"): Promise<TestTable> {
  const endpoint = dynamodbEndpoint();
  const client = createDocumentClient({ endpoint });
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  return {
    tableName,
    client,
    endpoint,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}
