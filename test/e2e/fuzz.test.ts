/**
 * Hostile input over HTTP, property-based (fast-check): random and mutated JSON, wrong types, huge and
 * fractional numbers, unicode and control characters in names, deep nesting, duplicate keys, bodies
 * over the limit, bogus and bomb gzip, wrong content types, odd percent-encodings in paths, unknown
 * query parameters, wrong methods. Every answer is a 4xx with API.md's error shape, never a 5xx, and
 * the table is exactly as it was. `npm run fuzz` runs the same generators for 10,000+ cases.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "../../lib/local/registry";
import { createDocumentClient } from "../../lib/store/dynamodb-client";
import {
  describe as describeRequest,
  type HostileRequest,
  hostileRequest,
  mustHaveRequests,
  SEED,
  seedRegistration,
  send,
  violationsOf,
} from "../fuzz/hostile-requests";
import { client, startE2eRegistry } from "../support/e2e";
import { testSeed } from "../support/prng";
import { dumpTable, type TableItem } from "../support/table-dump";

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED_VALUE = testSeed("FUZZ_SEED", "fuzz (HTTP)");

let registry: LocalRegistry;
let ddb: DynamoDBDocumentClient;
let before: TableItem[];

beforeAll(async () => {
  registry = await startE2eRegistry("fuzz");
  ddb = createDocumentClient({ endpoint: registry.dynamodbEndpoint });
  const api = client(registry.url);
  for (const id of [0, 1] as const)
    expect((await api.post("/brokers/heartbeat", seedRegistration(id))).status).toBe(200);
  for (const key of SEED.kvKeys) {
    expect(
      (await api.put(`/kv/${SEED.kvNamespace}/${encodeURIComponent(key)}`, { value: `v-${key}` })).status,
    ).toBe(200);
  }
  expect(
    (await api.put(`/kv/ORDER_TOPIC_CONFIG/${SEED.topics[0]}`, { value: `${SEED.brokerName}:4` })).status,
  ).toBe(200);
  before = await dumpTable(ddb, registry.tableName);
  expect(before.length).toBeGreaterThan(5);
});

afterAll(async () => {
  ddb?.destroy();
  await registry?.stop();
});

async function expectRefused(r: HostileRequest): Promise<number> {
  const response = await send(registry.url, r);
  expect(
    violationsOf(r, response),
    `${describeRequest(r)}\n→ ${response.status} ${response.text.slice(0, 300)}`,
  ).toEqual([]);
  expect(await dumpTable(ddb, registry.tableName), `the table changed after ${describeRequest(r)}`).toEqual(
    before,
  );
  return response.status;
}

describe("hostile input over HTTP", () => {
  it(`${RUNS} generated requests: each a 4xx with the error shape, never a 5xx, the table unchanged`, async () => {
    const statuses: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(hostileRequest(), async (r) => {
        const status = await expectRefused(r);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }),
      { numRuns: RUNS, seed: SEED_VALUE },
    );
    console.info(`fuzz statuses: ${JSON.stringify(statuses)}`);
  }, 300_000);

  it.each(mustHaveRequests().map((r) => [r.label, r] as const))("%s", async (_, r) => {
    await expectRefused(r);
  });

  // Was a bug in lib/local/event.ts: a parameter named __proto__ vanished from queryStringParameters,
  // so `DELETE /topics/T?__proto__=x` deleted T instead of answering 400 as API Gateway's event would.
  it("an unknown query parameter named __proto__ is refused like any other", async () => {
    await expectRefused({
      label: "query __proto__",
      method: "GET",
      target: "/topics?__proto__=1",
      headers: {},
    });
  });
});
