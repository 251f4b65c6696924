/**
 * Deterministic races: each test forces one interleaving that random scheduling only hits now and
 * then (a store whose methods run something else in between), or repeats a race many times.
 */

import { TransactionCanceledException, TransactionConflictException } from "@aws-sdk/client-dynamodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NameServer } from "../../lib/app/name-server";
import { createNameServer } from "../../lib/app/name-server-service";
import { ServiceUnavailableError, TopicNotExistError } from "../../lib/domain/errors";
import type { RegisterBrokerRequest, TopicRouteData } from "../../lib/domain/model";
import { DEFAULT_SELF_PRESERVATION } from "../../lib/domain/self-preservation";
import { DynamoRegistryStore } from "../../lib/store/dynamo-registry-store";
import { createDocumentClient } from "../../lib/store/dynamodb-client";
import type { RegistryStore } from "../../lib/store/registry-store";
import { createPrng, testSeed } from "../support/prng";
import { registration, topics, useRegistryFixture } from "../support/registry-fixture";
import { gate, hookClient, hookStore, type StoreHooks } from "../support/store-hooks";
import { dumpTable } from "../support/table-dump";

// A table per test: sweeps see only the test's own groups.
const f = useRegistryFixture({ perTest: true });
let secondClient: ReturnType<typeof createDocumentClient>;
/** A second Lambda: its own client and store over the same table. */
let other: NameServer;
const NO_SELF_PRESERVATION = { ...DEFAULT_SELF_PRESERVATION, enabled: false };

beforeEach(() => {
  secondClient = createDocumentClient({ endpoint: f.table.endpoint });
  other = nameServerOver(new DynamoRegistryStore({ client: secondClient, tableName: f.table.tableName }));
});
afterEach(() => {
  secondClient?.destroy();
});

function nameServerOver(store: RegistryStore): NameServer {
  return createNameServer({ store, now: f.clock.now, selfPreservation: NO_SELF_PRESERVATION });
}
const hooked = (hooks: StoreHooks) => nameServerOver(hookStore(f.store, hooks));

let n = 0;
const uniqueName = () => `race-${++n}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Which operation starts first is drawn from a printed seed; the DynamoDB Local's own timing still varies.
const rng = createPrng(testSeed("RACE_CASES_SEED", "race-cases jitter"));
const jitter = () => sleep(rng.int(0, 5));

function master(brokerName: string, overrides: Record<string, unknown> = {}): RegisterBrokerRequest {
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
function slave(brokerName: string, overrides: Record<string, unknown> = {}): RegisterBrokerRequest {
  return master(brokerName, {
    brokerId: 1,
    brokerAddr: "10.0.0.2:10911",
    haServerAddr: "10.0.0.2:10912",
    ...overrides,
  });
}
const lightOf = (request: RegisterBrokerRequest): RegisterBrokerRequest => {
  const { topicConfigTable: _omitted, ...light } = request;
  return light;
};

async function routeOrUndefined(
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
async function registeredOrGone(brokerName: string, topicNames: string[]): Promise<"registered" | "gone"> {
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

describe("a heartbeat during a sweep is never evicted", () => {
  it.each(["light", "steady", "changed"] as const)(
    "a %s heartbeat landing between the sweeper's read and its removal keeps the broker",
    async (kind) => {
      const brokerName = uniqueName();
      const request = master(brokerName, { heartbeatTimeoutMillis: 1000 });
      await f.nameServer.registerBroker(request);
      f.clock.advance(1500);
      const heartbeat =
        kind === "light"
          ? lightOf(request)
          : kind === "steady"
            ? request
            : { ...request, dataVersion: { ...request.dataVersion, counter: 2 } };
      let injected = false;
      const sweeper = hooked({
        listGroups: async (original) => {
          const listed = await original();
          if (!injected) {
            injected = true;
            await other.registerBroker(heartbeat);
          }
          return listed;
        },
      });

      const report = await sweeper.sweep();

      expect(injected).toBe(true);
      expect(report.expiredInstances).toBe(0);
      expect((await routeOrUndefined(`${brokerName}-0`))?.brokerDatas[0]?.brokerAddrs).toEqual({
        "0": "10.0.0.1:10911",
      });
      expect((await f.nameServer.sweep()).expiredInstances).toBe(0);
      expect(
        await registeredOrGone(
          brokerName,
          Object.keys(heartbeat.topicConfigTable ?? request.topicConfigTable ?? {}),
        ),
      ).toBe("registered");
    },
  );

  it("in a group where one member heartbeats meanwhile and the other is dead, the next sweep takes only the dead one", async () => {
    const brokerName = uniqueName();
    const m = master(brokerName, { heartbeatTimeoutMillis: 1000 });
    const s = slave(brokerName, { heartbeatTimeoutMillis: 1000 });
    await f.nameServer.registerBroker(m);
    await f.nameServer.registerBroker(s);
    f.clock.advance(1500);
    let injected = false;
    const sweeper = hooked({
      listGroups: async (original) => {
        const listed = await original();
        if (!injected) {
          injected = true;
          await other.registerBroker(lightOf(s));
        }
        return listed;
      },
    });

    await sweeper.sweep();
    await f.nameServer.sweep();

    const group = await f.store.getGroup(brokerName);
    expect(Object.values(group?.members ?? {}).map((x) => x.brokerAddr)).toEqual(["10.0.0.2:10911"]);
    expect((await routeOrUndefined(`${brokerName}-0`))?.brokerDatas[0]?.brokerAddrs).toEqual({
      "1": "10.0.0.2:10911",
    });
  });

  it.each(["removeMembers", "getGroupQueueData", "deleteQueueDataOfEmptyGroup"] as const)(
    "a registration landing right after the sweep's %s revives the group with all its topics",
    async (step) => {
      const brokerName = uniqueName();
      const request = master(brokerName, {
        heartbeatTimeoutMillis: 1000,
        topicConfigTable: topics(5, brokerName),
      });
      await f.nameServer.registerBroker(request);
      f.clock.advance(1500);
      let injected = false;
      const injectAfter = async <T>(result: T): Promise<T> => {
        if (!injected) {
          injected = true;
          await other.registerBroker({ ...request, dataVersion: { ...request.dataVersion, counter: 9 } });
        }
        return result;
      };
      const hooks: StoreHooks = {};
      if (step === "removeMembers")
        hooks.removeMembers = async (original, ...args) => injectAfter(await original(...args));
      if (step === "getGroupQueueData") {
        hooks.getGroupQueueData = async (original, ...args) => injectAfter(await original(...args));
      }
      if (step === "deleteQueueDataOfEmptyGroup") {
        hooks.deleteQueueDataOfEmptyGroup = async (original, ...args) => injectAfter(await original(...args));
      }

      await hooked(hooks).sweep();
      await f.nameServer.sweep();

      expect(injected).toBe(true);
      expect(await registeredOrGone(brokerName, Object.keys(request.topicConfigTable ?? {}))).toBe(
        "registered",
      );
      expect(await dumpOrphans()).toEqual([]);
    },
  );
});

/** Queue data items whose group is not there in that incarnation (invisible, but never cleaned). */
async function dumpOrphans(): Promise<string[]> {
  const items = await dumpTable(f.table.client, f.table.tableName);
  const epochs = new Map(
    items.filter((i) => i.type === "group").map((i) => [String(i.brokerName), String(i.epoch)] as const),
  );
  return items
    .filter((i) => i.type === "queueData" && epochs.get(String(i.brokerName)) !== String(i.epoch))
    .map((i) => `${String(i.topic)}/${String(i.brokerName)}`);
}

describe("master and slave registering at the same moment", () => {
  it("a new group, 30 times: the master's queue data keeps WRITE and both addresses are served", async () => {
    for (let i = 0; i < 30; i++) {
      const brokerName = uniqueName();
      const [first, second] = i % 2 === 0 ? [f.nameServer, other] : [other, f.nameServer];
      await Promise.all([
        jitter().then(() => first.registerBroker(master(brokerName))),
        jitter().then(() => second.registerBroker(slave(brokerName))),
      ]);
      for (let t = 0; t < 3; t++) {
        const route = await routeOrUndefined(`${brokerName}-${t}`);
        expect(
          route?.queueDatas.map((qd) => qd.perm),
          `${brokerName} topic ${t}`,
        ).toEqual([6]);
        expect(route?.brokerDatas[0]?.brokerAddrs).toEqual({ "0": "10.0.0.1:10911", "1": "10.0.0.2:10911" });
      }
    }
  });

  it("a slave-only acting-master group, 20 times: a master joining while the prime slave re-registers ends with WRITE", async () => {
    const acting = { enableActingMaster: true };
    for (let i = 0; i < 20; i++) {
      const brokerName = uniqueName();
      await f.nameServer.registerBroker(slave(brokerName, acting));
      expect((await routeOrUndefined(`${brokerName}-0`))?.queueDatas[0]?.perm).toBe(4);
      await Promise.all([
        jitter().then(() => other.registerBroker(master(brokerName, acting))),
        jitter().then(() =>
          f.nameServer.registerBroker(
            slave(brokerName, { ...acting, dataVersion: { stateVersion: 0, timestamp: 2, counter: 2 } }),
          ),
        ),
      ]);
      for (let t = 0; t < 3; t++) {
        expect((await routeOrUndefined(`${brokerName}-${t}`))?.queueDatas.map((qd) => qd.perm)).toEqual([6]);
      }
    }
  });

  it("the prime slave's topic writes held until the master has registered: the master's WRITE survives", async () => {
    const brokerName = uniqueName();
    const masterDone = gate();
    let held = false;
    const slaveSide = hooked({
      putQueueData: async (original, ...args) => {
        if (!held) {
          held = true;
          await masterDone.promise;
        }
        return original(...args);
      },
    });
    const slaveRegistration = slaveSide.registerBroker(slave(brokerName));
    while (!held) await sleep(1);
    await other.registerBroker(master(brokerName));
    masterDone.open();
    const out = await slaveRegistration;

    // Its transaction found the master and it was planned again: a plain slave, told its master.
    expect(out.response).toEqual({
      masterAddr: "10.0.0.1:10911",
      haServerAddr: "10.0.0.1:10912",
      topicConfigApplied: false,
    });
    for (let t = 0; t < 3; t++) {
      expect((await routeOrUndefined(`${brokerName}-${t}`))?.queueDatas.map((qd) => qd.perm)).toEqual([6]);
    }
  });
});

describe("a prime slave that lost to a master joining", () => {
  it("is prime again after the master left: an unchanged dataVersion writes only missing topics, as in RocketMQ", async () => {
    const brokerName = uniqueName();
    let injected = false;
    const slaveSide = hooked({
      // The prime slave's topics are written; before it can mark them applied, the master joins.
      putQueueData: async (original, ...args) => {
        const written = await original(...args);
        if (!injected) {
          injected = true;
          await other.registerBroker(master(brokerName));
        }
        return written;
      },
    });
    await slaveSide.registerBroker(slave(brokerName));
    expect(injected).toBe(true);
    await f.nameServer.unregisterBroker(master(brokerName));

    // Its next heartbeat, the same registration: prime slave again, nothing new to write.
    await f.nameServer.registerBroker(slave(brokerName));

    for (let t = 0; t < 3; t++) {
      const route = await routeOrUndefined(`${brokerName}-${t}`);
      expect(route?.brokerDatas[0]?.brokerAddrs).toEqual({ "1": "10.0.0.2:10911" });
      expect(
        route?.queueDatas.map((qd) => qd.perm),
        `topic ${t} keeps the master's perm`,
      ).toEqual([6]);
    }
  });
});

describe("acting master: WRITE is cleared only while the group has no master", () => {
  it.each([
    ["unregister", "getGroupQueueData"],
    ["unregister", "updatePerm"],
    ["expiry", "getGroupQueueData"],
    ["expiry", "updatePerm"],
  ] as const)(
    "a slave promoted to master while the %s of the old master clears WRITE (at %s) ends with WRITE",
    async (how, step) => {
      const brokerName = uniqueName();
      const m = master(brokerName, {
        enableActingMaster: true,
        heartbeatTimeoutMillis: how === "expiry" ? 1000 : 10_000,
      });
      const s = slave(brokerName, { enableActingMaster: true });
      await f.nameServer.registerBroker(m);
      await f.nameServer.registerBroker(s);
      if (how === "expiry") f.clock.advance(1500);
      let injected = false;
      const promote = async () => {
        if (injected) return;
        injected = true;
        await other.registerBroker({ ...s, brokerId: 0 });
      };
      // The clearing reads the group's queue data, then clears WRITE item by item.
      const remover = hooked(
        step === "getGroupQueueData"
          ? {
              getGroupQueueData: async (original, ...args) => {
                const read = await original(...args);
                await promote();
                return read;
              },
            }
          : {
              updatePerm: async (original, ...args) => {
                await promote();
                return original(...args);
              },
            },
      );

      if (how === "unregister") await remover.unregisterBroker({ ...m });
      else await remover.sweep();
      expect(injected).toBe(true);
      // Cleared after the new master wrote: the registry noticed, and the new master's next heartbeat
      // (a steady one) rewrites its queue data. RocketMQ's lock would have ordered the two.
      const route = await routeOrUndefined(`${brokerName}-0`);
      if (step === "getGroupQueueData") expect(route?.queueDatas.map((qd) => qd.perm)).toEqual([6]);
      await other.registerBroker({ ...s, brokerId: 0 });

      for (let t = 0; t < 3; t++) {
        const after = await routeOrUndefined(`${brokerName}-${t}`);
        expect(after?.brokerDatas[0]?.brokerAddrs).toEqual({ "0": "10.0.0.2:10911" });
        expect(
          after?.queueDatas.map((qd) => qd.perm),
          `topic ${t}`,
        ).toEqual([6]);
      }
    },
  );
});

describe("a registration racing an unregister of the same broker", () => {
  it("30 times at random: registered with all its topics, or fully gone", async () => {
    const outcomes = { registered: 0, gone: 0 };
    for (let i = 0; i < 30; i++) {
      const brokerName = uniqueName();
      const request = master(brokerName);
      await f.nameServer.registerBroker(request);
      const changed = {
        ...request,
        dataVersion: { ...request.dataVersion, counter: 2 },
        topicConfigTable: topics(4, brokerName),
      };
      const [a, b] = i % 2 === 0 ? [f.nameServer, other] : [other, f.nameServer];
      await Promise.all([
        jitter().then(() => a.unregisterBroker(request)),
        jitter().then(() => b.registerBroker(i % 3 === 0 ? request : changed)),
      ]);
      const expectedTopics = Object.keys((i % 3 === 0 ? request : changed).topicConfigTable ?? {});
      outcomes[await registeredOrGone(brokerName, expectedTopics)]++;
    }
    expect(outcomes.registered + outcomes.gone).toBe(30);
  });

  it.each(["writeMember", "putQueueData"] as const)(
    "an unregister that completes right after the registration's %s",
    async (step) => {
      const brokerName = uniqueName();
      const request = master(brokerName);
      await f.nameServer.registerBroker(request);
      const changed = {
        ...request,
        dataVersion: { ...request.dataVersion, counter: 2 },
        topicConfigTable: topics(4, brokerName),
      };
      let injected = false;
      const injectAfter = async <T>(result: T): Promise<T> => {
        if (!injected) {
          injected = true;
          await other.unregisterBroker(request);
        }
        return result;
      };
      const registrar = hooked(
        step === "writeMember"
          ? { writeMember: async (original, ...args) => injectAfter(await original(...args)) }
          : { putQueueData: async (original, ...args) => injectAfter(await original(...args)) },
      );

      await registrar.registerBroker(changed);

      expect(injected).toBe(true);
      expect(await registeredOrGone(brokerName, Object.keys(changed.topicConfigTable))).toBe("gone");
      expect(await dumpOrphans()).toEqual([]);
    },
  );
});

describe("two registrations of the same broker at once", () => {
  function pair(brokerName: string) {
    const a = master(brokerName, {
      dataVersion: { stateVersion: 0, timestamp: 1, counter: 10 },
      topicConfigTable: topics(4, brokerName, 6),
    });
    const b = master(brokerName, {
      dataVersion: { stateVersion: 0, timestamp: 1, counter: 11 },
      topicConfigTable: {
        ...topics(4, brokerName, 7),
        [`${brokerName}-extra`]: { readQueueNums: 2, writeQueueNums: 2, perm: 7 },
      },
    });
    return { a, b };
  }

  /** The stored dataVersion names the winner; every topic's queue data must be the winner's config. */
  async function expectConsistent(brokerName: string, a: RegisterBrokerRequest, b: RegisterBrokerRequest) {
    const group = await f.store.getGroup(brokerName);
    const counter = group?.members["0"]?.dataVersion.counter;
    const winner = counter === 10 ? a : b;
    const loser = winner === a ? b : a;
    for (const topic of new Set([
      ...Object.keys(a.topicConfigTable ?? {}),
      ...Object.keys(b.topicConfigTable ?? {}),
    ])) {
      const config = winner.topicConfigTable?.[topic] ?? loser.topicConfigTable?.[topic];
      const route = await routeOrUndefined(topic);
      expect(
        route?.queueDatas.map((qd) => qd.perm),
        `${topic} (winner dataVersion ${counter})`,
      ).toEqual([config?.perm]);
    }
    return winner;
  }

  it("20 times at random, both new and existing: the winner's config, at the latest from its next heartbeat", async () => {
    let healedByHeartbeat = 0;
    for (let i = 0; i < 20; i++) {
      const brokerName = uniqueName();
      const { a, b } = pair(brokerName);
      if (i % 2 === 1) await f.nameServer.registerBroker(master(brokerName));
      await Promise.all([
        jitter().then(() => f.nameServer.registerBroker(a)),
        jitter().then(() => other.registerBroker(b)),
      ]);
      const counter = (await f.store.getGroup(brokerName))?.members["0"]?.dataVersion.counter;
      expect([10, 11]).toContain(counter);
      const winner = counter === 10 ? a : b;
      try {
        await expectConsistent(brokerName, a, b);
      } catch {
        // The loser's writes landed last; it noticed, and the winner's next heartbeat rewrites.
        healedByHeartbeat++;
      }
      await f.nameServer.registerBroker(winner);
      expect(await expectConsistent(brokerName, a, b)).toBe(winner);
    }
    console.info(
      `same-broker registration races: ${healedByHeartbeat}/20 needed the winner's next heartbeat`,
    );
  });

  it("the first one's topic writes land after the second one completed: the second one's config wins", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(master(brokerName));
    const { a, b } = pair(brokerName);
    const bDone = gate();
    let held = false;
    const slow = hooked({
      putQueueData: async (original, ...args) => {
        if (!held) {
          held = true;
          await bDone.promise;
        }
        return original(...args);
      },
    });
    const first = slow.registerBroker(a);
    while (!held) await sleep(1);
    await other.registerBroker(b);
    bDone.open();
    await first;

    // Right away, or at the latest after the winner's next heartbeat (which must not be a no-op).
    await f.nameServer.registerBroker(b);
    const winner = await expectConsistent(brokerName, a, b);
    expect(winner).toBe(b);
  });
});

describe("a sweep that dies half-way", () => {
  /** A sweeper over its own client that throws (as a Lambda timing out would stop) at the chosen request. */
  function dyingSweeper(dieAt: (operation: string, count: number) => boolean) {
    const counts = new Map<string, number>();
    let dead = false;
    const client = hookClient(f.table.client, (command) => {
      const name = command.constructor.name;
      const count = (counts.get(name) ?? 0) + 1;
      counts.set(name, count);
      // Once dead, nothing more reaches the table (requests already in flight still land).
      if (dead || dieAt(name, count)) {
        dead = true;
        throw new Error(`the sweeper died at ${name} #${count}`);
      }
    });
    return nameServerOver(
      new DynamoRegistryStore({ client, tableName: f.table.tableName, writeConcurrency: 1 }),
    );
  }

  it.each([
    ["right after the group emptied", "TransactWriteCommand", 1],
    ["after one of three cascade batches", "TransactWriteCommand", 2],
    ["before deleting the emptied group item", "DeleteCommand", 1],
  ] as const)(
    "%s: routes never show the half-removed group, and the next sweep finishes",
    async (_, command, nth) => {
      const brokerName = uniqueName();
      const request = master(brokerName, {
        heartbeatTimeoutMillis: 1000,
        topicConfigTable: topics(250, brokerName),
      });
      await f.nameServer.registerBroker(request);
      f.clock.advance(1500);

      await expect(dyingSweeper((name, count) => name === command && count === nth).sweep()).rejects.toThrow(
        /died/,
      );

      for (const t of [0, 120, 249]) expect(await routeOrUndefined(`${brokerName}-${t}`)).toBeUndefined();
      expect((await f.nameServer.getBrokerClusterInfo()).brokerAddrTable[brokerName]).toBeUndefined();
      expect((await f.nameServer.getAllTopicList()).filter((t) => t.startsWith(`${brokerName}-`))).toEqual(
        [],
      );

      await f.nameServer.sweep();
      expect(await f.store.getGroup(brokerName)).toBeUndefined();
      expect(await f.store.getGroupQueueData(brokerName)).toEqual([]);
    },
  );

  it("an acting-master group whose WRITE clearing died half-way is finished by the next sweep", async () => {
    const brokerName = uniqueName();
    const m = master(brokerName, {
      enableActingMaster: true,
      heartbeatTimeoutMillis: 1000,
      topicConfigTable: topics(40, brokerName),
    });
    const s = slave(brokerName, {
      enableActingMaster: true,
      heartbeatTimeoutMillis: 60_000,
      topicConfigTable: topics(40, brokerName),
    });
    await f.nameServer.registerBroker(m);
    await f.nameServer.registerBroker(s);
    f.clock.advance(1500);

    await expect(
      dyingSweeper((name, count) => name === "UpdateCommand" && count === 10).sweep(),
    ).rejects.toThrow(/died/);
    await f.nameServer.sweep();

    for (let t = 0; t < 40; t++) {
      const route = await routeOrUndefined(`${brokerName}-${t}`);
      expect(route?.brokerDatas[0]?.brokerAddrs).toEqual({ "1": "10.0.0.2:10911" });
      expect(
        route?.queueDatas.map((qd) => qd.perm),
        `topic ${t}`,
      ).toEqual([4]);
    }
    // The route withholds WRITE while the clearing is pending anyway: the stored perms tell the sweep
    // really finished it.
    expect((await f.store.getGroup(brokerName))?.writeClearPending).toBeUndefined();
    const stored = await f.store.getGroupQueueData(brokerName);
    expect(stored.map((qd) => qd.perm)).toEqual(Array(40).fill(4));
  });
});

describe("a registration that dies half-way", () => {
  it("the broker's retry of the same registration rewrites every topic, not only the missing ones", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(master(brokerName, { topicConfigTable: topics(100, brokerName, 6) }));
    const changed = master(brokerName, {
      dataVersion: { stateVersion: 0, timestamp: 1, counter: 2 },
      topicConfigTable: topics(100, brokerName, 7),
    });
    let batches = 0;
    const client = hookClient(f.table.client, (command) => {
      if (command.constructor.name === "BatchWriteCommand" && ++batches === 2)
        throw new Error("the Lambda timed out");
    });
    const dying = nameServerOver(
      new DynamoRegistryStore({ client, tableName: f.table.tableName, writeConcurrency: 1 }),
    );

    await expect(dying.registerBroker(changed)).rejects.toThrow(/timed out/);
    await f.nameServer.registerBroker(changed);

    const perms = await Promise.all(
      Array.from(
        { length: 100 },
        async (_, t) => (await routeOrUndefined(`${brokerName}-${t}`))?.queueDatas[0]?.perm,
      ),
    );
    expect(new Set(perms)).toEqual(new Set([7]));
  });
});

describe("contention on DynamoDB is a 503, never a 500", () => {
  function contendedNameServer(error: () => Error, on: string) {
    const client = hookClient(f.table.client, (command) => {
      if (command.constructor.name === on) throw error();
    });
    return nameServerOver(new DynamoRegistryStore({ client, tableName: f.table.tableName }));
  }

  it("a heartbeat that meets a transaction on its group item (TransactionConflictException)", async () => {
    const request = master(uniqueName());
    await f.nameServer.registerBroker(request);
    const ns = contendedNameServer(
      () =>
        new TransactionConflictException({ message: "Transaction is ongoing for the item", $metadata: {} }),
      "UpdateCommand",
    );
    await expect(ns.registerBroker(request)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it("a prime slave's transaction cancelled by a conflicting request (TransactionConflict)", async () => {
    const ns = contendedNameServer(
      () =>
        new TransactionCanceledException({
          message: "Transaction cancelled",
          $metadata: {},
          CancellationReasons: [{ Code: "TransactionConflict" }, { Code: "None" }],
        }),
      "TransactWriteCommand",
    );
    await expect(ns.registerBroker(slave(uniqueName()))).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
