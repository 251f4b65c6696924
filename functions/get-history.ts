/**
 * GET /history?since=&broker=&topic=&limit=&cursor=: the history of changes (who, what, before and
 * after, when), oldest first from `since` (ISO 8601 or epoch ms; default: as far back as kept), a page
 * of `limit` entries (default 100, at most 1000) with `nextCursor` while there may be more.
 */
import * as z from "zod";
import { nameServer } from "../lib/app/container";
import { plainNameSchema, topicNameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

/** Epoch milliseconds, or an RFC 3339 date-time (what openapi.yaml's HistorySince says, exactly). */
const EPOCH_MS = /^\d{1,13}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const since = z.string().transform((value, ctx) => {
  const time = EPOCH_MS.test(value) ? Number(value) : DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(time)) {
    ctx.addIssue({
      code: "custom",
      message: "must be epoch milliseconds or an RFC 3339 date-time such as 2026-12-07T04:00:00Z",
    });
    return z.NEVER;
  }
  return time;
});

const query = {
  since,
  broker: plainNameSchema,
  topic: topicNameSchema,
  limit: z
    .string()
    .regex(/^\d{1,4}$/, "must be a whole number from 1 to 1000")
    .transform(Number)
    .refine((n) => n >= 1 && n <= 1000, "must be a whole number from 1 to 1000"),
  cursor: z.string().regex(/^\d{13}-[0-9a-f]{8}$/, "must be a nextCursor this API gave"),
};

export const handler = httpHandler(async (request) => {
  const q = request.query(query);
  const page = await nameServer.getHistory({
    limit: q.limit ?? 100,
    ...(q.since === undefined ? {} : { since: q.since }),
    ...(q.broker === undefined ? {} : { broker: q.broker }),
    ...(q.topic === undefined ? {} : { topic: q.topic }),
    ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
  });
  return ok(page, { compress: true });
});
