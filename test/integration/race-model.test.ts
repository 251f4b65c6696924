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
import {
  type DataVersion,
  type RegisterBrokerRequest,
  registerBrokerSchema,
  type TopicConfig,
} from "../../lib/domain/model";
import { DEFAULT_SELF_PRESERVATION } from "../../lib/domain/self-preservation";
import { DynamoRegistryStore } from "../../lib/store/dynamo-registry-store";
import { createDocumentClient } from "../../lib/store/dynamodb-client";
import { createTestTable, type TestTable } from "../support/dynamodb";
import { createPrng, type Prng, testSeed } from "../support/prng";
import { type ModelMember, ReferenceModel } from "../support/reference-model";
import { FakeClock } from "../support/registry-fixture";
import { dumpTable } from "../support/table-dump";

const SEED = testSeed("RACE_SEED", "race-model");
const ROUNDS = Number(process.env.RACE_ROUNDS ?? 8);
const INSTANCES = Number(process.env.RACE_INSTANCES ?? 200);
const GROUPS = Number(process.env.RACE_GROUPS ?? 70);
const CLUSTERS = ["ClusterA", "ClusterB", "ClusterC", "ClusterD"];
const STEP_MS = 500;
const TIMEOUTS = [1000, 1500, 2000, 3000];

type TopicTable = Record<string, TopicConfig>;

interface Instance {
  addr: string;
  haAddr: string;
  group: GroupSpec;
  timeout: number;
  /** Crashed: sends nothing until it has expired and been swept, then may come back. */
  stopped: boolean;
  /** The last full registration it sent that the registry applied (a steady heartbeat resends it). */
  lastSent?: RegisterBrokerRequest;
}

interface GroupSpec {
  brokerName: string;
  clusterName: string;
  zoneName: string;
  enableActingMaster: boolean;
  instances: Instance[];
  dataVersion: DataVersion;
  topics: TopicTable;
  pool: string[];
}

type OpKind = "full" | "steady" | "light" | "staleLight" | "unregister";

interface Op {
  kind: OpKind;
  label: string;
  instance: Instance;
  request?: RegisterBrokerRequest;
  ns: number;
  delayMs: number;
  /** Stable group: the response is order-free and is compared with the model's. */
  checkResponse: boolean;
}

type Entry =
  | { kind: "op"; op: Op; result?: unknown; error?: unknown }
  | { kind: "sweep"; ns: number; error?: unknown };

/** JSON with object keys sorted: key order is not part of the contract. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isDead = (m: ModelMember, now: number) => m.lastUpdateTimestamp + m.heartbeatTimeoutMillis < now;

function topicConfig(rng: Prng, topicName: string): TopicConfig {
  const queues = rng.pick([1, 4, 8, 16]);
  return {
    topicName,
    readQueueNums: queues,
    writeQueueNums: queues,
    perm: rng.pick([6, 6, 6, 7, 4]),
    topicSysFlag: 0,
    order: false,
  };
}

function buildFleet(rng: Prng, time: number): { groups: GroupSpec[]; instances: Instance[] } {
  const groups: GroupSpec[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const brokerName = `broker-${String(g).padStart(2, "0")}`;
    const pool = [
      ...Array.from({ length: 8 }, (_, k) => `T-${brokerName}-${k}`),
      ...Array.from({ length: 12 }, (_, k) => `Shared-${k}`),
      `%RETRY%group-${g % 5}`,
    ];
    const own = rng.shuffle(pool.slice(0, 8)).slice(0, rng.int(2, 5));
    const shared = rng.shuffle(pool.slice(8)).slice(0, rng.int(0, 2));
    const topics: TopicTable = {};
    for (const t of [...own, ...shared]) topics[t] = topicConfig(rng, t);
    groups.push({
      brokerName,
      clusterName: CLUSTERS[g % CLUSTERS.length] as string,
      zoneName: `az-${g % 3}`,
      enableActingMaster: rng.chance(0.35),
      instances: [],
      dataVersion: { stateVersion: 0, timestamp: time, counter: 1 },
      topics,
      pool,
    });
  }
  const instances: Instance[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    // Two per group first, then the rest spread at random (groups of 2 to 5).
    const group =
      i < 2 * GROUPS
        ? (groups[i % GROUPS] as GroupSpec)
        : rng.pick(groups.filter((g) => g.instances.length < 5));
    const k = group.instances.length;
    const g = groups.indexOf(group);
    const instance: Instance = {
      addr: `10.${Math.floor(g / 200)}.${g % 200}.${k + 1}:10911`,
      haAddr: `10.${Math.floor(g / 200)}.${g % 200}.${k + 1}:10912`,
      group,
      timeout: rng.pick(TIMEOUTS),
      stopped: false,
    };
    group.instances.push(instance);
    instances.push(instance);
  }
  return { groups, instances };
}

function changeConfig(rng: Prng, group: GroupSpec, now: number): void {
  const topics: TopicTable = { ...group.topics };
  const absent = group.pool.filter((t) => topics[t] === undefined);
  for (let n = rng.int(0, 2); n > 0 && absent.length > 0; n--) {
    const t = absent.splice(rng.int(0, absent.length - 1), 1)[0] as string;
    topics[t] = topicConfig(rng, t);
  }
  const present = Object.keys(topics);
  if (present.length > 2 && rng.chance(0.4)) delete topics[rng.pick(present)];
  const changed = rng.pick(Object.keys(topics));
  topics[changed] = topicConfig(rng, changed);
  group.topics = topics;
  group.dataVersion = { stateVersion: 0, timestamp: now, counter: group.dataVersion.counter + 1 };
}

function fullRequest(rng: Prng, instance: Instance, brokerId: number): RegisterBrokerRequest {
  const group = instance.group;
  const filterServers = rng.next();
  return registerBrokerSchema.parse({
    clusterName: group.clusterName,
    brokerName: group.brokerName,
    brokerId,
    brokerAddr: instance.addr,
    haServerAddr: instance.haAddr,
    zoneName: group.zoneName,
    enableActingMaster: group.enableActingMaster,
    heartbeatTimeoutMillis: instance.timeout,
    dataVersion: group.dataVersion,
    topicConfigTable: group.topics,
    ...(filterServers < 0.15
      ? { filterServerList: [] }
      : filterServers < 0.3
        ? { filterServerList: [instance.addr.replace(":10911", ":30000")] }
        : {}),
  });
}

function lightRequest(sent: RegisterBrokerRequest, stale: boolean): RegisterBrokerRequest {
  const { topicConfigTable: _omitted, filterServerList: _kept, ...light } = sent;
  return stale
    ? { ...light, dataVersion: { ...sent.dataVersion, counter: sent.dataVersion.counter + 1000 } }
    : light;
}

interface RoundPlan {
  sequences: Op[][];
  churnGroups: number;
  stableGroups: number;
}

class Fleet {
  readonly groups: GroupSpec[];
  readonly instances: Instance[];
  readonly allTopics = new Set<string>();

  constructor(
    private readonly rng: Prng,
    time: number,
  ) {
    const fleet = buildFleet(rng, time);
    this.groups = fleet.groups;
    this.instances = fleet.instances;
    for (const g of this.groups) for (const t of g.pool) this.allTopics.add(t);
  }

  private op(
    kind: OpKind,
    instance: Instance,
    label: string,
    checkResponse: boolean,
    request?: RegisterBrokerRequest,
  ): Op {
    return {
      kind,
      label,
      instance,
      ...(request !== undefined ? { request } : {}),
      ns: this.rng.int(0, 1),
      delayMs: this.rng.chance(0.5) ? 0 : this.rng.int(0, 8),
      checkResponse,
    };
  }

  /**
   * The operations of one round, per instance (each list runs sequentially, all lists concurrently).
   * Updates the instances' own bookkeeping (lastSent, stopped) as if every operation succeeded:
   * the model check at the end of the round tells whether they did.
   */
  planRound(model: ReferenceModel, now: number, boot: boolean): RoundPlan {
    const plan: RoundPlan = { sequences: [], churnGroups: 0, stableGroups: 0 };
    for (const group of this.groups) this.planGroup(group, model, now, boot, plan);
    return plan;
  }

  private planGroup(
    group: GroupSpec,
    model: ReferenceModel,
    now: number,
    boot: boolean,
    plan: RoundPlan,
  ): void {
    const rng = this.rng;
    const modelGroup = model.groups.get(group.brokerName);
    const members = modelGroup ? [...modelGroup.members.values()] : [];
    const memberOf = (i: Instance) => members.find((m) => m.brokerAddr === i.addr);
    const dead = members.filter((m) => isDead(m, now));
    const up = group.instances.filter((i) => memberOf(i) !== undefined);
    const down = group.instances.filter((i) => memberOf(i) === undefined);
    for (const i of down) {
      i.stopped = false;
      delete i.lastSent;
    }
    const live = up.filter((i) => {
      const m = memberOf(i);
      return m !== undefined && !isDead(m, now);
    });
    for (const m of dead) {
      const owner = up.find((i) => i.addr === m.brokerAddr);
      if (owner !== undefined && !owner.stopped) throw new Error(`fleet bug: running ${owner.addr} expired`);
    }
    // A running instance must refresh this round if it would otherwise be dead at the next one.
    const mustRefresh = (i: Instance) => {
      const m = memberOf(i);
      return m !== undefined && m.lastUpdateTimestamp + m.heartbeatTimeoutMillis < now + STEP_MS;
    };
    for (const i of live) if (!i.stopped && !boot && rng.chance(0.03)) i.stopped = true;
    const active = live.filter((i) => !i.stopped);
    const sequences = new Map<Instance, Op[]>();
    const add = (op: Op) => sequences.set(op.instance, [...(sequences.get(op.instance) ?? []), op]);

    if (boot) {
      // Every instance joins at once: master and slaves race, the master's queue data must win.
      group.instances.forEach((i, k) => {
        const request = fullRequest(rng, i, k);
        add(this.op("full", i, `boot join id ${k}`, false, request));
        i.lastSent = request;
      });
      plan.churnGroups++;
      for (const ops of sequences.values()) plan.sequences.push(ops);
      return;
    }

    const churn = dead.length > 0 || members.length === 0 || rng.chance(down.length > 0 ? 0.5 : 0.2);
    if (churn) {
      plan.churnGroups++;
      const hasMaster = members.some((m) => m.brokerId === 0);
      const unregistering = active.filter(() => rng.chance(0.12));
      const survivors = live.filter((i) => !unregistering.includes(i));
      const slaves = active.filter((i) => !unregistering.includes(i) && (memberOf(i)?.brokerId ?? 0) > 0);
      const promoted = !hasMaster && slaves.length > 0 && rng.chance(0.6) ? rng.pick(slaves) : undefined;
      const joinable = [...down];
      const joins: Array<{ instance: Instance; brokerId: number }> = [];
      let nextId = Math.max(0, ...members.map((m) => m.brokerId)) + 1;
      if (!hasMaster && promoted === undefined && joinable.length > 0) {
        if ((members.length === 0 || survivors.length > 0) && rng.chance(0.5)) {
          joins.push({
            instance: joinable.splice(rng.int(0, joinable.length - 1), 1)[0] as Instance,
            brokerId: 0,
          });
        } else if (members.length === 0) {
          // A group revived by slaves only: the lowest id is its prime slave (no WRITE).
          for (let n = rng.int(1, 2); n > 0 && joinable.length > 0; n--) {
            joins.push({ instance: joinable.splice(0, 1)[0] as Instance, brokerId: nextId++ });
          }
        }
      }
      // A slave joins only where a member with a lower id survives the round: it is never the
      // group's topic authority, whatever the interleaving.
      const anchored = survivors.length > 0 || promoted !== undefined || joins.some((j) => j.brokerId === 0);
      if (anchored && members.length > 0) {
        for (const i of joinable) if (rng.chance(0.6)) joins.push({ instance: i, brokerId: nextId++ });
      }

      for (const i of active) {
        const sent = i.lastSent;
        if (sent === undefined) throw new Error(`fleet bug: ${i.addr} is registered but sent nothing`);
        if (rng.chance(0.7) || mustRefresh(i))
          add(this.op("light", i, "light", false, lightRequest(sent, false)));
        if (rng.chance(0.1)) add(this.op("staleLight", i, "stale light", false, lightRequest(sent, true)));
        if (unregistering.includes(i)) {
          add(this.op("unregister", i, "unregister", false));
          delete i.lastSent;
        } else if (i === promoted) {
          const request = fullRequest(rng, i, 0);
          add(this.op("full", i, `promote ${sent.brokerId}→0`, false, request));
          i.lastSent = request;
        }
      }
      for (const { instance, brokerId } of joins) {
        const request = fullRequest(rng, instance, brokerId);
        add(this.op("full", instance, `join id ${brokerId}`, false, request));
        instance.lastSent = request;
        if (rng.chance(0.4)) add(this.op("steady", instance, "steady after join", false, request));
      }
    } else {
      plan.stableGroups++;
      if (rng.chance(0.3)) changeConfig(rng, group, now);
      for (const i of active) {
        let refreshed = false;
        for (let n = rng.int(1, 3); n > 0; n--) {
          const sent = i.lastSent;
          if (sent === undefined) throw new Error(`fleet bug: ${i.addr} is registered but sent nothing`);
          const r = rng.next();
          if (r < 0.35) {
            const request = fullRequest(rng, i, sent.brokerId);
            add(this.op("full", i, "full", true, request));
            i.lastSent = request;
            refreshed = true;
          } else if (r < 0.6) {
            add(this.op("steady", i, "steady", true, sent));
            refreshed = true;
          } else if (r < 0.9) {
            add(this.op("light", i, "light", true, lightRequest(sent, false)));
            refreshed = true;
          } else {
            add(this.op("staleLight", i, "stale light", true, lightRequest(sent, true)));
          }
        }
        const sent = i.lastSent;
        if (!refreshed && mustRefresh(i) && sent !== undefined) {
          add(this.op("light", i, "light", true, lightRequest(sent, false)));
        }
      }
    }
    for (const ops of sequences.values()) plan.sequences.push(ops);
  }
}

async function runOp(nameServers: NameServer[], op: Op): Promise<unknown> {
  const ns = nameServers[op.ns] as NameServer;
  const request = op.request;
  if (op.kind === "unregister") {
    const sent = op.instance.group;
    // The instance's id does not matter to unregister: every entry with its address goes.
    return ns.unregisterBroker({
      clusterName: sent.clusterName,
      brokerName: sent.brokerName,
      brokerId: 0,
      brokerAddr: op.instance.addr,
    });
  }
  if (request === undefined) throw new Error(`fleet bug: ${op.kind} without a request`);
  return (await ns.registerBroker(request)).response;
}

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
