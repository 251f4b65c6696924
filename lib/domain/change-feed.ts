/**
 * The change feed and the liveness digest: what lets a gateway keep its cached routes without
 * refetching every topic every 30 s.
 *
 * - The feed: every write that changes what readers see already records a history entry
 *   (lib/domain/history.ts). `routeChangeOf` says which routes an entry can have changed: the topics
 *   it names, and the broker group it names (every route listing that group). A gateway asks for the
 *   changes since its cursor (`POST /routes` with `changesSince`) and refetches only those routes.
 * - The digest: heartbeats record nothing (by design), so the feed cannot say when a member stops
 *   heartbeating. The sweeper, which reads every group each run anyway, publishes the members silent
 *   for longer than `digestSilentAfterMs` with their deadlines. A member silent since t is listed by
 *   the first sweep after t + silentAfter (≤ t + silentAfter + sweep period), a gateway polling every
 *   30 s learns it a round later, and drops it at its deadline: with a 120 s timeout and 30 s periods,
 *   learnt by t + 90 s, 30 s before the deadline.
 *
 * Pure: the sweeper and the route function build and read these with a clock.
 */
import type { HistoryAction, HistoryEntry } from "./history";
import { MAX_CHANGES } from "./history";
import { type At, isPreserved, type LivenessView, liveMembers } from "./liveness";
import {
  type BrokerData,
  type BrokerGroup,
  type MemberDeadlines,
  ORDER_TOPIC_CONFIG_NAMESPACE,
} from "./model";
import { isTombstone } from "./registration";
import { brokerDataOf } from "./route";

/** One history entry as a gateway needs it: which routes it may have changed. */
export interface RouteChange {
  /** The history entry's id (unique, sorts by time): a gateway drops entries it has seen. */
  id: string;
  /** When the change was made, on the registry's clock (epoch ms). */
  time: number;
  action: HistoryAction;
  /** The broker group changed: every route that lists it may have changed. */
  broker?: string;
  /** The topics whose routes it changed (a registration's new, changed and removed queue data). */
  topics: string[];
  /** The entry's topic list was cut (or it changed settings every route depends on): refetch all. */
  allTopics?: true;
}

/** The sweeper's published list of members at risk, as the answer carries it. */
export interface LivenessDigestView {
  /** How long ago the sweep that wrote it ran, on the registry's clock. */
  sweptAgoMs: number;
  /** Members silent longer than their `digestSilentAfterMs`: ms left before their timeout (≤ 0: past). */
  deadlines: MemberDeadlines;
  /**
   * Set when more members were silent than a digest lists (MAX_DIGEST_MEMBERS): the members left out
   * are not known to be heartbeating, so a gateway refreshes every route with its deadlines instead.
   */
  cut?: true;
}

/** The `changes` of a `POST /routes` answer asked with `changesSince`. */
export interface ChangesAnswer {
  /** The registry time the entries cover up to: the next ask's `changesSince`, minus an overlap. */
  until: number;
  /** False when the entries since `changesSince` are not all known: the gateway refreshes everything. */
  complete: boolean;
  entries: RouteChange[];
  /** Absent when no sweep has published a digest yet. */
  liveness?: LivenessDigestView;
  /**
   * For every group a membership-only change among `entries` names (membershipOnlyGroup): the group as
   * routes list it now, or null when no live member is left (routes drop it). A gateway patches the
   * routes it holds with it (lib/domain/route.ts withGroupMembership) instead of refetching them.
   */
  groups?: Record<string, GroupMembership | null>;
}

/** A group's membership as routes show it: its BrokerData and its live members' filter servers. */
export interface GroupMembership {
  brokerData: BrokerData;
  /** By member address, for the live members that have filter servers. */
  filterServers: Record<string, string[]>;
}

/** The actions that change only who is in a group (a restart: a member leaves, expires or joins). */
export const MEMBERSHIP_ACTIONS: readonly HistoryAction[] = [
  "broker.registered",
  "broker.unregistered",
  "broker.expired",
];

const MEMBERSHIP: ReadonlySet<string> = new Set(MEMBERSHIP_ACTIONS);

/**
 * The group a membership-only change names (a member joined, left or expired; no topic named and its
 * list not cut): the routes listing it can be patched with the group's membership instead of
 * refetched. Undefined for any other change. The registry (which groups a feed answer carries) and
 * the gateway (which routes it patches) decide by this one rule; `action` is any string, as a gateway
 * reads it from a registry that may be newer than itself.
 */
export function membershipOnlyGroup(
  change: Pick<RouteChange, "broker" | "topics" | "allTopics"> & { action: string },
): string | undefined {
  return MEMBERSHIP.has(change.action) && change.topics.length === 0 && change.allTopics !== true
    ? change.broker
    : undefined;
}

/** The group as routes list it at `at`; null when it is gone or has no live member. */
export function groupMembership(group: BrokerGroup | undefined, at: At): GroupMembership | null {
  if (group === undefined || isTombstone(group)) return null;
  const live = liveMembers(group, at);
  if (live.length === 0) return null;
  const filterServers: Record<string, string[]> = {};
  for (const member of live) {
    if (member.filterServerList.length > 0) filterServers[member.brokerAddr] = [...member.filterServerList];
  }
  return { brokerData: brokerDataOf(group, at), filterServers };
}

/** What the sweeper stores: absolute deadlines on the registry's clock. */
export interface LivenessDigest {
  sweptAt: number;
  members: Array<{ brokerName: string; brokerAddr: string; deadline: number }>;
  /** More members were silent than MAX_DIGEST_MEMBERS: those past the cap are left out. */
  cut?: true;
}

/**
 * The most members a digest lists, the nearest deadlines first: it stays one item well under
 * DynamoDB's 400 KB (a member is under 100 bytes) and a cheap read, even when a whole fleet goes
 * silent at once. A cut digest says so (`cut`), and a gateway then refreshes every route with its
 * members' deadlines rather than take the members left out for heartbeating ones.
 */
export const MAX_DIGEST_MEMBERS = 2000;

/** How long a member may be silent before the digest lists it: 30 s, less for short timeouts. */
export function digestSilentAfterMs(heartbeatTimeoutMillis: number): number {
  return Math.min(30_000, Math.max(0, heartbeatTimeoutMillis - 90_000));
}

/** The topics a history entry's changes name (`topics.<topic>` or `topics.<topic>.<field>`). */
function topicsOfChanges(entry: HistoryEntry): string[] {
  const topics = new Set<string>();
  for (const change of entry.changes) {
    if (!change.field.startsWith("topics.")) continue;
    const rest = change.field.slice("topics.".length);
    const dot = rest.indexOf(".");
    topics.add(dot < 0 ? rest : rest.slice(0, dot));
  }
  return [...topics];
}

/**
 * Which routes a history entry may have changed; undefined when it changed none (a kv entry outside
 * ORDER_TOPIC_CONFIG). A registration whose topic list was cut (`changeCount`: it may have added
 * topics it no longer names), a settings change and any action this code does not know ask for
 * everything.
 */
export function routeChangeOf(entry: HistoryEntry): RouteChange | undefined {
  const base = { id: entry.id, time: entry.time, action: entry.action };
  switch (entry.action) {
    case "kv.put":
    case "kv.deleted":
      if (entry.target.namespace !== ORDER_TOPIC_CONFIG_NAMESPACE || entry.target.key === undefined) {
        return undefined;
      }
      return { ...base, topics: [entry.target.key] };
    case "topic.registered":
    case "topic.deleted": {
      const topics = new Set(topicsOfChanges(entry));
      if (entry.target.topic !== undefined) topics.add(entry.target.topic);
      return {
        ...base,
        ...(entry.target.broker === undefined ? {} : { broker: entry.target.broker }),
        topics: [...topics],
        ...(entry.changeCount !== undefined && entry.changeCount > MAX_CHANGES ? { allTopics: true } : {}),
      };
    }
    case "broker.registered":
      // A registration may add topics the group did not serve: they are named, unless the list was cut.
      return {
        ...base,
        ...(entry.target.broker === undefined ? {} : { broker: entry.target.broker }),
        topics: topicsOfChanges(entry),
        ...(entry.target.broker === undefined ||
        (entry.changeCount !== undefined && entry.changeCount > MAX_CHANGES)
          ? { allTopics: true }
          : {}),
      };
    case "broker.unregistered":
    case "broker.expired":
    case "writePerm.wiped":
    case "writePerm.added":
      // These only change or remove what the group already serves: the routes that list it (a cut
      // list of a write-perm change of a 1,000-topic group asks for nothing more).
      return {
        ...base,
        ...(entry.target.broker === undefined ? {} : { broker: entry.target.broker }),
        topics: topicsOfChanges(entry),
        ...(entry.target.broker === undefined ? { allTopics: true } : {}),
      };
    default:
      return { ...base, topics: [], allTopics: true };
  }
}

/**
 * The digest a sweep at `view.now` publishes: every member silent longer than its
 * `digestSilentAfterMs`, with its deadline; members self-preservation keeps have none and are left
 * out (the registry keeps serving them, and so may a gateway). Nearest deadlines first, at most
 * MAX_DIGEST_MEMBERS.
 */
export function livenessDigest(groups: readonly BrokerGroup[], view: LivenessView): LivenessDigest {
  const members: LivenessDigest["members"] = [];
  for (const group of groups) {
    for (const member of Object.values(group.members)) {
      const silentFor = view.now - member.lastUpdateTimestamp;
      if (silentFor <= digestSilentAfterMs(member.heartbeatTimeoutMillis)) continue;
      if (view.preservedSince !== undefined && isPreserved(member, view.preservedSince)) continue;
      members.push({
        brokerName: group.brokerName,
        brokerAddr: member.brokerAddr,
        deadline: member.lastUpdateTimestamp + member.heartbeatTimeoutMillis,
      });
    }
  }
  members.sort((a, b) => a.deadline - b.deadline);
  if (members.length <= MAX_DIGEST_MEMBERS) return { sweptAt: view.now, members };
  return { sweptAt: view.now, members: members.slice(0, MAX_DIGEST_MEMBERS), cut: true };
}

/** The digest as an answer at `now`: relative times, so a gateway needs no synchronized clock. */
export function livenessDigestView(digest: LivenessDigest, now: number): LivenessDigestView {
  const deadlines: MemberDeadlines = {};
  for (const member of digest.members) {
    const ofGroup = deadlines[member.brokerName] ?? {};
    ofGroup[member.brokerAddr] = member.deadline - now;
    deadlines[member.brokerName] = ofGroup;
  }
  return {
    sweptAgoMs: Math.max(0, now - digest.sweptAt),
    deadlines,
    ...(digest.cut === true ? { cut: true as const } : {}),
  };
}
