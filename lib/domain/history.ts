/**
 * The history of changes: one entry per write that changed what readers see, saying who (an IAM
 * principal, the local token's holder, a remoting access key and address through a gateway, or the
 * sweeper), what (the request and its target), what changed (before and after) and when. Steady and
 * light heartbeats change nothing and make no entry. Pure: the use cases build entries with these
 * helpers, the store keeps them for a bounded time (`retentionDays`).
 */

export type HistoryAction =
  | "broker.registered"
  | "broker.unregistered"
  | "broker.expired"
  | "writePerm.wiped"
  | "writePerm.added"
  | "topic.registered"
  | "topic.deleted"
  | "kv.put"
  | "kv.deleted"
  | "config.updated";

export const HISTORY_ACTIONS: readonly HistoryAction[] = [
  "broker.registered",
  "broker.unregistered",
  "broker.expired",
  "writePerm.wiped",
  "writePerm.added",
  "topic.registered",
  "topic.deleted",
  "kv.put",
  "kv.deleted",
  "config.updated",
];

/** Who made a change. */
export type HistoryActor =
  /** An IAM principal (API Gateway's `userArn`). */
  | { kind: "iam"; principal: string }
  /** The local server's bearer-token holder (`NAMESRV_TOKEN`). */
  | { kind: "token" }
  /** A caller without credentials (the local server without a token). */
  | { kind: "anonymous" }
  /** The sweeper (expiry). */
  | { kind: "sweeper" };

/** A remoting request a gateway forwarded: who signed it (if anyone) and where it came from. */
export interface RemotingOrigin {
  accessKey?: string;
  remoteAddress: string;
}

export interface HistoryCaller {
  actor: HistoryActor;
  /** The HTTP caller's address, when known. */
  sourceIp?: string;
  /** Set when the HTTP caller is a remoting gateway forwarding a RocketMQ request. */
  remoting?: RemotingOrigin;
}

/** One changed value: `before` absent = it did not exist; `after` absent = it is gone. */
export interface HistoryChange {
  field: string;
  before?: unknown;
  after?: unknown;
}

export interface HistoryTarget {
  cluster?: string;
  broker?: string;
  topic?: string;
  namespace?: string;
  key?: string;
}

export interface HistoryEntry {
  /** Unique and sortable: `<time as 13 digits>-<random>`. */
  id: string;
  /** Epoch ms. */
  time: number;
  action: HistoryAction;
  caller: HistoryCaller;
  target: HistoryTarget;
  changes: HistoryChange[];
  /** Set when `changes` was cut at MAX_CHANGES: how many there were. */
  changeCount?: number;
}

/** An entry stays a reasonable item (DynamoDB's 400 KB): a 20,000-topic registration lists its first changes. */
export const MAX_CHANGES = 200;

export const DEFAULT_HISTORY_RETENTION_DAYS = 30;
export const MAX_HISTORY_RETENTION_DAYS = 3650;
const DAY_MS = 86_400_000;

export function historyId(time: number, random: string): string {
  return `${String(time).padStart(13, "0")}-${random}`;
}

/** Builds an entry; undefined when nothing changed (no entry is written then). */
export function historyEntry(input: {
  id: string;
  time: number;
  action: HistoryAction;
  caller: HistoryCaller;
  target: HistoryTarget;
  changes: HistoryChange[];
  /** Actions that are a change in themselves (a delete of nothing is filtered out by the caller). */
  always?: boolean;
}): HistoryEntry | undefined {
  const changes = input.changes.filter((c) => !sameValue(c.before, c.after));
  if (changes.length === 0 && input.always !== true) return undefined;
  const entry: HistoryEntry = {
    id: input.id,
    time: input.time,
    action: input.action,
    caller: input.caller,
    target: input.target,
    changes: changes.slice(0, MAX_CHANGES),
  };
  if (changes.length > MAX_CHANGES) entry.changeCount = changes.length;
  return entry;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The UTC day (`YYYY-MM-DD`) an entry belongs to: the store's partition. */
export function historyDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** The days from `since`'s to `until`'s, oldest first. */
export function historyDays(since: number, until: number): string[] {
  const days: string[] = [];
  for (let t = Math.floor(since / DAY_MS) * DAY_MS; t <= until; t += DAY_MS) days.push(historyDay(t));
  return days;
}

/** When an entry written at `time` may be deleted (epoch seconds, the table's TTL attribute). */
export function historyExpiry(time: number, retentionDays: number): number {
  return Math.floor((time + retentionDays * DAY_MS) / 1000);
}

/** The oldest time still kept at `now`. */
export function historyHorizon(now: number, retentionDays: number): number {
  return now - retentionDays * DAY_MS;
}

export interface HistoryFilter {
  broker?: string;
  topic?: string;
}

/** Whether an entry concerns this broker group / topic (a registration concerns the topics it changed). */
export function matchesHistoryFilter(entry: HistoryEntry, filter: HistoryFilter): boolean {
  if (filter.broker !== undefined && entry.target.broker !== filter.broker) return false;
  if (filter.topic !== undefined) {
    if (entry.target.topic === filter.topic) return true;
    const prefix = `topics.${filter.topic}`;
    return entry.changes.some((c) => c.field === prefix || c.field.startsWith(`${prefix}.`));
  }
  return true;
}

/** Parses `HISTORY_RETENTION_DAYS` (whole days, 1 to 3650); undefined = the default. */
export function parseRetentionDays(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_HISTORY_RETENTION_DAYS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MAX_HISTORY_RETENTION_DAYS) {
    throw new Error(
      `HISTORY_RETENTION_DAYS must be a whole number of days from 1 to ${MAX_HISTORY_RETENTION_DAYS}, got ${raw}`,
    );
  }
  return value;
}
