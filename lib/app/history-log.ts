/**
 * The history of changes (lib/domain/history.ts) as the use cases write and read it: `record` appends
 * an entry for a change, as the current caller (caller-context.ts), and writes nothing when nothing
 * changed; `page` reads GET /history; `clean` deletes what is past the retention and DynamoDB's TTL
 * has not deleted yet (it may take days on AWS; DynamoDB Local never does).
 */
import { randomUUID } from "node:crypto";
import { currentCaller } from "../caller-context";
import {
  DEFAULT_HISTORY_RETENTION_DAYS,
  type HistoryAction,
  type HistoryChange,
  type HistoryEntry,
  type HistoryTarget,
  historyDays,
  historyEntry,
  historyExpiry,
  historyHorizon,
  historyId,
  matchesHistoryFilter,
} from "../domain/history";
import type { RegistryStore } from "../store/registry-store";
import type { HistoryPage, HistoryQuery } from "./name-server";

const DAY_MS = 86_400_000;

/** What a change shows of queue data: the values a route carries. */
export const queueView = (qd: {
  perm: number;
  readQueueNums: number;
  writeQueueNums: number;
  topicSysFlag: number;
}) => ({
  perm: qd.perm,
  readQueueNums: qd.readQueueNums,
  writeQueueNums: qd.writeQueueNums,
  topicSysFlag: qd.topicSysFlag,
});

export class HistoryLog {
  private sequence = 0;

  constructor(
    private readonly store: RegistryStore,
    private readonly now: () => number,
    readonly retentionDays: number = DEFAULT_HISTORY_RETENTION_DAYS,
  ) {}

  /** Appends an entry for a change as the current caller; nothing when nothing changed. */
  async record(action: HistoryAction, target: HistoryTarget, changes: HistoryChange[]): Promise<void> {
    const time = this.now();
    // This instance's entries of one millisecond keep their order; instances differ by the random half.
    const sequence = (this.sequence++ & 0xffff).toString(16).padStart(4, "0");
    const entry = historyEntry({
      id: historyId(time, `${sequence}${randomUUID().slice(0, 4)}`),
      time,
      action,
      caller: currentCaller(),
      target,
      changes,
    });
    if (entry !== undefined) await this.store.appendHistory(entry, historyExpiry(time, this.retentionDays));
  }

  /** Entries from `since` (never older than the retention), filtered, `limit` at a time. */
  async page(query: HistoryQuery): Promise<HistoryPage> {
    const now = this.now();
    const horizon = historyHorizon(now, this.retentionDays);
    const since = Math.max(query.since ?? horizon, horizon);
    const fromId = historyId(since, "");
    const cursorTime = query.cursor === undefined ? undefined : Number(query.cursor.slice(0, 13));
    const start = cursorTime === undefined ? since : Math.max(since, cursorTime);
    const entries: HistoryEntry[] = [];
    let afterId = query.cursor;
    for (const day of historyDays(start, now)) {
      for (;;) {
        const batch = await this.store.queryHistoryDay(day, {
          ...(afterId !== undefined && afterId >= fromId ? { afterId } : { fromId }),
          limit: query.limit,
        });
        for (const entry of batch) {
          if (entries.length < query.limit && matchesHistoryFilter(entry, query)) entries.push(entry);
        }
        const last = batch[batch.length - 1];
        if (last !== undefined) afterId = last.id;
        if (entries.length >= query.limit) {
          const next = entries[entries.length - 1]?.id;
          return {
            entries,
            ...(next === undefined ? {} : { nextCursor: next }),
            retentionDays: this.retentionDays,
          };
        }
        if (batch.length < query.limit) break;
      }
    }
    return { entries, retentionDays: this.retentionDays };
  }

  /** Deletes entries past the retention: the horizon's day and the day before, up to 25 each. */
  async clean(now: number): Promise<void> {
    const horizon = historyHorizon(now, this.retentionDays);
    const beforeId = historyId(horizon, "");
    for (const day of historyDays(horizon - DAY_MS, horizon)) {
      await this.store.deleteHistoryBefore(day, beforeId, 25);
    }
  }
}
