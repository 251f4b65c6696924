import { describe, expect, it } from "vitest";
import { planExpiry, planUnregister } from "../../lib/domain/removal";
import { group, member, T0 } from "../support/domain-factories";

const master = member();
const slave = member({ brokerId: 1, brokerAddr: "10.0.0.2:10911", topicAuthority: false });

describe("planUnregister (RocketMQ unRegisterBroker cascade)", () => {
  it("removes every entry of the group with that address", () => {
    const g = group([master, slave]);
    const p = planUnregister(g, "10.0.0.2:10911");
    expect(p.removals).toEqual([{ brokerId: 1, brokerAddr: "10.0.0.2:10911" }]);
    expect(p.groupEmptied).toBe(false);
    expect(p.clearWritePerm).toBe(false);
  });

  it("empties the group when its last member leaves", () => {
    const p = planUnregister(group([master]), master.brokerAddr);
    expect(p.groupEmptied).toBe(true);
  });

  it("keeps the queue data of a group whose slave remains, without touching WRITE", () => {
    const p = planUnregister(group([master, slave]), master.brokerAddr);
    expect(p.groupEmptied).toBe(false);
    expect(p.clearWritePerm).toBe(false);
  });

  it("clears WRITE when the master leaves a group that acts without one", () => {
    const p = planUnregister(group([master, slave], { enableActingMaster: true }), master.brokerAddr);
    expect(p.clearWritePerm).toBe(true);
  });

  it("changes nothing for an unknown address", () => {
    const p = planUnregister(group([master]), "10.9.9.9:10911");
    expect(p.removals).toEqual([]);
    expect(p.groupEmptied).toBe(false);
  });
});

describe("planExpiry (scanNotActiveBroker)", () => {
  it("removes members whose heartbeat is older than their timeout, carrying the heartbeat time read", () => {
    const dead = member({ brokerId: 1, brokerAddr: "10.0.0.2:10911", lastUpdateTimestamp: T0 - 130_000 });
    const p = planExpiry(group([master, dead]), T0);
    expect(p.removals).toEqual([
      { brokerId: 1, brokerAddr: "10.0.0.2:10911", lastUpdateTimestamp: T0 - 130_000 },
    ]);
  });

  it("a heartbeat exactly timeout old is still live", () => {
    const edge = member({ lastUpdateTimestamp: T0 - 120_000 });
    expect(planExpiry(group([edge]), T0).removals).toEqual([]);
    expect(planExpiry(group([edge]), T0 + 1).removals).toHaveLength(1);
  });

  it("honours each member's own heartbeatTimeoutMillis", () => {
    const quick = member({ heartbeatTimeoutMillis: 1000, lastUpdateTimestamp: T0 - 1001 });
    expect(planExpiry(group([quick]), T0).groupEmptied).toBe(true);
  });
});
