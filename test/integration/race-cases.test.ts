import { describe, expect, it } from "vitest";
import {
  dumpOrphans,
  f,
  hooked,
  jitter,
  lightOf,
  master,
  other,
  registeredOrGone,
  routeOrUndefined,
  slave,
  sleep,
  uniqueName,
  useRaceTables,
} from "../support/race-fixture";
import { topics } from "../support/registry-fixture";
import { gate, type StoreHooks } from "../support/store-hooks";

useRaceTables();

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
