/**
 * `namesrv allocateMQ` shares queues as RocketMQ's AllocateMessageQueueAveragely does, and
 * `topicRoute -l` prints mqadmin's list: one line per broker group and the totals.
 */
import { describe, expect, it } from "vitest";
import type { TopicRouteData } from "../../lib/domain/model";
import { allocateAveragely, subscribeQueues } from "../../lib/tools/commands/allocate";
import { renderRouteList } from "../../lib/tools/format";

const route: TopicRouteData = {
  queueDatas: [
    { brokerName: "broker-b", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
    { brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
    { brokerName: "broker-w", readQueueNums: 4, writeQueueNums: 4, perm: 2, topicSysFlag: 0 },
  ],
  brokerDatas: [
    {
      cluster: "C",
      brokerName: "broker-b",
      brokerAddrs: { "0": "10.0.0.2:10911" },
      enableActingMaster: false,
    },
    {
      cluster: "C",
      brokerName: "broker-a",
      brokerAddrs: { "1": "10.0.0.3:10911", "0": "10.0.0.1:10911" },
      enableActingMaster: false,
    },
  ],
  filterServerTable: {},
};

describe("allocateMQ", () => {
  it("takes the readable queues only, sorted by broker group and queue id", () => {
    const queues = subscribeQueues("T", route);
    expect(queues.map((q) => `${q.brokerName}:${q.queueId}`)).toEqual([
      "broker-a:0",
      "broker-a:1",
      "broker-a:2",
      "broker-a:3",
      "broker-b:0",
      "broker-b:1",
      "broker-b:2",
      "broker-b:3",
    ]);
  });

  it("gives consecutive blocks, the first clients one more, and nothing to clients beyond the queues", () => {
    const ids = (result: Map<string, number[]>) => Object.fromEntries(result);
    expect(ids(allocateAveragely([0, 1, 2, 3, 4, 5, 6, 7], ["c1", "c2", "c3"]))).toEqual({
      c1: [0, 1, 2],
      c2: [3, 4, 5],
      c3: [6, 7],
    });
    expect(ids(allocateAveragely([0, 1], ["c1", "c2", "c3"]))).toEqual({ c1: [0], c2: [1], c3: [] });
    expect(ids(allocateAveragely([0, 1, 2, 3], ["c1", "c2"]))).toEqual({ c1: [0, 1], c2: [2, 3] });
    expect(ids(allocateAveragely([], ["c1"]))).toEqual({ c1: [] });
  });
});

describe("topicRoute -l", () => {
  it("prints one line per broker group with addresses, queues and perm, then the totals", () => {
    expect(renderRouteList(route).split("\n")).toEqual([
      "CLUSTER  BROKER      ADDRESSES                          READ-QUEUES  WRITE-QUEUES  PERM",
      "C        broker-a    0=10.0.0.1:10911 1=10.0.0.3:10911  4            2             RW- (6)",
      "C        broker-b    0=10.0.0.2:10911                   4            4             RW- (6)",
      "Total:   2 group(s)  -                                  8            6             -",
    ]);
  });
});
