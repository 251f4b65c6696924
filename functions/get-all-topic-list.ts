/**
 * GET /topics (GET_ALL_TOPIC_LIST_FROM_NAMESERVER), sorted, in pages when large (lib/http/pagination.ts);
 * `?system=true` (GET_SYSTEM_TOPIC_LIST_FROM_NS) and `?unit=unit|unit-sub|unit-sub-ununit`
 * (GET_UNIT_TOPIC_LIST and its two siblings).
 */
import * as z from "zod";
import { nameServer } from "../lib/app/container";
import { InvalidRequestError } from "../lib/domain/errors";
import { httpHandler, ok } from "../lib/http/handler";
import { cursorSchema, topicListPage } from "../lib/http/pagination";

const query = {
  system: z.literal("true", { error: 'must be "true"' }),
  unit: z.enum(["unit", "unit-sub", "unit-sub-ununit"], {
    error: "must be unit, unit-sub or unit-sub-ununit",
  }),
  cursor: cursorSchema,
};

export const handler = httpHandler(async (request) => {
  const { system, unit, cursor } = request.query(query);
  if (system !== undefined && unit !== undefined) {
    throw new InvalidRequestError("system and unit cannot be asked at once", [
      { field: "query.unit", message: "cannot be combined with system" },
    ]);
  }
  if (system !== undefined) return ok(await nameServer.getSystemTopicList());
  const topics =
    unit !== undefined ? await nameServer.getUnitTopicList(unit) : await nameServer.getAllTopicList();
  return ok(topicListPage(topics, cursor));
});
