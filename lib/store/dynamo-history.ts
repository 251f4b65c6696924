/**
 * The history of changes in the table: `HISTORY#<YYYY-MM-DD>` / `<entry id>` (ids sort by time), the
 * entry as JSON text in `e`, and the TTL attribute at the end of its retention. One partition per UTC
 * day: a change is rare (never a heartbeat), so a day's partition is never hot, and reading a time
 * range is one Query per day.
 */
import { PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { type HistoryEntry, historyDay } from "../domain/history";
import { DynamoSettingsTable } from "./dynamo-settings";
import { tableDefinition } from "./table-definition";

const historyItemSchema = z.object({ sk: z.string(), e: z.string() });
const historyPk = (day: string) => `HISTORY#${day}`;

export abstract class DynamoHistoryTable extends DynamoSettingsTable {
  async appendHistory(entry: HistoryEntry, expiresAt: number): Promise<void> {
    await this.send(
      "AppendHistory",
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: historyPk(historyDay(entry.time)),
          sk: entry.id,
          type: "history",
          e: JSON.stringify(entry),
          [tableDefinition.ttlAttribute]: expiresAt,
        },
      }),
    );
  }

  async queryHistoryDay(
    day: string,
    range: { afterId?: string; fromId?: string; untilId?: string; limit: number },
  ): Promise<HistoryEntry[]> {
    const lower = range.afterId ?? range.fromId;
    const values: Record<string, unknown> = { ":pk": historyPk(day) };
    let condition = "pk = :pk";
    if (lower !== undefined && range.untilId !== undefined) {
      condition += " AND sk BETWEEN :lo AND :hi";
      values[":lo"] = lower;
      values[":hi"] = range.untilId;
    } else if (lower !== undefined) {
      condition += " AND sk >= :lo";
      values[":lo"] = lower;
    } else if (range.untilId !== undefined) {
      condition += " AND sk <= :hi";
      values[":hi"] = range.untilId;
    }
    const entries: HistoryEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.send<{
        Items?: Record<string, unknown>[];
        LastEvaluatedKey?: Record<string, unknown>;
      }>(
        "QueryHistory",
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: values,
          // One more than asked: the first may be `afterId` itself, which is skipped.
          Limit: range.limit + 1,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of out.Items ?? []) {
        const parsed = historyItemSchema.parse(item);
        if (parsed.sk === range.afterId) continue;
        entries.push(JSON.parse(parsed.e) as HistoryEntry);
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined && entries.length < range.limit);
    return entries.slice(0, range.limit);
  }

  async deleteHistoryBefore(day: string, beforeId: string, limit: number): Promise<number> {
    const out = await this.send<{ Items?: Record<string, unknown>[] }>(
      "QueryHistory",
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND sk < :before",
        ExpressionAttributeValues: { ":pk": historyPk(day), ":before": beforeId },
        ProjectionExpression: "pk, sk",
        Limit: limit,
      }),
    );
    const requests = (out.Items ?? []).map((item) => ({
      DeleteRequest: { Key: { pk: item.pk, sk: item.sk } },
    }));
    if (requests.length > 0) await this.batchWrite("DeleteHistory", requests);
    return requests.length;
  }
}
