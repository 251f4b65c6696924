/**
 * Wiring for the Lambda handlers: configuration is read once, at module scope (cold start), and the
 * one DynamoDB client is created outside the handlers and reused across invocations.
 */

import { parseRetentionDays } from "../domain/history";
import { selfPreservationConfigFromEnv } from "../domain/self-preservation";
import { DynamoRegistryStore } from "../store/dynamo-registry-store";
import { createDocumentClient } from "../store/dynamodb-client";
import type { HealthReport, NameServer } from "./name-server";
import { createNameServer, DEFAULT_CONFIG_CACHE_MS } from "./name-server-service";
import { ProbeCache } from "./probe-cache";

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

function cacheMs(name: string): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return 0;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 10_000) {
    throw new Error(`${name} must be a whole number of milliseconds from 0 to 10000, got ${raw}`);
  }
  return value;
}

const configCacheMs = process.env.CONFIG_CACHE_MS ? cacheMs("CONFIG_CACHE_MS") : DEFAULT_CONFIG_CACHE_MS;

export const nameServer: NameServer = createNameServer({
  routeGroupCacheMs: cacheMs("ROUTE_GROUP_CACHE_MS"),
  configCacheMs,
  store: new DynamoRegistryStore({ client, tableName }),
  selfPreservation: selfPreservationConfigFromEnv(process.env),
  historyRetentionDays: parseRetentionDays(process.env.HISTORY_RETENTION_DAYS),
});

/**
 * GET /health through a per-instance cache (HEALTH_CACHE_MS, 0 = every call reads): a flood of the
 * public route costs one table read per instance per period. The stack sets it; locally it is off, so
 * a self-preservation change shows at once.
 */
export const healthProbe = new ProbeCache<HealthReport>(
  () => nameServer.health(),
  cacheMs("HEALTH_CACHE_MS"),
);
