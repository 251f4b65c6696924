/**
 * Races against a reference model: a fleet of brokers drives the registry through two NameServers
 * over one table (two Lambdas), with the sweeper running concurrently, and after every round each
 * route, the cluster info, the topic lists and the stored groups must equal what the reference model
 * (test/support/reference-model.ts) says after applying the same operations one by one, in the order
 * they completed.
 *
 * Rounds are designed so that the expected state does not depend on how the operations interleave:
 * the fake clock stands still during a round; each instance's operations are sequential; a group
 * whose topology may change in a round ("churn": expiries, unregisters, a promotion, joins) sees only
 * light heartbeats from its other members, and joins/promotions are only planned where RocketMQ's
 * own outcome is order-free (see `planGroup`).
 *
 * Knobs: RACE_SEED (replay), RACE_ROUNDS, RACE_INSTANCES, RACE_GROUPS.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NameServer } from "../../lib/app/name-server";
import { createNameServer } from "../../lib/app/name-server-service";
import { mapLimit } from "../../lib/concurrency";
import { FullRegistrationRequiredError, TopicNotExistError } from "../../lib/domain/errors";
import type { RegisterBrokerRequest } from "../../lib/domain/model";
import { DEFAULT_SELF_PRESERVATION } from "../../lib/domain/self-preservation";
import { DynamoRegistryStore } from "../../lib/store/dynamo-registry-store";
import { createDocumentClient } from "../../lib/store/dynamodb-client";
import { createTestTable, type TestTable } from "../support/dynamodb";
import { createPrng, testSeed } from "../support/prng";
import {
  CLUSTERS,
  canonical,
  type Entry,
  Fleet,
  GROUPS,
  INSTANCES,
  ROUNDS,
  runOp,
  STEP_MS,
  sleep,
} from "../support/race-fleet";
import { type ModelMember, ReferenceModel } from "../support/reference-model";
import { FakeClock } from "../support/registry-fixture";
import { dumpTable } from "../support/table-dump";

const SEED = testSeed("RACE_SEED", "race-model");

/** A member as the comparison sees it: its hidden state too (heartbeat, timeout, dataVersion). */
function memberLine(m: Omit<ModelMember, "haServerAddr">): string {
  const dv = JSON.stringify(m.dataVersion);
  return `${m.brokerAddr} hb=${m.lastUpdateTimestamp} to=${m.heartbeatTimeoutMillis} dv=${dv} fs=${m.filterServerList}`;
}

/** The stored groups and queue data, in the model's terms (hidden state included: dataVersions, timeouts). */
async function storedView(table: TestTable, store: DynamoRegistryStore) {
  const { groups } = await store.listGroups();
  const epochs = new Map(groups.map((g) => [g.brokerName, g.epoch]));
  const view = {
    groups: {} as Record<string, unknown>,
    queueData: {} as Record<string, unknown>,
    garbage: [] as string[],
  };
  for (const g of groups.sort((a, b) => (a.brokerName < b.brokerName ? -1 : 1))) {
    view.groups[g.brokerName] = {
      clusterName: g.clusterName,
      zoneName: g.zoneName,
      enableActingMaster: g.enableActingMaster,
      members: Object.fromEntries(
        Object.values(g.members)
          .sort((a, b) => a.brokerId - b.brokerId)
          .map((m) => [m.brokerId, memberLine(m)]),
      ),
    };
  }
  for (const item of await dumpTable(table.client, table.tableName)) {
    if (item.type !== "queueData") continue;
    const { topic, brokerName, epoch, readQueueNums, writeQueueNums, perm, topicSysFlag } = item;
    if (epochs.get(String(brokerName)) !== epoch) {
      view.garbage.push(`${topic}/${brokerName}@${epoch}`);
      continue;
    }
    view.queueData[`${topic}/${brokerName}`] = {
      brokerName,
      readQueueNums,
      writeQueueNums,
      perm,
      topicSysFlag,
    };
  }
  return view;
}

function modelView(model: ReferenceModel) {
  const view = {
    groups: {} as Record<string, unknown>,
    queueData: {} as Record<string, unknown>,
    garbage: [] as string[],
  };
  for (const name of [...model.groups.keys()].sort()) {
    const g = model.groups.get(name);
    if (g === undefined) continue;
    view.groups[name] = {
      clusterName: g.clusterName,
      zoneName: g.zoneName,
      enableActingMaster: g.enableActingMaster,
      members: Object.fromEntries(
        [...g.members.values()]
          .sort((a, b) => a.brokerId - b.brokerId)
          .map((m) => [m.brokerId, memberLine(m)]),
      ),
    };
  }
  for (const [topic, perTopic] of model.topicQueueTable) {
    for (const [brokerName, qd] of perTopic) view.queueData[`${topic}/${brokerName}`] = { ...qd };
  }
  return view;
}

describe(`races against the reference model (seed ${SEED}: RACE_SEED=${SEED} replays it)`, () => {
  let table: TestTable;
  let clients: ReturnType<typeof createDocumentClient>[];
  let stores: DynamoRegistryStore[];
  let nameServers: NameServer[];
  const clock = new FakeClock();

  beforeAll(async () => {
    console.log(`race-model: ${INSTANCES} instances, ${GROUPS} groups, ${ROUNDS} rounds (seed ${SEED})`);
    table = await createTestTable("race");
    // Two Lambdas: two clients, two stores, two NameServers over one table. The bursts of a round
    // can keep DynamoDB Local (on shared cores) busy for seconds: these clients wait for it.
    clients = [0, 1].map(() => createDocumentClient({ endpoint: table.endpoint, requestTimeoutMs: 30_000 }));
    stores = clients.map((client) => new DynamoRegistryStore({ client, tableName: table.tableName }));
    const selfPreservation = { ...DEFAULT_SELF_PRESERVATION, enabled: false };
    nameServers = stores.map((store) => createNameServer({ store, now: clock.now, selfPreservation }));
  });

  afterAll(async () => {
    for (const client of clients ?? []) client.destroy();
    await table?.drop();
  });

  it("every round ends in exactly the state the model predicts: no lost member, no phantom, no 5xx", async () => {
    const rng = createPrng(SEED);
    const model = new ReferenceModel();
    const fleet = new Fleet(rng, clock.now());
    const labels: Record<string, number> = {};
    const totals = { ops: 0, sweeps: 0, reads: 0, churnGroups: 0, stableGroups: 0, expired: 0, status409: 0 };

    for (let round = 0; round < ROUNDS; round++) {
      clock.advance(STEP_MS);
      const now = clock.now();
      const where = `seed ${SEED}, round ${round}`;
      const plan = fleet.planRound(model, now, round === 0);
      totals.churnGroups += plan.churnGroups;
      totals.stableGroups += plan.stableGroups;
      const sweepDelays = Array.from({ length: rng.int(1, 3) }, () => ({
        ns: rng.int(0, 1),
        delayMs: rng.int(0, 40),
      }));
      const topicList = [...fleet.allTopics];
      const reads = Array.from({ length: 12 }, () => ({
        ns: rng.int(0, 1),
        topic: rng.pick(topicList),
        delayMs: rng.int(0, 40),
      }));

      const log: Entry[] = [];
      const readProblems: string[] = [];
      await Promise.all([
        ...plan.sequences.map(async (ops) => {
          for (const op of ops) {
            if (op.delayMs > 0) await sleep(op.delayMs);
            const entry: Entry = { kind: "op", op };
            try {
              entry.result = await runOp(nameServers, op);
            } catch (error) {
              entry.error = error;
            }
            log.push(entry);
          }
        }),
        ...sweepDelays.map(async ({ ns, delayMs }) => {
          await sleep(delayMs);
          const entry: Entry = { kind: "sweep", ns };
          try {
            await (nameServers[ns] as NameServer).sweep();
          } catch (error) {
            entry.error = error;
          }
          log.push(entry);
        }),
        // Reads during the churn: never an error, never a group without queue data or addresses.
        ...reads.map(async ({ ns, topic, delayMs }) => {
          await sleep(delayMs);
          const server = nameServers[ns] as NameServer;
          try {
            const route = await server.getRouteInfoByTopic(topic);
            const qdNames = route.queueDatas.map((q) => q.brokerName);
            const bdNames = route.brokerDatas.map((b) => b.brokerName);
            if (JSON.stringify(qdNames) !== JSON.stringify(bdNames)) {
              readProblems.push(`route ${topic}: queueDatas ${qdNames} vs brokerDatas ${bdNames}`);
            }
            for (const bd of route.brokerDatas) {
              if (Object.keys(bd.brokerAddrs).length === 0)
                readProblems.push(`route ${topic}: ${bd.brokerName} has no address`);
            }
          } catch (error) {
            if (!(error instanceof TopicNotExistError))
              readProblems.push(`route ${topic} threw ${String(error)}`);
          }
          try {
            await server.getBrokerClusterInfo();
          } catch (error) {
            readProblems.push(`cluster info threw ${String(error)}`);
          }
        }),
      ]);
      totals.reads += reads.length;

      // The model applies the same operations, in the order they completed.
      const problems: string[] = [...readProblems];
      for (const entry of log) {
        if (entry.kind === "sweep") {
          totals.sweeps++;
          if (entry.error !== undefined) problems.push(`sweep threw ${String(entry.error)}`);
          totals.expired += model.sweep(now);
          continue;
        }
        totals.ops++;
        const { op } = entry;
        const kind = op.label.replace(/\d+/g, "n");
        labels[kind] = (labels[kind] ?? 0) + 1;
        const what = `${op.label} ${op.instance.addr} (${op.instance.group.brokerName})`;
        if (op.kind === "unregister") {
          if (entry.error !== undefined) problems.push(`${what} threw ${String(entry.error)}`);
          model.unregister({ brokerName: op.instance.group.brokerName, brokerAddr: op.instance.addr });
          continue;
        }
        const expected = model.register(op.request as RegisterBrokerRequest, now);
        if (!expected.ok) {
          totals.status409++;
          if (!(entry.error instanceof FullRegistrationRequiredError)) {
            problems.push(
              `${what}: model says 409, got ${entry.error === undefined ? "success" : String(entry.error)}`,
            );
          }
          continue;
        }
        if (entry.error !== undefined) {
          problems.push(`${what}: threw ${String(entry.error)}`);
          continue;
        }
        if (op.checkResponse && canonical(entry.result) !== canonical(expected.response)) {
          problems.push(
            `${what}: response ${JSON.stringify(entry.result)}, model ${JSON.stringify(expected.response)}`,
          );
        }
      }

      // The sweeper finishes what the round left dead; then every read must match the model.
      await (nameServers[rng.int(0, 1)] as NameServer).sweep();
      totals.expired += model.sweep(now);

      const ns = () => nameServers[rng.int(0, 1)] as NameServer;
      const actualInfo = await ns().getBrokerClusterInfo();
      const expectedInfo = model.clusterInfo(now);
      if (canonical(actualInfo) !== canonical(expectedInfo)) {
        problems.push(
          `cluster info:\n  got   ${JSON.stringify(actualInfo)}\n  model ${JSON.stringify(expectedInfo)}`,
        );
      }
      const allTopics = await ns().getAllTopicList();
      if (JSON.stringify(allTopics) !== JSON.stringify(model.topicList(now))) {
        problems.push(`topic list: got ${allTopics}, model ${model.topicList(now)}`);
      }
      for (const cluster of [...CLUSTERS, "NoSuchCluster"]) {
        const got = await ns().getTopicsByCluster(cluster);
        const want = model.topicList(now, cluster);
        if (JSON.stringify(got) !== JSON.stringify(want))
          problems.push(`topics of ${cluster}: got ${got}, model ${want}`);
      }
      const routeProblems = await mapLimit(topicList, 16, async (topic) => {
        const want = model.route(topic, now);
        let got: unknown;
        try {
          got = await ns().getRouteInfoByTopic(topic);
        } catch (error) {
          if (!(error instanceof TopicNotExistError)) return `route ${topic} threw ${String(error)}`;
        }
        if (canonical(got) !== canonical(want)) {
          return `route ${topic}:\n  got   ${JSON.stringify(got)}\n  model ${JSON.stringify(want)}`;
        }
        return undefined;
      });
      problems.push(...routeProblems.filter((p): p is string => p !== undefined));

      const stored = await storedView(table, stores[0] as DynamoRegistryStore);
      const expectedStore = modelView(model);
      for (const name of new Set([...Object.keys(stored.groups), ...Object.keys(expectedStore.groups)])) {
        const got = canonical(stored.groups[name]);
        const want = canonical(expectedStore.groups[name]);
        if (got !== want) problems.push(`stored group ${name}:\n  got   ${got}\n  model ${want}`);
      }
      for (const key of new Set([
        ...Object.keys(stored.queueData),
        ...Object.keys(expectedStore.queueData),
      ])) {
        const got = canonical(stored.queueData[key]);
        const want = canonical(expectedStore.queueData[key]);
        if (got !== want) problems.push(`stored queue data ${key}: got ${got}, model ${want}`);
      }
      if (stored.garbage.length > 0)
        problems.push(`queue data of no live incarnation left behind: ${stored.garbage}`);

      const liveInstances = Object.values(expectedInfo.brokerAddrTable).reduce(
        (n, bd) => n + Object.keys(bd.brokerAddrs).length,
        0,
      );
      console.log(
        `round ${round}: ${log.length} ops/sweeps (${plan.churnGroups} churn, ${plan.stableGroups} stable groups), ` +
          `${liveInstances} live instances in ${Object.keys(expectedInfo.brokerAddrTable).length} groups, ` +
          `${model.topicList(now).length} topics, ${problems.length} problems`,
      );
      expect(problems, `${where}: ${problems.length} problems`).toEqual([]);
    }
    console.log(`race-model totals (seed ${SEED}): ${JSON.stringify(totals)} ${JSON.stringify(labels)}`);
  }, 600_000);
});
