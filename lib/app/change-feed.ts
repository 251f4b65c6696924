/**
 * The change feed (`POST /routes` with `changesSince`, lib/domain/change-feed.ts): the history
 * entries since a time, as the routes they may have changed, and the sweeper's liveness digest.
 *
 * Cost: at 100× the fleet, every gateway asks every 30 s. So each instance keeps in memory a window
 * of the recent history and the digest, refreshed at most once a second: a refresh queries the
 * history from `OVERLAP_MS` before the time the window was read up to (an entry is written after its
 * change, in its own request, with the time taken before: one arriving up to 10 s late is still
 * picked up; entries are deduplicated by id), plus one GetItem of the digest. A cold window starts
 * `COLD_START_MS` back (gateways ask from about 40 s back); an ask from before the window's start
 * but within `HORIZON_MS` is one direct, uncached read; an ask from further back is `complete: false`
 * (the gateway refreshes everything).
 *
 * Membership: a restart (a member leaves, expires or joins) changes only the groups' member lists.
 * For the groups such entries name, the window also reads the group once, when the entry first shows
 * (one BatchGetItem a refresh, only when there are new ones), and the answer carries it as routes list
 * it (`groups`): a gateway patches the routes it holds instead of refetching them.
 */
import {
  type ChangesAnswer,
  type GroupMembership,
  groupMembership,
  type LivenessDigest,
  livenessDigestView,
  membershipOnlyGroup,
  type RouteChange,
  routeChangeOf,
} from "../domain/change-feed";
import { type HistoryEntry, historyDays, historyId } from "../domain/history";
import { livenessView } from "../domain/liveness";
import { UseCases } from "./use-case-context";

/** How far back a feed answers; an older `changesSince` is `complete: false`. */
export const CHANGES_HORIZON_MS = 10 * 60_000;
/** More entries than this since `changesSince` is `complete: false` (cut): refetch everything. */
export const MAX_CHANGE_ENTRIES = 1000;
/** A window refresh re-reads this far back: history entries may arrive this late. */
export const CHANGES_OVERLAP_MS = 10_000;
/** An instance's window is refreshed at most this often. */
export const CHANGES_REFRESH_MS = 1000;
/** How far back a cold instance's first refresh reads. */
export const CHANGES_COLD_START_MS = 2 * 60_000;
/** Entries a window keeps at most (oldest dropped first; asks from before them read directly). */
const MAX_WINDOW_ENTRIES = 5 * MAX_CHANGE_ENTRIES;
/** Entries per history Query page. */
const PAGE = MAX_CHANGE_ENTRIES;

/** A history entry as the window keeps it: its id and time, and the routes it changed (if any). */
interface Seen {
  id: string;
  time: number;
  change: RouteChange | undefined;
}

interface Window {
  /** Every entry with `start <= time <= readUntil` is here (as far as the overlap holds). */
  start: number;
  /** The time of the last refresh: what the window was read up to. */
  readUntil: number;
  /** By id, in id (time) order. */
  entries: Seen[];
  digest: LivenessDigest | undefined;
  /** The groups membership entries of the window name, as read when their newest entry showed. */
  groups: Map<string, GroupMembership | null>;
}

/** The group a window entry's membership-only change names (membershipOnlyGroup), if any. */
const membershipGroup = (change: RouteChange | undefined): string | undefined =>
  change === undefined ? undefined : membershipOnlyGroup(change);

const byId = (a: Seen, b: Seen) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const seen = (entry: HistoryEntry): Seen => ({
  id: entry.id,
  time: entry.time,
  change: routeChangeOf(entry),
});

export class ChangeFeed extends UseCases {
  private window: Window | undefined;
  private refreshing: Promise<Window> | undefined;

  /** The changes since `since` (epoch ms on the registry's clock) and the liveness digest. */
  async changes(since: number): Promise<ChangesAnswer> {
    const window = await this.currentWindow();
    const now = this.now();
    const liveness = window.digest === undefined ? {} : { liveness: livenessDigestView(window.digest, now) };
    const incomplete = (until: number): ChangesAnswer => ({
      until,
      complete: false,
      entries: [],
      ...liveness,
    });
    if (since < now - CHANGES_HORIZON_MS) return incomplete(window.readUntil);

    let until = window.readUntil;
    let matching: Seen[];
    if (since >= window.start) {
      matching = window.entries.filter((e) => e.time >= since && e.time <= until);
    } else {
      // Before the window (a cold instance, or a window cut short): one direct read, not kept.
      until = now;
      matching = await this.read(since, until, MAX_CHANGE_ENTRIES + 1);
    }
    if (matching.length > MAX_CHANGE_ENTRIES) return incomplete(until);
    const entries: RouteChange[] = [];
    for (const entry of matching) if (entry.change !== undefined) entries.push(entry.change);
    const names = new Set<string>();
    for (const entry of matching) {
      const name = membershipGroup(entry.change);
      if (name !== undefined) names.add(name);
    }
    let known = window.groups;
    if (since < window.start || [...names].some((name) => !known.has(name))) {
      known = await this.readGroups(names);
    }
    const groups: Record<string, GroupMembership | null> = {};
    for (const name of names) {
      const membership = known.get(name);
      if (membership !== undefined) groups[name] = membership;
    }
    return {
      until,
      complete: true,
      entries,
      ...liveness,
      ...(names.size > 0 ? { groups } : {}),
    };
  }

  /** The window, refreshed when its last refresh is `CHANGES_REFRESH_MS` old; one refresh at a time. */
  private async currentWindow(): Promise<Window> {
    const window = this.window;
    if (window !== undefined && this.now() - window.readUntil < CHANGES_REFRESH_MS) return window;
    if (this.refreshing === undefined) {
      this.refreshing = this.refresh(window).finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  private async refresh(previous: Window | undefined): Promise<Window> {
    const now = this.now();
    const from =
      previous === undefined ? now - CHANGES_COLD_START_MS : previous.readUntil - CHANGES_OVERLAP_MS;
    const [fresh, digest] = await Promise.all([
      this.read(from, now, Number.POSITIVE_INFINITY),
      this.store.getLivenessDigest(),
    ]);
    const start = Math.max(previous?.start ?? from, now - CHANGES_HORIZON_MS);
    const merged = new Map<string, Seen>();
    for (const entry of previous?.entries ?? []) if (entry.time >= start) merged.set(entry.id, entry);
    for (const entry of fresh) merged.set(entry.id, entry);
    let entries = [...merged.values()].sort(byId);
    let windowStart = start;
    if (entries.length > MAX_WINDOW_ENTRIES) {
      // Keeps the newest; asks from before them read the table directly.
      const dropped = entries[entries.length - MAX_WINDOW_ENTRIES - 1];
      entries = entries.slice(entries.length - MAX_WINDOW_ENTRIES);
      if (dropped !== undefined) windowStart = Math.max(windowStart, dropped.time + 1);
    }
    // The groups that new membership entries name, read now (after their entries were written).
    const before = new Set(previous?.entries.map((e) => e.id));
    const names = new Set<string>();
    for (const entry of fresh) {
      const name = membershipGroup(entry.change);
      if (name !== undefined && !before.has(entry.id)) names.add(name);
    }
    const groups = new Map<string, GroupMembership | null>();
    const kept = new Set(entries.map((e) => membershipGroup(e.change)));
    for (const [name, membership] of previous?.groups ?? []) if (kept.has(name)) groups.set(name, membership);
    for (const [name, membership] of await this.readGroups(names)) groups.set(name, membership);
    const window: Window = { start: windowStart, readUntil: now, entries, digest, groups };
    this.window = window;
    return window;
  }

  /** The groups' membership as routes list it now (one BatchGetItem per 100 groups; none for none). */
  private async readGroups(names: ReadonlySet<string>): Promise<Map<string, GroupMembership | null>> {
    const out = new Map<string, GroupMembership | null>();
    if (names.size === 0) return out;
    const { groups, sweeper } = await this.store.getGroups([...names]);
    const view = livenessView(this.now(), sweeper);
    for (const name of names) out.set(name, groupMembership(groups.get(name), view));
    return out;
  }

  /** The history entries with `since <= time <= until`, oldest first, at most `limit`. */
  private async read(since: number, until: number, limit: number): Promise<Seen[]> {
    const fromId = historyId(since, "");
    const entries: Seen[] = [];
    for (const day of historyDays(since, until)) {
      let afterId: string | undefined;
      for (;;) {
        const batch = await this.store.queryHistoryDay(day, {
          ...(afterId === undefined ? { fromId } : { afterId }),
          limit: PAGE,
        });
        for (const entry of batch) {
          if (entry.time >= since && entry.time <= until && entries.length < limit) entries.push(seen(entry));
        }
        const last = batch[batch.length - 1];
        if (last === undefined || batch.length < PAGE || entries.length >= limit || last.time > until) break;
        afterId = last.id;
      }
      if (entries.length >= limit) break;
    }
    return entries;
  }
}
