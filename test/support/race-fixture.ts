/**
 * The deterministic races' shared fixture (race-cases.test.ts, race-registration.test.ts): a table
 * and a second Lambda (its own client and store) per test, brokers, and the checks of what a race
 * may leave behind. `f` and `other` are live bindings: each test sees its own.
 */

import { afterEach, beforeEach, expect } from "vitest";
import type { NameServer } from "../../lib/app/name-server";
import { createNameServer } from "../../lib/app/name-server-service";
import { TopicNotExistError } from "../../lib/domain/errors";
import type { RegisterBrokerRequest, TopicRouteData } from "../../lib/domain/model";
import { DEFAULT_SELF_PRESERVATION } from "../../lib/domain/self-preservation";
import { DynamoRegistryStore } from "../../lib/store/dynamo-registry-store";
import { createDocumentClient } from "../../lib/store/dynamodb-client";
import type { RegistryStore } from "../../lib/store/registry-store";
import { createPrng, testSeed } from "./prng";
import { type RegistryFixture, registration, topics, useRegistryFixture } from "./registry-fixture";
import { hookStore, type StoreHooks } from "./store-hooks";
import { dumpTable } from "./table-dump";

export let f: RegistryFixture;
let secondClient: ReturnType<typeof createDocumentClient>;
/** A second Lambda: its own client and store over the same table. */
export let other: NameServer;
export const NO_SELF_PRESERVATION = { ...DEFAULT_SELF_PRESERVATION, enabled: false };

/** Call once at the top of a test file. */
export function useRaceTables(): void {
  // A table per test: sweeps see only the test's own groups.
  f = useRegistryFixture({ perTest: true });
  beforeEach(() => {
    secondClient = createDocumentClient({ endpoint: f.table.endpoint });
    other = nameServerOver(new DynamoRegistryStore({ client: secondClient, tableName: f.table.tableName }));
  });
  afterEach(() => {
    secondClient?.destroy();
  });
}

export function nameServerOver(store: RegistryStore): NameServer {
  return createNameServer({ store, now: f.clock.now, selfPreservation: NO_SELF_PRESERVATION });
}
export const hooked = (hooks: StoreHooks) => nameServerOver(hookStore(f.store, hooks));

let n = 0;
export const uniqueName = () => `race-${++n}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Which operation starts first is drawn from a printed seed; the DynamoDB Local's own timing still varies.
const rng = createPrng(testSeed("RACE_CASES_SEED", "race-cases jitter"));
export const jitter = () => sleep(rng.int(0, 5));

export function master(brokerName: string, overrides: Record<string, unknown> = {}): RegisterBrokerRequest {
  return registration({
    brokerName,
    brokerId: 0,
    brokerAddr: "10.0.0.1:10911",
    haServerAddr: "10.0.0.1:10912",
    heartbeatTimeoutMillis: 10_000,
    topicConfigTable: topics(3, brokerName),
    ...overrides,
  });
}
export function slave(brokerName: string, overrides: Record<string, unknown> = {}): RegisterBrokerRequest {
  return master(brokerName, {
    brokerId: 1,
    brokerAddr: "10.0.0.2:10911",
    haServerAddr: "10.0.0.2:10912",
    ...overrides,
  });
}
export const lightOf = (request: RegisterBrokerRequest): RegisterBrokerRequest => {
  const { topicConfigTable: _omitted, ...light } = request;
  return light;
};

export async function routeOrUndefined(
  topic: string,
  ns: NameServer = f.nameServer,
): Promise<TopicRouteData | undefined> {
  try {
    return await ns.getRouteInfoByTopic(topic);
  } catch (error) {
    if (error instanceof TopicNotExistError) return undefined;
    throw error;
  }
}

/**
 * The group is either registered with every one of its topics (the group item live, queue data of
 * its incarnation for each topic, each route serving it), or fully gone (no group, no queue data,
 * no route): never a route with the group but no queue data, nor queue data of a group that is gone.
 */
export async function registeredOrGone(
  brokerName: string,
  topicNames: string[],
): Promise<"registered" | "gone"> {
  const group = await f.store.getGroup(brokerName);
  const queueData = await f.store.getGroupQueueData(brokerName);
  const routes = await Promise.all(topicNames.map((t) => routeOrUndefined(t)));
  if (group !== undefined && Object.keys(group.members).length > 0) {
    expect(
      queueData
        .filter((qd) => qd.epoch === group.epoch)
        .map((qd) => qd.topic)
        .sort(),
    ).toEqual([...topicNames].sort());
    for (const route of routes) expect(route?.queueDatas.map((qd) => qd.brokerName)).toContain(brokerName);
    return "registered";
  }
  expect(queueData, `queue data left behind by ${brokerName}`).toEqual([]);
  expect(group, "an emptied group item left behind").toBeUndefined();
  for (const route of routes) expect(route).toBeUndefined();
  return "gone";
}

/** Queue data items whose group is not there in that incarnation (invisible, but never cleaned). */
export async function dumpOrphans(): Promise<string[]> {
  const items = await dumpTable(f.table.client, f.table.tableName);
  const epochs = new Map(
    items.filter((i) => i.type === "group").map((i) => [String(i.brokerName), String(i.epoch)] as const),
  );
  return items
    .filter((i) => i.type === "queueData" && epochs.get(String(i.brokerName)) !== String(i.epoch))
    .map((i) => `${String(i.topic)}/${String(i.brokerName)}`);
}
