/**
 * Deterministic races of registrations: against an unregister, against another registration of the
 * same broker, dying half-way, and meeting contention on DynamoDB (the fixture: race-fixture.ts).
 */
import { TransactionCanceledException, TransactionConflictException } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { ServiceUnavailableError } from "../../lib/domain/errors";
import type { RegisterBrokerRequest } from "../../lib/domain/model";
import { DynamoRegistryStore } from "../../lib/store/dynamo-registry-store";
import {
  dumpOrphans,
  f,
  hooked,
  jitter,
  master,
  nameServerOver,
  other,
  registeredOrGone,
  routeOrUndefined,
  slave,
  sleep,
  uniqueName,
  useRaceTables,
} from "../support/race-fixture";
import { topics } from "../support/registry-fixture";
import { gate, hookClient } from "../support/store-hooks";

useRaceTables();

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
