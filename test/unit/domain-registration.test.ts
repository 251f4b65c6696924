import { describe, expect, it } from "vitest";
import {
  planRegistration,
  queueDataToWrite,
  type RegistrationPlan,
  registrationDigest,
  sameDataVersion,
} from "../../lib/domain/registration";
import { group, member, request, T0 } from "../support/domain-factories";

const newEpoch = () => "epoch-new";

function plan(...args: Parameters<typeof planRegistration>): RegistrationPlan {
  const decision = planRegistration(...args);
  if (decision.kind !== "apply") throw new Error("expected a plan");
  return decision.plan;
}

describe("planRegistration (RocketMQ registerBroker)", () => {
  it("creates a new group incarnation on first registration and writes every topic", () => {
    const p = plan(undefined, request(), T0, newEpoch);
    expect(p.newGroup).toBe(true);
    expect(p.epoch).toBe("epoch-new");
    expect(p.firstRegistration).toBe(true);
    expect(p.topicAuthority).toBe("master");
    expect(p.topicSelection).toBe("all");
    expect(p.member.digest).toBeUndefined();
    expect(p.response).toEqual({ topicConfigApplied: true });
  });

  it("treats an emptied group (tombstone) as a new incarnation", () => {
    const p = plan(group([], { epoch: "old" }), request(), T0, newEpoch);
    expect(p.newGroup).toBe(true);
    expect(p.epoch).toBe("epoch-new");
  });

  it("rewrites every topic when the dataVersion differs in any of its three fields", () => {
    const g = group([member({ dataVersion: { stateVersion: 0, timestamp: 1, counter: 1 } })]);
    for (const dataVersion of [
      { stateVersion: 1, timestamp: 1, counter: 1 },
      { stateVersion: 0, timestamp: 2, counter: 1 },
      { stateVersion: 0, timestamp: 1, counter: 2 },
    ]) {
      const p = plan(g, request({ dataVersion }), T0, newEpoch);
      expect(p.dataVersionChanged).toBe(true);
      expect(p.topicSelection).toBe("all");
    }
  });

  it("with an unchanged dataVersion writes only topics the group has no queue data for", () => {
    const g = group([member()]);
    const req = request();
    const p = plan(g, req, T0, newEpoch);
    expect(p.firstRegistration).toBe(false);
    expect(p.dataVersionChanged).toBe(false);
    expect(p.topicSelection).toBe("missing");
    const written = queueDataToWrite(req, p, new Set(["TopicA"]));
    expect(written.map((qd) => qd.topic)).toEqual(["TopicB"]);
  });

  it("a slave under a master applies no topic and is told the live master's addresses", () => {
    const g = group([member()]);
    const p = plan(
      g,
      request({ brokerId: 1, brokerAddr: "10.0.0.2:10911", haServerAddr: undefined }),
      T0,
      newEpoch,
    );
    expect(p.topicAuthority).toBeNull();
    expect(p.topicSelection).toBe("none");
    expect(p.member.digest).toBe(p.digest);
    expect(p.response).toEqual({
      masterAddr: "10.0.0.1:10911",
      haServerAddr: "10.0.0.1:10912",
      topicConfigApplied: false,
    });
  });

  it("does not name a dead master to a slave", () => {
    const g = group([member({ lastUpdateTimestamp: T0 - 200_000 })]);
    const p = plan(g, request({ brokerId: 1, brokerAddr: "10.0.0.2:10911" }), T0, newEpoch);
    expect(p.response.masterAddr).toBeUndefined();
  });

  it("the prime slave of a plain group (no enableActingMaster) keeps the perm its broker sent", () => {
    const g = group([member({ brokerId: 2, brokerAddr: "10.0.0.3:10911" })]);
    const req = request({ brokerId: 1, brokerAddr: "10.0.0.2:10911" });
    const written = queueDataToWrite(req, plan(g, req, T0, newEpoch), new Set());
    expect(written.map((qd) => qd.perm)).toEqual([6, 6]);
  });

  it("the prime slave of an acting-master group writes with WRITE cleared", () => {
    const g = group([member({ brokerId: 2, brokerAddr: "10.0.0.3:10911" })], { enableActingMaster: true });
    const req = request({ brokerId: 1, brokerAddr: "10.0.0.2:10911", enableActingMaster: true });
    const written = queueDataToWrite(req, plan(g, req, T0, newEpoch), new Set());
    expect(written.map((qd) => qd.perm)).toEqual([4, 4]);
  });

  it("keeps a static topic's TopicQueueMappingInfo with its queue data", () => {
    const info = { topic: "TopicA", bname: "broker-a", totalQueues: 8, epoch: 1, currIdMap: { "0": 0 } };
    const req = request({ topicQueueMappingInfoMap: { TopicA: info } });
    const written = queueDataToWrite(req, plan(undefined, req, T0, newEpoch), new Set());
    expect(written.find((qd) => qd.topic === "TopicA")?.mapping).toEqual(info);
    expect(written.find((qd) => qd.topic === "TopicB")?.mapping).toBeUndefined();
  });

  it("a slave that is not the lowest id is no topic authority", () => {
    const g = group([member({ brokerId: 1, brokerAddr: "10.0.0.2:10911" })]);
    const p = plan(g, request({ brokerId: 2, brokerAddr: "10.0.0.3:10911" }), T0, newEpoch);
    expect(p.topicAuthority).toBeNull();
  });

  it("promotion: the address leaves its old id when it registers under another", () => {
    const g = group([member({ brokerId: 1, brokerAddr: "10.0.0.2:10911", topicAuthority: false })], {
      topologyVersion: 4,
    });
    const p = plan(g, request({ brokerId: 0, brokerAddr: "10.0.0.2:10911" }), T0, newEpoch);
    expect(p.removed).toEqual([{ brokerId: 1, brokerAddr: "10.0.0.2:10911" }]);
    expect(p.firstRegistration).toBe(true);
    expect(p.topicSelection).toBe("all");
    expect(p.expectedTopologyVersion).toBe(4);
    expect(p.topologyVersion).toBe(5);
  });

  it("keeps the topology version when the same instance registers again", () => {
    const g = group([member()], { topologyVersion: 7 });
    const p = plan(g, request(), T0, newEpoch);
    expect(p.topologyVersion).toBe(7);
    expect(p.removed).toEqual([]);
  });

  it("ignores a registration that conflicts with a live holder of the id with a higher stateVersion", () => {
    const g = group([member({ dataVersion: { stateVersion: 5, timestamp: 1, counter: 1 } })]);
    const decision = planRegistration(
      g,
      request({ brokerAddr: "10.0.0.9:10911", dataVersion: { stateVersion: 4, timestamp: 1, counter: 1 } }),
      T0,
      newEpoch,
    );
    expect(decision).toEqual({ kind: "ignored", response: { topicConfigApplied: false }, leaves: false });
  });

  it("a rejected registration whose address holds another id: that address leaves the registry", () => {
    // 10.0.0.2 was slave 1 and now claims id 0, held by a live master with a higher stateVersion.
    const g = group([
      member({ dataVersion: { stateVersion: 5, timestamp: 1, counter: 1 } }),
      member({ brokerId: 1, brokerAddr: "10.0.0.2:10911", topicAuthority: false }),
    ]);
    const decision = planRegistration(
      g,
      request({ brokerAddr: "10.0.0.2:10911", dataVersion: { stateVersion: 4, timestamp: 1, counter: 1 } }),
      T0,
      newEpoch,
    );
    expect(decision).toEqual({ kind: "ignored", response: { topicConfigApplied: false }, leaves: true });
  });

  it("a new address at an id replaces the old one when the old holder is dead", () => {
    const g = group([
      member({
        lastUpdateTimestamp: T0 - 500_000,
        dataVersion: { stateVersion: 9, timestamp: 1, counter: 1 },
      }),
    ]);
    const p = plan(g, request({ brokerAddr: "10.0.0.9:10911" }), T0, newEpoch);
    expect(p.member.brokerAddr).toBe("10.0.0.9:10911");
    expect(p.dataVersionChanged).toBe(true);
  });

  it("keeps filter servers when the list is absent and clears them when it is empty", () => {
    const g = group([member({ filterServerList: ["10.0.0.1:30000"] })]);
    expect(plan(g, request(), T0, newEpoch).member.filterServerList).toEqual(["10.0.0.1:30000"]);
    expect(plan(g, request({ filterServerList: [] }), T0, newEpoch).member.filterServerList).toEqual([]);
  });

  it("a heartbeat without topicConfigTable writes no topic", () => {
    const p = plan(undefined, request({ topicConfigTable: undefined }), T0, newEpoch);
    expect(p.topicSelection).toBe("none");
    expect(p.response.topicConfigApplied).toBe(false);
  });
});

describe("registrationDigest", () => {
  it("is the same for equal registrations whatever the key order", () => {
    const a = request();
    const b = request({
      topicConfigTable: {
        TopicB: { topicName: "TopicB", readQueueNums: 8, writeQueueNums: 8, perm: 6 },
        TopicA: { topicName: "TopicA", readQueueNums: 4, writeQueueNums: 4, perm: 6 },
      },
    });
    expect(registrationDigest(a)).toBe(registrationDigest(b));
  });

  it("changes with anything the registration says", () => {
    const base = registrationDigest(request());
    expect(registrationDigest(request({ zoneName: "az-2" }))).not.toBe(base);
    expect(registrationDigest(request({ filterServerList: ["10.0.0.1:30000"] }))).not.toBe(base);
    const changedPerm = request();
    const topicA = changedPerm.topicConfigTable?.TopicA;
    if (topicA) topicA.perm = 4;
    expect(registrationDigest(changedPerm)).not.toBe(base);
  });
});

describe("sameDataVersion", () => {
  it("compares all three fields", () => {
    const dv = { stateVersion: 1, timestamp: 2, counter: 3 };
    expect(sameDataVersion(dv, { ...dv })).toBe(true);
    expect(sameDataVersion(dv, { ...dv, counter: 4 })).toBe(false);
  });
});
