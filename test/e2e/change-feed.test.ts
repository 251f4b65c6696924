/**
 * The change feed over real HTTP: a gateway's route cache, through the typed client, against the local
 * registry (the same handlers as on AWS, DynamoDB Local, its sweeper). Its rounds after the first go by
 * the feed (one `POST /routes` with `changesSince`, no topics): the answer's `changes` (entries,
 * liveness digest, groups) parse, no round fails, and a slave joining a group is patched into the held
 * route without refetching it, as the registry then answers it. A schema drift between the handler
 * and the client would make every round fail and fall back silently: this is what catches it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameServerClient } from "../../lib/client/name-server-client";
import { Transport } from "../../lib/client/transport";
import { registryApiOf } from "../../lib/gateway/registry-api";
import { RouteCache } from "../../lib/gateway/route-cache";
import { type LocalRegistry, startLocalRegistry } from "../../lib/local/registry";
import { registration } from "../support/registry-fixture";
import { dynamodbEndpoint, unique } from "./client-helpers";

let registry: LocalRegistry;
let client: NameServerClient;

beforeAll(async () => {
  // Sweeps every second: the digest a feed round needs is never over 45 s old.
  registry = await startLocalRegistry({
    dynamodbEndpoint: dynamodbEndpoint(),
    tableName: unique("feed-e2e"),
    logLevel: "WARN",
    sweepIntervalMs: 1_000,
  });
  client = new NameServerClient(registry.url, new Transport());
});
afterAll(() => registry?.stop());

/** Past the route function's once-a-second window refresh, and a sweep. */
const nextWindow = () => new Promise((resolve) => setTimeout(resolve, 1_200));

describe("the change feed over HTTP (local registry)", () => {
  it("rounds go by the feed, none fails, and a slave joining is patched in as the registry answers", async () => {
    const brokerName = unique("broker");
    const topic = unique("Feed");
    const table = { [topic]: { topicName: topic, readQueueNums: 4, writeQueueNums: 4, perm: 6 } };
    await client.registerBroker(
      registration({ brokerName, brokerId: 0, brokerAddr: "10.0.0.1:10911", topicConfigTable: table }),
    );
    const cache = new RouteCache({ api: registryApiOf(client), intervalMs: 30_000, requestTimeoutMs: 5_000 });
    expect((await cache.get(topic)).found).toBe(true);
    await nextWindow();
    await cache.refresh(); // the first round: every topic, and the feed's cursor
    await nextWindow();
    await cache.refresh(); // by the feed
    expect(cache.stats).toMatchObject({ fullRounds: 1, feedRounds: 1, failedBatches: 0 });

    // A slave joins: a membership change, patched from the answer's `groups`. (The master's own
    // registration, within the overlap of the first round, may have been refetched once already.)
    const refetched = cache.stats.feedRefetchedTopics;
    await client.registerBroker(
      registration({ brokerName, brokerId: 1, brokerAddr: "10.0.0.2:10911", topicConfigTable: table }),
    );
    await nextWindow();
    await cache.refresh();
    expect(cache.stats).toMatchObject({
      fullRounds: 1,
      feedRounds: 2,
      failedBatches: 0,
    });
    expect(cache.stats.feedPatchedTopics).toBe(1);
    expect(cache.stats.feedRefetchedTopics).toBe(refetched);
    const held = await cache.get(topic);
    const fresh = await client.getRouteInfoByTopic(topic);
    expect(fresh.notModified).toBe(false);
    expect(held.found && held.route).toEqual(fresh.notModified ? undefined : fresh.route);
    expect(held.found && held.route.brokerDatas[0]?.brokerAddrs).toEqual({
      "0": "10.0.0.1:10911",
      "1": "10.0.0.2:10911",
    });
  });
});
