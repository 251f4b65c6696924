/**
 * The change feed's use case (lib/app/change-feed.ts) over a fake history store and a fake clock:
 * what an ask answers, and what it costs: the instance's window is refreshed at most once a second,
 * re-reads only an overlap of 10 s (which picks up late entries, deduplicated by id), reads the digest
 * with it, and reads directly only for an ask from before the window.
 */

import { beforeEach, describe, expect, it } from "vitest";
import {
  CHANGES_COLD_START_MS,
  CHANGES_HORIZON_MS,
  CHANGES_OVERLAP_MS,
  ChangeFeed,
  MAX_CHANGE_ENTRIES,
} from "../../lib/app/change-feed";
import { createUseCaseContext } from "../../lib/app/use-case-context";
import type { LivenessDigest } from "../../lib/domain/change-feed";
import { ServiceUnavailableError } from "../../lib/domain/errors";
import { type HistoryEntry, historyDay, historyId } from "../../lib/domain/history";
import { NO_SWEEPER_STATE } from "../../lib/domain/liveness";
import { ORDER_TOPIC_CONFIG_NAMESPACE } from "../../lib/domain/model";
import type { RegistryStore } from "../../lib/store/registry-store";

const T0 = Date.UTC(2027, 0, 15, 12, 0, 0);

/** The two store methods the feed calls, over in-memory history; every call is recorded. */
class FakeHistoryStore {
  readonly days = new Map<string, HistoryEntry[]>();
  digest: LivenessDigest | undefined;
  readonly queries: Array<{ day: string; fromId?: string; afterId?: string }> = [];
  digestReads = 0;
  failing = false;

  append(entry: HistoryEntry): void {
    const day = historyDay(entry.time);
    const entries = this.days.get(day) ?? [];
    entries.push(entry);
    entries.sort((a, b) => (a.id < b.id ? -1 : 1));
    this.days.set(day, entries);
  }

  async queryHistoryDay(
    day: string,
    range: { afterId?: string; fromId?: string; untilId?: string; limit: number },
  ): Promise<HistoryEntry[]> {
    if (this.failing) throw new ServiceUnavailableError("table unreachable");
    this.queries.push({
      day,
      ...(range.fromId === undefined ? {} : { fromId: range.fromId }),
      ...(range.afterId === undefined ? {} : { afterId: range.afterId }),
    });
    return (this.days.get(day) ?? [])
      .filter(
        (e) =>
          (range.fromId === undefined || e.id >= range.fromId) &&
          (range.afterId === undefined || e.id > range.afterId) &&
          (range.untilId === undefined || e.id <= range.untilId),
      )
      .slice(0, range.limit);
  }

  async getLivenessDigest(): Promise<LivenessDigest | undefined> {
    if (this.failing) throw new ServiceUnavailableError("table unreachable");
    this.digestReads++;
    return this.digest;
  }

  /** The groups membership entries name (none are stored here: each reads as gone). */
  groupReads: string[][] = [];
  async getGroups(names: string[]) {
    this.groupReads.push([...names]);
    return { groups: new Map(), sweeper: NO_SWEEPER_STATE };
  }

  /** The port, with every other method failing the test. */
  asStore(): RegistryStore {
    const methods: Pick<RegistryStore, "queryHistoryDay" | "getLivenessDigest" | "getGroups"> = {
      queryHistoryDay: (day, range) => this.queryHistoryDay(day, range),
      getLivenessDigest: () => this.getLivenessDigest(),
      getGroups: (names) => this.getGroups([...names]),
    };
    return new Proxy(methods, {
      get: (target, name) => {
        if (name === "queryHistoryDay" || name === "getLivenessDigest" || name === "getGroups") {
          return target[name];
        }
        throw new Error(`the feed called store.${String(name)}`);
      },
    }) as unknown as RegistryStore;
  }
}

let sequence = 0;
function registered(time: number, broker: string, topics: string[]): HistoryEntry {
  return {
    id: historyId(time, (sequence++).toString(16).padStart(8, "0")),
    time,
    action: "broker.registered",
    caller: { actor: { kind: "token" } },
    target: { cluster: "DefaultCluster", broker },
    changes: topics.map((topic) => ({ field: `topics.${topic}`, after: { perm: 6 } })),
  };
}

let time: number;
let store: FakeHistoryStore;
let feed: ChangeFeed;
beforeEach(() => {
  time = T0;
  store = new FakeHistoryStore();
  feed = new ChangeFeed(createUseCaseContext({ store: store.asStore(), now: () => time }));
});

const reads = () => ({ queries: store.queries.length, digests: store.digestReads });

describe("what an ask answers", () => {
  it("the entries since `since`, oldest first, as the routes they changed, up to the time read", async () => {
    store.append(registered(T0 - 50_000, "broker-a", ["Old"]));
    store.append(registered(T0 - 30_000, "broker-a", ["TopicA", "TopicB"]));
    store.append(registered(T0 - 10_000, "broker-b", ["TopicC"]));
    const answer = await feed.changes(T0 - 40_000);
    expect(answer).toEqual({
      until: T0,
      complete: true,
      entries: [
        expect.objectContaining({ broker: "broker-a", topics: ["TopicA", "TopicB"], time: T0 - 30_000 }),
        expect.objectContaining({ broker: "broker-b", topics: ["TopicC"], time: T0 - 10_000 }),
      ],
    });
    // No digest stored yet: no liveness.
    expect(answer).not.toHaveProperty("liveness");
  });

  it("`since` is inclusive, and an entry that changes no route is left out", async () => {
    store.append(registered(T0 - 20_000, "broker-a", ["TopicA"]));
    store.append({
      ...registered(T0 - 15_000, "", []),
      action: "kv.put",
      target: { namespace: "other", key: "k" },
    });
    store.append({
      ...registered(T0 - 14_000, "", []),
      action: "kv.put",
      target: { namespace: ORDER_TOPIC_CONFIG_NAMESPACE, key: "TopicO" },
    });
    const answer = await feed.changes(T0 - 20_000);
    expect(answer.entries.map((e) => e.topics)).toEqual([["TopicA"], ["TopicO"]]);
  });

  it("the digest, when a sweep stored one: ms left at the ask, and how long ago the sweep ran", async () => {
    store.digest = {
      sweptAt: T0 - 4_000,
      members: [{ brokerName: "broker-a", brokerAddr: "10.0.0.1:10911", deadline: T0 + 60_000 }],
    };
    const answer = await feed.changes(T0 - 30_000);
    expect(answer.liveness).toEqual({
      sweptAgoMs: 4_000,
      deadlines: { "broker-a": { "10.0.0.1:10911": 60_000 } },
    });
    // Within the second the window is not refreshed, but the ms left follow the clock.
    time += 500;
    expect((await feed.changes(T0 - 30_000)).liveness?.deadlines["broker-a"]?.["10.0.0.1:10911"]).toBe(
      59_500,
    );
  });

  it("complete: false, without entries, from further back than 10 minutes", async () => {
    store.append(registered(T0 - 20_000, "broker-a", ["TopicA"]));
    const answer = await feed.changes(T0 - CHANGES_HORIZON_MS - 1);
    expect(answer).toEqual({ until: T0, complete: false, entries: [] });
    expect((await feed.changes(T0 - CHANGES_HORIZON_MS)).complete).toBe(true);
  });

  it("complete: false, without entries, when more than 1,000 entries match (cut)", async () => {
    for (let i = 0; i <= MAX_CHANGE_ENTRIES; i++) store.append(registered(T0 - 30_000 + i, "b", [`T${i}`]));
    const cut = await feed.changes(T0 - 30_000);
    expect(cut).toMatchObject({ complete: false, entries: [] });
    // One fewer matches: all of them.
    const all = await feed.changes(T0 - 30_000 + 1);
    expect(all.complete).toBe(true);
    expect(all.entries).toHaveLength(MAX_CHANGE_ENTRIES);
  });

  it("an ask from the future gets nothing, complete", async () => {
    store.append(registered(T0 - 1_000, "broker-a", ["TopicA"]));
    expect(await feed.changes(T0 + 60_000)).toEqual({ until: T0, complete: true, entries: [] });
  });
});

describe("what an ask costs: the instance's window", () => {
  it("is refreshed at most once a second: one history Query and one digest GetItem", async () => {
    await feed.changes(T0 - 40_000);
    expect(reads()).toEqual({ queries: 1, digests: 1 });
    // A cold window reads from 2 minutes back.
    expect(store.queries[0]?.fromId).toBe(historyId(T0 - CHANGES_COLD_START_MS, ""));
    for (let i = 0; i < 10; i++) {
      time += 99;
      await feed.changes(T0 - 40_000);
    }
    expect(reads()).toEqual({ queries: 1, digests: 1 });
    time = T0 + 1_000;
    await feed.changes(T0 - 40_000);
    expect(reads()).toEqual({ queries: 2, digests: 2 });
    // The refresh re-reads only the overlap before the time the window was read up to.
    expect(store.queries[1]?.fromId).toBe(historyId(T0 - CHANGES_OVERLAP_MS, ""));
  });

  it("concurrent asks share one refresh", async () => {
    await Promise.all([feed.changes(T0 - 40_000), feed.changes(T0 - 30_000), feed.changes(T0 - 20_000)]);
    expect(reads()).toEqual({ queries: 1, digests: 1 });
  });

  it("the overlap picks up an entry written late (with a time before the last refresh), once", async () => {
    store.append(registered(T0 - 5_000, "broker-a", ["Early"]));
    expect((await feed.changes(T0 - 40_000)).entries.map((e) => e.topics)).toEqual([["Early"]]);
    // Written after that refresh, with its time taken 4 s before it.
    store.append(registered(T0 - 4_000, "broker-b", ["Late"]));
    time = T0 + 1_000;
    const answer = await feed.changes(T0 - 40_000);
    expect(answer.until).toBe(T0 + 1_000);
    // Both, each once (the overlap re-read "Early": deduplicated by id), oldest first.
    expect(answer.entries.map((e) => e.topics)).toEqual([["Early"], ["Late"]]);
  });

  it("keeps what it read, as long as the horizon, through refreshes of the overlap only", async () => {
    store.append(registered(T0 - 60_000, "broker-a", ["A"]));
    await feed.changes(T0 - 90_000);
    for (let s = 1; s <= 300; s++) {
      time = T0 + s * 1_000;
      if (s === 200) store.append(registered(time - 500, "broker-b", ["B"]));
      await feed.changes(time - 40_000);
    }
    expect(reads()).toEqual({ queries: 301, digests: 301 });
    // Every refresh after the first read from 10 s before the previous one.
    expect(store.queries[300]?.fromId).toBe(historyId(T0 + 299_000 - CHANGES_OVERLAP_MS, ""));
    // The window still answers from its start (2 minutes before the first ask) without a direct read.
    const answer = await feed.changes(T0 - 90_000);
    expect(answer.entries.map((e) => e.topics)).toEqual([["A"], ["B"]]);
    expect(reads().queries).toBe(301);
  });

  it("an ask from before the window but within 10 minutes is one direct read, not kept", async () => {
    store.append(registered(T0 - 5 * 60_000, "broker-a", ["Old"]));
    store.append(registered(T0 - 30_000, "broker-a", ["New"]));
    await feed.changes(T0 - 40_000);
    expect(reads()).toEqual({ queries: 1, digests: 1 });
    const since = T0 - 6 * 60_000;
    const answer = await feed.changes(since);
    expect(answer).toMatchObject({ until: T0, complete: true });
    expect(answer.entries.map((e) => e.topics)).toEqual([["Old"], ["New"]]);
    expect(reads()).toEqual({ queries: 2, digests: 1 });
    expect(store.queries[1]?.fromId).toBe(historyId(since, ""));
    await feed.changes(since);
    expect(reads()).toEqual({ queries: 3, digests: 1 });
  });

  it("across a UTC midnight it reads both days' partitions", async () => {
    const midnight = Date.UTC(2027, 0, 16);
    time = midnight + 20_000;
    store.append(registered(midnight - 15_000, "broker-a", ["Before"]));
    store.append(registered(midnight + 10_000, "broker-a", ["After"]));
    const answer = await feed.changes(midnight - 30_000);
    expect(answer.entries.map((e) => e.topics)).toEqual([["Before"], ["After"]]);
    expect(store.queries.map((q) => q.day)).toEqual(["2027-01-15", "2027-01-16"]);
  });

  it("a store that is down fails the ask (503), and the next ask tries again", async () => {
    store.failing = true;
    await expect(feed.changes(T0 - 40_000)).rejects.toBeInstanceOf(ServiceUnavailableError);
    store.failing = false;
    store.append(registered(T0 - 1_000, "broker-a", ["TopicA"]));
    expect((await feed.changes(T0 - 40_000)).entries).toHaveLength(1);
  });
});
