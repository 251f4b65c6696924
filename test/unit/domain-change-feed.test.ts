/**
 * The change feed's and the liveness digest's pure rules (lib/domain/change-feed.ts): which routes a
 * history entry may have changed, which members a sweep lists as at risk, and the digest as an answer.
 */
import { describe, expect, it } from "vitest";
import {
  digestSilentAfterMs,
  type LivenessDigest,
  livenessDigest,
  livenessDigestView,
  MAX_DIGEST_MEMBERS,
  routeChangeOf,
} from "../../lib/domain/change-feed";
import {
  HISTORY_ACTIONS,
  type HistoryAction,
  type HistoryEntry,
  historyEntry,
  historyId,
  MAX_CHANGES,
} from "../../lib/domain/history";
import { ORDER_TOPIC_CONFIG_NAMESPACE } from "../../lib/domain/model";
import { group, member, T0 } from "../support/domain-factories";

function entry(
  action: HistoryAction,
  target: HistoryEntry["target"],
  changes: HistoryEntry["changes"] = [],
): HistoryEntry {
  const built = historyEntry({
    id: historyId(T0, "00001234"),
    time: T0,
    action,
    caller: { actor: { kind: "token" } },
    target,
    changes,
    always: true,
  });
  if (built === undefined) throw new Error("no entry");
  return built;
}

const queue = { perm: 6, readQueueNums: 4, writeQueueNums: 4, topicSysFlag: 0 };

describe("routeChangeOf: which routes a history entry may have changed", () => {
  it("a registration names its group and the topics its changes name, once each", () => {
    const change = routeChangeOf(
      entry("broker.registered", { cluster: "C", broker: "broker-a" }, [
        { field: "members.0", after: "10.0.0.1:10911" },
        { field: "topics.TopicA", after: queue },
        { field: "topics.TopicB.perm", before: 6, after: 4 },
        { field: "topics.TopicB.readQueueNums", before: 4, after: 8 },
      ]),
    );
    expect(change).toEqual({
      id: historyId(T0, "00001234"),
      time: T0,
      action: "broker.registered",
      broker: "broker-a",
      topics: ["TopicA", "TopicB"],
    });
  });

  it.each(["broker.unregistered", "broker.expired", "writePerm.wiped", "writePerm.added"] as const)(
    "%s names its group (every route listing it) and its topics",
    (action) => {
      const change = routeChangeOf(
        entry(action, { broker: "broker-b" }, [{ field: "topics.T1.perm", before: 6, after: 4 }]),
      );
      expect(change).toMatchObject({ action, broker: "broker-b", topics: ["T1"] });
      expect(change).not.toHaveProperty("allTopics");
    },
  );

  it("a group-wide action without a group asks for everything", () => {
    expect(routeChangeOf(entry("writePerm.wiped", {}))).toMatchObject({ topics: [], allTopics: true });
  });

  it.each(["topic.registered", "topic.deleted"] as const)("%s names its topic and its group", (action) => {
    const change = routeChangeOf(
      entry(action, { topic: "TopicX", broker: "broker-a" }, [{ field: "topics.TopicX", after: queue }]),
    );
    expect(change).toMatchObject({ action, broker: "broker-a", topics: ["TopicX"] });
  });

  it("a topic delete of every group names the topic only", () => {
    const change = routeChangeOf(entry("topic.deleted", { topic: "TopicX" }));
    expect(change).toMatchObject({ topics: ["TopicX"] });
    expect(change).not.toHaveProperty("broker");
    expect(change).not.toHaveProperty("allTopics");
  });

  it("a registration whose changes were cut asks for every topic (it lists only the first ones)", () => {
    const changes = Array.from({ length: MAX_CHANGES + 5 }, (_, i) => ({
      field: `topics.T${i}`,
      after: queue,
    }));
    const cut = entry("broker.registered", { broker: "broker-a" }, changes);
    expect(cut.changeCount).toBe(MAX_CHANGES + 5);
    const change = routeChangeOf(cut);
    expect(change?.allTopics).toBe(true);
    expect(change?.topics).toHaveLength(MAX_CHANGES);
  });

  it("a cut write-perm change asks only for the routes listing its group (it adds no topic)", () => {
    const changes = Array.from({ length: MAX_CHANGES + 5 }, (_, i) => ({
      field: `topics.T${i}.perm`,
      before: 6,
      after: 4,
    }));
    const change = routeChangeOf(entry("writePerm.wiped", { broker: "broker-a" }, changes));
    expect(change).toMatchObject({ broker: "broker-a" });
    expect(change).not.toHaveProperty("allTopics");
  });

  it("ORDER_TOPIC_CONFIG kv changes name their topic; any other namespace changes no route", () => {
    for (const action of ["kv.put", "kv.deleted"] as const) {
      expect(
        routeChangeOf(entry(action, { namespace: ORDER_TOPIC_CONFIG_NAMESPACE, key: "TopicO" })),
      ).toMatchObject({ action, topics: ["TopicO"] });
      expect(routeChangeOf(entry(action, { namespace: "other", key: "TopicO" }))).toBeUndefined();
    }
  });

  it("a settings change (and any action not known here) asks for every topic", () => {
    expect(routeChangeOf(entry("config.updated", {}))).toMatchObject({ topics: [], allTopics: true });
    const unknown = { ...entry("config.updated", {}), action: "something.new" as HistoryAction };
    expect(routeChangeOf(unknown)).toMatchObject({ allTopics: true });
  });

  it("every action is mapped (none throws)", () => {
    for (const action of HISTORY_ACTIONS) {
      expect(() => routeChangeOf(entry(action, { broker: "b", namespace: "n", key: "k" }))).not.toThrow();
    }
  });
});

describe("digestSilentAfterMs", () => {
  it.each([
    [120_000, 30_000],
    [100_000, 10_000],
    [60_000, 0],
  ])("a %d ms timeout lists a member after %d ms of silence", (timeout, after) => {
    expect(digestSilentAfterMs(timeout)).toBe(after);
  });
});

describe("livenessDigest: the members a sweep lists as at risk", () => {
  const now = T0 + 1_000_000;
  const silent31 = member({ brokerId: 0, brokerAddr: "10.0.0.1:10911", lastUpdateTimestamp: now - 31_000 });
  const silent29 = member({ brokerId: 1, brokerAddr: "10.0.0.2:10911", lastUpdateTimestamp: now - 29_000 });

  it("lists a member silent 31 s with its deadline, not one silent 29 s", () => {
    const digest = livenessDigest([group([silent31, silent29])], { now });
    expect(digest).toEqual({
      sweptAt: now,
      members: [{ brokerName: "broker-a", brokerAddr: "10.0.0.1:10911", deadline: now - 31_000 + 120_000 }],
    });
  });

  it("leaves out a member self-preservation keeps", () => {
    // Dead by the clock, but live at the last healthy sweep and silent since: kept.
    const preserved = member({ brokerAddr: "10.0.0.3:10911", lastUpdateTimestamp: now - 130_000 });
    const view = { now, preservedSince: now - 60_000 };
    expect(livenessDigest([group([preserved])], view).members).toEqual([]);
    // Without self-preservation the same member is listed (past its deadline).
    expect(livenessDigest([group([preserved])], { now }).members).toHaveLength(1);
  });

  it("lists the nearest deadlines first, at most MAX_DIGEST_MEMBERS", () => {
    const groups = Array.from({ length: MAX_DIGEST_MEMBERS + 10 }, (_, i) =>
      group(
        [member({ brokerAddr: `10.1.${i >> 8}.${i & 255}:10911`, lastUpdateTimestamp: now - 31_000 - i })],
        {
          brokerName: `g${i}`,
        },
      ),
    );
    const { members, cut } = livenessDigest(groups, { now });
    expect(members).toHaveLength(MAX_DIGEST_MEMBERS);
    // A cut digest says so: the members left out are not known to be heartbeating.
    expect(cut).toBe(true);
    expect(livenessDigestView(livenessDigest(groups, { now }), now).cut).toBe(true);
    expect(livenessDigest(groups.slice(0, 5), { now }).cut).toBeUndefined();
    expect(members[0]?.brokerName).toBe(`g${MAX_DIGEST_MEMBERS + 9}`);
    expect(members.map((m) => m.brokerName)).not.toContain("g0");
  });
});

describe("livenessDigestView: the digest as an answer", () => {
  it("gives ms left by group and address, and how long ago the sweep ran", () => {
    const digest: LivenessDigest = {
      sweptAt: T0,
      members: [
        { brokerName: "a", brokerAddr: "1:1", deadline: T0 + 50_000 },
        { brokerName: "a", brokerAddr: "1:2", deadline: T0 + 5_000 },
        { brokerName: "b", brokerAddr: "2:1", deadline: T0 + 20_000 },
      ],
    };
    expect(livenessDigestView(digest, T0 + 10_000)).toEqual({
      sweptAgoMs: 10_000,
      deadlines: { a: { "1:1": 40_000, "1:2": -5_000 }, b: { "2:1": 10_000 } },
    });
    expect(livenessDigestView(digest, T0 - 5).sweptAgoMs).toBe(0);
  });
});
