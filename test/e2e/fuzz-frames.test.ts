/**
 * Hostile RocketMQ remoting frames against the gateway in front of a real registry (a few hundred
 * cases here; `npm run fuzz` runs 10,000): random bytes, mutated frames of every request code,
 * hostile headers and bodies. No crash, every decodable request answered with a RocketMQ code, every
 * undecodable one closing only its connection, the gateway still serving, the table unchanged.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "../../lib/local/registry";
import { createDocumentClient } from "../../lib/store/dynamodb-client";
import { runFrameFuzz } from "../fuzz/frame-fuzz";
import { SEED, seedRegistration } from "../fuzz/hostile-requests";
import { client, startE2eRegistry } from "../support/e2e";
import { testSeed } from "../support/prng";

const RUNS = Number(process.env.FUZZ_FRAME_RUNS ?? 300);
const SEED_VALUE = testSeed("FUZZ_SEED", "fuzz-frames");

let registry: LocalRegistry;
let ddb: DynamoDBDocumentClient;

beforeAll(async () => {
  registry = await startE2eRegistry("fuzz-frames");
  ddb = createDocumentClient({ endpoint: registry.dynamodbEndpoint });
  const api = client(registry.url);
  for (const id of [0, 1] as const)
    expect((await api.post("/brokers/heartbeat", seedRegistration(id))).status).toBe(200);
  expect((await api.put(`/kv/${SEED.kvNamespace}/k`, { value: "v" })).status).toBe(200);
});

afterAll(async () => {
  ddb?.destroy();
  await registry?.stop();
});

describe("hostile frames over RocketMQ's protocol", () => {
  it(`${RUNS} generated frames: no crash, RocketMQ answers or a closed connection, the table unchanged`, async () => {
    const report = await runFrameFuzz({
      registryUrl: registry.url,
      ddb,
      tableName: registry.tableName,
      runs: RUNS,
      seed: SEED_VALUE,
      concurrency: 16,
      batchSize: 100,
      log: () => {},
    });
    expect(report.violations, `seed ${SEED_VALUE} (FUZZ_SEED=${SEED_VALUE} to replay)`).toEqual([]);
    expect(report.cases).toBe(RUNS);
    expect(report.outcomes.get("closed") ?? 0).toBeGreaterThan(0);
    expect(report.outcomes.get("answered") ?? 0).toBeGreaterThan(0);
    // Every connection the gateway closed was closed for an undecodable frame, with its one log line.
    // On a loaded machine a case can be judged silent (no answer within its quiet time) before the
    // gateway got round to closing it, so a log line may belong to a case counted as silent.
    const closed = report.outcomes.get("closed") ?? 0;
    expect(report.closeLogLines).toBeGreaterThanOrEqual(closed);
    expect(report.closeLogLines).toBeLessThanOrEqual(closed + (report.outcomes.get("silent") ?? 0));
  }, 300_000);
});
