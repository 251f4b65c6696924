/**
 * The committed bench figures are what the code does today: the bench's measurement, run once each on
 * this run's DynamoDB Local, makes exactly the DynamoDB requests, capacity units, registry API requests
 * and bytes that docs/bench/latest.json holds (those are exact; latencies are not compared). When a
 * change moves one on purpose, `npm run bench` regenerates the report.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { measure } from "../../bench/measure";
import type { BenchResults } from "../../bench/report";
import { dynamodbEndpoint } from "../support/dynamodb";

const committed = JSON.parse(
  readFileSync(new URL("../../docs/bench/latest.json", import.meta.url), "utf8"),
) as BenchResults;

describe("docs/bench/latest.json against the code", () => {
  it("every operation's requests and units, the gateway's requests and bytes, each message's bytes", async () => {
    const fresh = await measure(dynamodbEndpoint(), {
      runs: 1,
      routeGroupCacheMs: committed.stack.routeGroupCacheMs || 5_000,
      log: () => {},
    });
    const counts = (m: BenchResults["measured"]) => ({
      operations: m.operations.map(({ id, requests, rcu, wcu, calls }) => ({
        id,
        requests,
        rcu,
        wcu,
        calls,
      })),
      gateway: m.gateway,
      bytes: m.bytes,
    });
    expect(counts(fresh)).toEqual(counts(committed.measured));
  }, 300_000);
});
