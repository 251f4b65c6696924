/**
 * withGroupMembership (lib/domain/route.ts): patching a route with a group's new membership gives what
 * assembleRoute gives from the new state, for random groups, topics and membership changes (a member
 * leaves, expires, joins; the last member goes; filter servers; static-topic mappings). A seeded run:
 * the seed is printed, and ROUTE_PATCH_SEED=<seed> replays it.
 */
import { describe, expect, it } from "vitest";
import { groupMembership } from "../../lib/domain/change-feed";
import type { BrokerGroup, BrokerMember, StoredQueueData } from "../../lib/domain/model";
import { assembleRoute, withGroupMembership } from "../../lib/domain/route";
import { group, member, queueData, T0 } from "../support/domain-factories";
import { createPrng, testSeed } from "../support/prng";

const NOW = T0 + 200_000;

describe("withGroupMembership: a membership change applied to a held route", () => {
  const seed = testSeed("ROUTE_PATCH_SEED", "route patch");
  it(`equals the route assembled from the new state (seed ${seed})`, () => {
    const prng = createPrng(seed);
    const next = () => prng.next();
    const pick = <T>(list: readonly T[]): T => prng.pick(list);
    let compared = 0;
    for (let run = 0; run < 300; run++) {
      const names = ["g-a", "g-b", "g-c", "g-d"].slice(0, 2 + Math.floor(next() * 3));
      let address = 0;
      const newMember = (brokerId: number): BrokerMember =>
        member({
          brokerId,
          brokerAddr: `10.0.${run % 250}.${address++}:10911`,
          // Some silent past their timeout (dead), most live.
          lastUpdateTimestamp: next() < 0.2 ? NOW - 130_000 : NOW - Math.floor(next() * 100_000),
          filterServerList: next() < 0.3 ? [`10.9.0.${address}:40000`] : [],
        });
      const groups = new Map<string, BrokerGroup>(
        names.map((name) => [
          name,
          group(
            Array.from({ length: 1 + Math.floor(next() * 3) }, (_, id) => newMember(id)),
            { brokerName: name },
          ),
        ]),
      );
      const topic = "T";
      const queueDatas: StoredQueueData[] = names
        .filter(() => next() < 0.8)
        .map((brokerName) =>
          queueData({
            topic,
            brokerName,
            readQueueNums: 1 + Math.floor(next() * 8),
            writeQueueNums: 1 + Math.floor(next() * 8),
            ...(next() < 0.2
              ? {
                  mapping: {
                    topic,
                    bname: brokerName,
                    epoch: 1,
                    totalQueues: 4,
                    currIdMap: { "0": 0 },
                  },
                }
              : {}),
          }),
        );
      const before = assembleRoute({ queueDatas, groups, at: NOW, topic });

      // One group's membership changes.
      const name = pick(names);
      const changed = structuredClone(groups.get(name) as BrokerGroup);
      const kind = pick(["leave", "join", "expire", "empty", "revive"] as const);
      const ids = Object.keys(changed.members);
      if (kind === "leave" && ids.length > 0) delete changed.members[pick(ids)];
      if (kind === "join") changed.members[String(ids.length + 5)] = newMember(ids.length + 5);
      if (kind === "expire" && ids.length > 0) {
        (changed.members[pick(ids)] as BrokerMember).lastUpdateTimestamp = NOW - 125_000;
      }
      if (kind === "empty") changed.members = {};
      if (kind === "revive" && ids.length > 0) {
        (changed.members[pick(ids)] as BrokerMember).lastUpdateTimestamp = NOW - 1_000;
      }
      const after = new Map(groups);
      after.set(name, changed);
      const expected = assembleRoute({ queueDatas, groups: after, at: NOW, topic });

      if (before === undefined) {
        // A route not held is not patched (its topic is refetched when named).
        continue;
      }
      const patched = withGroupMembership(before, name, groupMembership(changed, NOW));
      const context = `run ${run}: ${kind} in ${name}`;
      if (!before.brokerDatas.some((bd) => bd.brokerName === name)) {
        // The route did not list the group (it had no live member, or no queue data here). A group
        // with queue data here that comes back to life is named by its registration: refetched.
        if (expected?.brokerDatas.some((bd) => bd.brokerName === name)) continue;
        expect(patched, context).toEqual(before);
        continue;
      }
      expect(patched, context).toEqual(expected);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it("drops a group left without a live member, with its queue data and filter servers", () => {
    const a = group([member({ brokerAddr: "10.0.0.1:10911", filterServerList: ["f:1"] })], {
      brokerName: "g-a",
    });
    const b = group([member({ brokerAddr: "10.0.0.2:10911" })], { brokerName: "g-b" });
    const queueDatas = [queueData({ brokerName: "g-a" }), queueData({ brokerName: "g-b" })];
    const route = assembleRoute({
      queueDatas,
      groups: new Map([
        ["g-a", a],
        ["g-b", b],
      ]),
      at: T0,
    });
    const patched = withGroupMembership(route as NonNullable<typeof route>, "g-a", null);
    expect(patched?.brokerDatas.map((bd) => bd.brokerName)).toEqual(["g-b"]);
    expect(patched?.queueDatas.map((qd) => qd.brokerName)).toEqual(["g-b"]);
    expect(patched?.filterServerTable).toEqual({});
    expect(withGroupMembership(patched as NonNullable<typeof patched>, "g-b", null)).toBeUndefined();
  });
});
