/**
 * The fleet the race-model test drives (race-model.test.ts): brokers in groups over clusters, the
 * plan of each round (which instances register, heartbeat, go stale or leave, and which groups may
 * change topology), and the operations against the NameServers. Sized by RACE_ROUNDS,
 * RACE_INSTANCES, RACE_GROUPS.
 */
import type { NameServer } from "../../lib/app/name-server";
import {
  type DataVersion,
  type RegisterBrokerRequest,
  registerBrokerSchema,
  type TopicConfig,
} from "../../lib/domain/model";
import type { Prng } from "./prng";
import type { ModelMember, ReferenceModel } from "./reference-model";

export const ROUNDS = Number(process.env.RACE_ROUNDS ?? 8);
export const INSTANCES = Number(process.env.RACE_INSTANCES ?? 200);
export const GROUPS = Number(process.env.RACE_GROUPS ?? 70);
export const CLUSTERS = ["ClusterA", "ClusterB", "ClusterC", "ClusterD"];
export const STEP_MS = 500;
export const TIMEOUTS = [1000, 1500, 2000, 3000];

export type TopicTable = Record<string, TopicConfig>;

export interface Instance {
  addr: string;
  haAddr: string;
  group: GroupSpec;
  timeout: number;
  /** Crashed: sends nothing until it has expired and been swept, then may come back. */
  stopped: boolean;
  /** The last full registration it sent that the registry applied (a steady heartbeat resends it). */
  lastSent?: RegisterBrokerRequest;
}

export interface GroupSpec {
  brokerName: string;
  clusterName: string;
  zoneName: string;
  enableActingMaster: boolean;
  instances: Instance[];
  dataVersion: DataVersion;
  topics: TopicTable;
  pool: string[];
}

export type OpKind = "full" | "steady" | "light" | "staleLight" | "unregister";

export interface Op {
  kind: OpKind;
  label: string;
  instance: Instance;
  request?: RegisterBrokerRequest;
  ns: number;
  delayMs: number;
  /** Stable group: the response is order-free and is compared with the model's. */
  checkResponse: boolean;
}

export type Entry =
  | { kind: "op"; op: Op; result?: unknown; error?: unknown }
  | { kind: "sweep"; ns: number; error?: unknown };

/** JSON with object keys sorted: key order is not part of the contract. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const isDead = (m: ModelMember, now: number) => m.lastUpdateTimestamp + m.heartbeatTimeoutMillis < now;

export function topicConfig(rng: Prng, topicName: string): TopicConfig {
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

export function buildFleet(rng: Prng, time: number): { groups: GroupSpec[]; instances: Instance[] } {
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

export function changeConfig(rng: Prng, group: GroupSpec, now: number): void {
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

export function fullRequest(rng: Prng, instance: Instance, brokerId: number): RegisterBrokerRequest {
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

export function lightRequest(sent: RegisterBrokerRequest, stale: boolean): RegisterBrokerRequest {
  const { topicConfigTable: _omitted, filterServerList: _kept, ...light } = sent;
  return stale
    ? { ...light, dataVersion: { ...sent.dataVersion, counter: sent.dataVersion.counter + 1000 } }
    : light;
}

export interface RoundPlan {
  sequences: Op[][];
  churnGroups: number;
  stableGroups: number;
}

export class Fleet {
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

export async function runOp(nameServers: NameServer[], op: Op): Promise<unknown> {
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
