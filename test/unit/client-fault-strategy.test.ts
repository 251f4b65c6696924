import { describe, expect, it } from "vitest";
import {
  type Clock,
  DEFAULT_LATENCY_MAX,
  DEFAULT_NOT_AVAILABLE_DURATION,
  LatencyFaultTolerance,
  MQFaultStrategy,
} from "../../lib/client/fault-strategy";
import { type MessageQueue, topicRouteDataToPublishInfo } from "../../lib/client/publish-info";
import type { TopicRouteData } from "../../lib/domain/model";

class FakeClock implements Clock {
  constructor(public time = 1_700_000_000_000) {}
  now(): number {
    return this.time;
  }
  advance(millis: number): void {
    this.time += millis;
  }
}

/** A route whose groups each have a master and `queues` writable queues. */
function routeOf(brokerNames: string[], queues = 2): TopicRouteData {
  return {
    queueDatas: brokerNames.map((brokerName) => ({
      brokerName,
      readQueueNums: queues,
      writeQueueNums: queues,
      perm: 6,
      topicSysFlag: 0,
    })),
    brokerDatas: brokerNames.map((brokerName, i) => ({
      cluster: "DefaultCluster",
      brokerName,
      brokerAddrs: { "0": `10.0.0.${i + 1}:10911` },
      enableActingMaster: false,
    })),
    filterServerTable: {},
  };
}

function brokersOf(queues: Array<MessageQueue | undefined>): string[] {
  return queues.map((q) => q?.brokerName ?? "none");
}

describe("MQFaultStrategy.computeNotAvailableDuration", () => {
  const strategy = new MQFaultStrategy();

  it.each([
    [0, 0],
    [49, 0],
    [50, 0],
    [100, 0],
    [549, 0],
    [550, 2000],
    [1799, 2000],
    [1800, 5000],
    [3000, 6000],
    [5000, 10000],
    [14_999, 10000],
    [15_000, 30000],
    [120_000, 30000],
  ])("a send of %i ms makes the broker unavailable for %i ms", (latency, duration) => {
    expect(strategy.computeNotAvailableDuration(latency)).toBe(duration);
  });

  it("uses RocketMQ 5's tables by default", () => {
    expect(DEFAULT_LATENCY_MAX).toEqual([50, 100, 550, 1800, 3000, 5000, 15000]);
    expect(DEFAULT_NOT_AVAILABLE_DURATION).toEqual([0, 0, 2000, 5000, 6000, 10000, 30000]);
  });

  it("rejects tables of different lengths", () => {
    expect(() => new MQFaultStrategy({ latencyMax: [1, 2], notAvailableDuration: [1] })).toThrow(RangeError);
  });
});

describe("MQFaultStrategy.updateFaultItem", () => {
  it("isolates a failed broker for 10 s (a failure counts as a 10 000 ms send)", () => {
    const clock = new FakeClock();
    const strategy = new MQFaultStrategy({ clock });

    strategy.updateFaultItem("broker-a", 3, true);

    expect(strategy.isAvailable("broker-a")).toBe(false);
    clock.advance(9_999);
    expect(strategy.isAvailable("broker-a")).toBe(false);
    clock.advance(1);
    expect(strategy.isAvailable("broker-a")).toBe(true);
  });

  it("makes a slow broker unavailable for the duration of its latency bracket", () => {
    const clock = new FakeClock();
    const strategy = new MQFaultStrategy({ clock });

    strategy.updateFaultItem("broker-a", 600, false);

    expect(strategy.isAvailable("broker-a")).toBe(false);
    clock.advance(2_000);
    expect(strategy.isAvailable("broker-a")).toBe(true);
  });

  it("keeps a fast broker available", () => {
    const strategy = new MQFaultStrategy({ clock: new FakeClock() });

    strategy.updateFaultItem("broker-a", 99, false);

    expect(strategy.isAvailable("broker-a")).toBe(true);
  });

  it("does not shorten an isolation when a fast send follows a failure", () => {
    const clock = new FakeClock();
    const strategy = new MQFaultStrategy({ clock });

    strategy.updateFaultItem("broker-a", 10, true);
    clock.advance(1_000);
    strategy.updateFaultItem("broker-a", 10, false);

    expect(strategy.isAvailable("broker-a")).toBe(false);
    clock.advance(9_000);
    expect(strategy.isAvailable("broker-a")).toBe(true);
  });

  it("records nothing when latency fault tolerance is disabled", () => {
    const strategy = new MQFaultStrategy({ clock: new FakeClock(), sendLatencyFaultEnable: false });

    strategy.updateFaultItem("broker-a", 10, true);

    expect(strategy.isAvailable("broker-a")).toBe(true);
    expect(strategy.latencyFaultTolerance.items()).toEqual([]);
  });
});

describe("LatencyFaultTolerance", () => {
  it("marks a broker unreachable after a failure and reachable after a success", () => {
    const tolerance = new LatencyFaultTolerance(new FakeClock());

    tolerance.updateFaultItem("broker-a", 10, 10_000, false);
    expect(tolerance.isReachable("broker-a")).toBe(false);
    tolerance.updateFaultItem("broker-a", 10, 0, true);

    expect(tolerance.isReachable("broker-a")).toBe(true);
  });

  it("forgets a removed broker", () => {
    const tolerance = new LatencyFaultTolerance(new FakeClock());
    tolerance.updateFaultItem("broker-a", 10, 10_000, false);

    tolerance.remove("broker-a");

    expect(tolerance.isAvailable("broker-a")).toBe(true);
    expect(tolerance.isReachable("broker-a")).toBe(true);
  });
});

describe("MQFaultStrategy.selectOneMessageQueue", () => {
  it("goes round-robin over every queue when all brokers are healthy", () => {
    const info = topicRouteDataToPublishInfo("T", routeOf(["broker-a", "broker-b"]));
    const strategy = new MQFaultStrategy({ clock: new FakeClock() });

    const picked = Array.from({ length: 5 }, () => strategy.selectOneMessageQueue(info));

    expect(picked.map((q) => `${q?.brokerName}/${q?.queueId}`)).toEqual([
      "broker-a/0",
      "broker-a/1",
      "broker-b/0",
      "broker-b/1",
      "broker-a/0",
    ]);
  });

  it("avoids a broker that recently failed, and uses it again once its isolation has passed", () => {
    const clock = new FakeClock();
    const info = topicRouteDataToPublishInfo("T", routeOf(["broker-a", "broker-b"]));
    const strategy = new MQFaultStrategy({ clock });

    strategy.updateFaultItem("broker-a", 25, true);
    const duringIsolation = Array.from({ length: 8 }, () => strategy.selectOneMessageQueue(info));
    clock.advance(10_000);
    const afterIsolation = Array.from({ length: 4 }, () => strategy.selectOneMessageQueue(info));

    expect(new Set(brokersOf(duringIsolation))).toEqual(new Set(["broker-b"]));
    expect(brokersOf(afterIsolation)).toContain("broker-a");
  });

  it("avoids a slow broker for its not-available duration", () => {
    const clock = new FakeClock();
    const info = topicRouteDataToPublishInfo("T", routeOf(["broker-a", "broker-b", "broker-c"]));
    const strategy = new MQFaultStrategy({ clock });

    strategy.updateFaultItem("broker-b", 2_000, false);
    const picked = Array.from({ length: 12 }, () => strategy.selectOneMessageQueue(info));

    expect(brokersOf(picked)).not.toContain("broker-b");
    clock.advance(5_000);
    expect(brokersOf(Array.from({ length: 6 }, () => strategy.selectOneMessageQueue(info)))).toContain(
      "broker-b",
    );
  });

  it("moves away from the last broker on a retry", () => {
    const info = topicRouteDataToPublishInfo("T", routeOf(["broker-a", "broker-b"]));
    const strategy = new MQFaultStrategy({ clock: new FakeClock() });

    const picked = Array.from({ length: 6 }, () => strategy.selectOneMessageQueue(info, "broker-a"));

    expect(new Set(brokersOf(picked))).toEqual(new Set(["broker-b"]));
  });

  it("still returns a queue when every broker is unavailable, preferring a reachable one", () => {
    const info = topicRouteDataToPublishInfo("T", routeOf(["broker-a", "broker-b"]));
    const strategy = new MQFaultStrategy({ clock: new FakeClock() });
    strategy.updateFaultItem("broker-a", 20, true);
    strategy.updateFaultItem("broker-b", 4_000, false);

    const picked = Array.from({ length: 4 }, () => strategy.selectOneMessageQueue(info));

    expect(new Set(brokersOf(picked))).toEqual(new Set(["broker-b"]));
  });

  it("returns some queue when every broker failed", () => {
    const info = topicRouteDataToPublishInfo("T", routeOf(["broker-a", "broker-b"]));
    const strategy = new MQFaultStrategy({ clock: new FakeClock() });
    strategy.updateFaultItem("broker-a", 20, true);
    strategy.updateFaultItem("broker-b", 20, true);

    const picked = strategy.selectOneMessageQueue(info, "broker-a");

    expect(picked).toBeDefined();
  });

  it("only avoids the last broker when latency fault tolerance is disabled", () => {
    const info = topicRouteDataToPublishInfo("T", routeOf(["broker-a", "broker-b"]));
    const strategy = new MQFaultStrategy({ clock: new FakeClock(), sendLatencyFaultEnable: false });
    strategy.updateFaultItem("broker-a", 20, true);

    expect(brokersOf(Array.from({ length: 4 }, () => strategy.selectOneMessageQueue(info)))).toContain(
      "broker-a",
    );
    expect(strategy.selectOneMessageQueue(info, "broker-b")?.brokerName).toBe("broker-a");
  });

  it("returns undefined when the topic has no queue to send to", () => {
    const info = topicRouteDataToPublishInfo("T", routeOf([]));

    expect(new MQFaultStrategy({ clock: new FakeClock() }).selectOneMessageQueue(info)).toBeUndefined();
  });
});
