/**
 * Wiring for the Lambda handlers: configuration is read once, at module scope (cold start), and the
 * one DynamoDB client is created outside the handlers and reused across invocations.
 */

import { selfPreservationConfigFromEnv } from "../domain/self-preservation";
import { DynamoRegistryStore } from "../store/dynamo-registry-store";
import { createDocumentClient } from "../store/dynamodb-client";
import type { NameServer } from "./name-server";
import { createNameServer } from "./name-server-service";

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set: the function cannot start without it`);
  }
  return value;
}

const tableName = requireEnv("TABLE_NAME");
const client = createDocumentClient({
  endpoint: process.env.DYNAMODB_ENDPOINT || undefined,
  region: process.env.AWS_REGION,
});

export const nameServer: NameServer = createNameServer({
  store: new DynamoRegistryStore({ client, tableName }),
  selfPreservation: selfPreservationConfigFromEnv(process.env),
});
