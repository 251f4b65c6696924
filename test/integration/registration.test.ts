import { beforeEach, describe, expect, it } from "vitest";
import { FullRegistrationRequiredError, TopicNotExistError } from "../../lib/domain/errors";
import { registration, topics, useRegistryFixture } from "../support/registry-fixture";

const f = useRegistryFixture();
beforeEach(() => f.capacity.reset());

let n = 0;
const uniqueName = () => `broker-${++n}`;

describe("registration against DynamoDB Local", () => {
  it("first registration writes the group and its queue data; the route answers them", async () => {
    const brokerName = uniqueName();
    const out = await f.nameServer.registerBroker(
      registration({ brokerName, topicConfigTable: topics(3, brokerName) }),
    );
    expect(out.kind).toBe("full");
    expect(out.response.topicConfigApplied).toBe(true);
    const route = await f.nameServer.getRouteInfoByTopic(`${brokerName}-1`);
    expect(route.queueDatas).toEqual([
      { brokerName, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
    ]);
    expect(route.brokerDatas[0]?.brokerAddrs).toEqual({ "0": "10.0.0.1:10911" });
  });

  it("a steady heartbeat is one request of at most 1 WCU and reads no topic item", async () => {
    const brokerName = uniqueName();
    const req = registration({ brokerName, topicConfigTable: topics(200, brokerName) });
    await f.nameServer.registerBroker(req);
    f.capacity.reset();
    const out = await f.nameServer.registerBroker(req);
    expect(out.kind).toBe("steady");
    expect(f.capacity.totals.requests).toBe(1);
    expect(f.capacity.totals.wcu).toBeLessThanOrEqual(1);
    expect(f.capacity.totals.rcu).toBe(0);
  });

  it("a light heartbeat with the stored dataVersion is one request; another dataVersion is 409", async () => {
    const brokerName = uniqueName();
    const req = registration({ brokerName });
    await f.nameServer.registerBroker(req);
    f.capacity.reset();
    const out = await f.nameServer.registerBroker({ ...req, topicConfigTable: undefined });
    expect(out.kind).toBe("light");
    expect(f.capacity.totals.requests).toBe(1);
    await expect(
      f.nameServer.registerBroker({
        ...req,
        topicConfigTable: undefined,
        dataVersion: { ...req.dataVersion, counter: 99 },
      }),
    ).rejects.toBeInstanceOf(FullRegistrationRequiredError);
  });

  it("a route query takes two requests whatever the number of groups", async () => {
    const topic = `Shared-${uniqueName()}`;
    for (let i = 0; i < 10; i++) {
      await f.nameServer.registerBroker(
        registration({
          brokerName: `${topic}-g${i}`,
          brokerAddr: `10.1.0.${i + 1}:10911`,
          topicConfigTable: { [topic]: { readQueueNums: 8, writeQueueNums: 8, perm: 6 } },
        }),
      );
    }
    f.capacity.reset();
    const route = await f.nameServer.getRouteInfoByTopic(topic);
    expect(route.queueDatas).toHaveLength(10);
    expect(f.capacity.totals.requests).toBe(2);
  });

  it("a dead broker vanishes from the route before any sweep, and the sweep cascades it away", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(
      registration({ brokerName, heartbeatTimeoutMillis: 10_000, topicConfigTable: topics(2, brokerName) }),
    );
    f.clock.advance(10_001);
    await expect(f.nameServer.getRouteInfoByTopic(`${brokerName}-0`)).rejects.toBeInstanceOf(
      TopicNotExistError,
    );
    const report = await f.nameServer.sweep();
    expect(report.expiredInstances).toBeGreaterThanOrEqual(1);
    expect(await f.store.getGroup(brokerName)).toBeUndefined();
    expect(await f.store.getGroupQueueData(brokerName)).toEqual([]);
  });
});
