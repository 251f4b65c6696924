import { describe, expect, it } from "vitest";
import {
  isWriteable,
  masterAddressOf,
  parseOrderTopicConf,
  topicRouteDataToPublishInfo,
} from "../../lib/client/publish-info";
import { sameRoute } from "../../lib/client/route-client";
import type { BrokerData, QueueData, TopicRouteData } from "../../lib/domain/model";

function queueData(overrides: Partial<QueueData> & { brokerName: string }): QueueData {
  return { readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0, ...overrides };
}

function brokerData(
  brokerName: string,
  brokerAddrs: Record<string, string> = { "0": "10.0.0.1:10911" },
): BrokerData {
  return { cluster: "DefaultCluster", brokerName, brokerAddrs, enableActingMaster: false };
}

function route(overrides: Partial<TopicRouteData> = {}): TopicRouteData {
  return { queueDatas: [], brokerDatas: [], filterServerTable: {}, ...overrides };
}

const describeQueues = (info: ReturnType<typeof topicRouteDataToPublishInfo>) =>
  info.messageQueueList.map((q) => `${q.brokerName}:${q.queueId}`);

describe("topicRouteDataToPublishInfo", () => {
  it("gives writeQueueNums queues per writable group, groups sorted by brokerName", () => {
    const info = topicRouteDataToPublishInfo(
      "TopicTest",
      route({
        queueDatas: [
          queueData({ brokerName: "broker-b", writeQueueNums: 1 }),
          queueData({ brokerName: "broker-a", writeQueueNums: 2 }),
        ],
        brokerDatas: [brokerData("broker-a"), brokerData("broker-b")],
      }),
    );

    expect(info.orderTopic).toBe(false);
    expect(describeQueues(info)).toEqual(["broker-a:0", "broker-a:1", "broker-b:0"]);
    expect(info.messageQueueList.every((q) => q.topic === "TopicTest")).toBe(true);
  });

  it("leaves out queue data without the WRITE perm", () => {
    const info = topicRouteDataToPublishInfo(
      "T",
      route({
        queueDatas: [
          queueData({ brokerName: "read-only", perm: 4 }),
          queueData({ brokerName: "write-only", perm: 2, writeQueueNums: 1 }),
          queueData({ brokerName: "all", perm: 7, writeQueueNums: 1 }),
          queueData({ brokerName: "none", perm: 0 }),
        ],
        brokerDatas: ["read-only", "write-only", "all", "none"].map((name) => brokerData(name)),
      }),
    );

    expect(describeQueues(info)).toEqual(["all:0", "write-only:0"]);
  });

  it("leaves out groups without a master address (a slave cannot take messages)", () => {
    const info = topicRouteDataToPublishInfo(
      "T",
      route({
        queueDatas: [
          queueData({ brokerName: "masterless", writeQueueNums: 2 }),
          queueData({ brokerName: "with-master", writeQueueNums: 1 }),
        ],
        brokerDatas: [brokerData("masterless", { "1": "10.0.0.2:10911" }), brokerData("with-master")],
      }),
    );

    expect(describeQueues(info)).toEqual(["with-master:0"]);
  });

  it("leaves out queue data whose group has no broker data", () => {
    const info = topicRouteDataToPublishInfo(
      "T",
      route({ queueDatas: [queueData({ brokerName: "ghost" })] }),
    );

    expect(info.ok()).toBe(false);
  });

  it("takes exactly the queues of orderTopicConf, whatever the perms and masters", () => {
    const info = topicRouteDataToPublishInfo(
      "T",
      route({
        queueDatas: [queueData({ brokerName: "broker-a", perm: 4 })],
        brokerDatas: [brokerData("broker-a", { "1": "10.0.0.2:10911" })],
        orderTopicConf: "broker-b:2;broker-a:1",
      }),
    );

    expect(info.orderTopic).toBe(true);
    expect(describeQueues(info)).toEqual(["broker-b:0", "broker-b:1", "broker-a:0"]);
  });

  it("ignores an empty orderTopicConf", () => {
    const info = topicRouteDataToPublishInfo(
      "T",
      route({
        queueDatas: [queueData({ brokerName: "b", writeQueueNums: 1 })],
        brokerDatas: [brokerData("b")],
        orderTopicConf: "",
      }),
    );

    expect(info.orderTopic).toBe(false);
    expect(describeQueues(info)).toEqual(["b:0"]);
  });
});

describe("parseOrderTopicConf", () => {
  it("skips malformed entries instead of failing the route", () => {
    expect(
      parseOrderTopicConf("T", "broker-a:2;;bad;:3;broker-b:x;broker-c: 1 ").map(
        (q) => `${q.brokerName}:${q.queueId}`,
      ),
    ).toEqual(["broker-a:0", "broker-a:1", "broker-c:0"]);
  });
});

describe("TopicPublishInfo.selectOneMessageQueue", () => {
  const twoGroups = route({
    queueDatas: [
      queueData({ brokerName: "a", writeQueueNums: 2 }),
      queueData({ brokerName: "b", writeQueueNums: 1 }),
    ],
    brokerDatas: [brokerData("a"), brokerData("b")],
  });

  it("starts at the given index and wraps around", () => {
    const info = topicRouteDataToPublishInfo("T", twoGroups, 2);

    const picked = [1, 2, 3, 4].map(() => info.selectOneMessageQueue());

    expect(picked.map((q) => `${q?.brokerName}:${q?.queueId}`)).toEqual(["b:0", "a:0", "a:1", "b:0"]);
  });

  it("skips queues that a filter rejects, and gives nothing when every queue is rejected", () => {
    const info = topicRouteDataToPublishInfo("T", twoGroups);

    expect(info.selectOneMessageQueue((q) => q.brokerName === "b")?.brokerName).toBe("b");
    expect(info.selectOneMessageQueue(() => false)).toBeUndefined();
  });

  it("counts a group's queues", () => {
    expect(topicRouteDataToPublishInfo("T", twoGroups).writeQueueNumsOf("a")).toBe(2);
  });
});

describe("route helpers", () => {
  it("finds a group's master address", () => {
    const r = route({
      brokerDatas: [brokerData("a", { "0": "m:1", "1": "s:1" }), brokerData("b", { "1": "s:2" })],
    });

    expect(masterAddressOf(r, "a")).toBe("m:1");
    expect(masterAddressOf(r, "b")).toBeUndefined();
    expect(masterAddressOf(r, "c")).toBeUndefined();
  });

  it("reads the WRITE bit of a perm", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].filter(isWriteable)).toEqual([2, 3, 6, 7]);
  });

  it("compares routes whatever the order of their lists and keys", () => {
    const a = route({
      queueDatas: [queueData({ brokerName: "a" }), queueData({ brokerName: "b" })],
      brokerDatas: [brokerData("a"), brokerData("b")],
    });
    const reordered = route({
      brokerDatas: [brokerData("b"), brokerData("a")],
      queueDatas: [queueData({ brokerName: "b" }), queueData({ brokerName: "a" })],
    });
    const changed = route({
      ...a,
      queueDatas: [queueData({ brokerName: "a", perm: 4 }), queueData({ brokerName: "b" })],
    });

    expect(sameRoute(a, reordered)).toBe(true);
    expect(sameRoute(a, changed)).toBe(false);
  });
});
