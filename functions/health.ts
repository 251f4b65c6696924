/**
 * GET /health: never authenticated; reports self-preservation. Answered from a per-instance cache of
 * the store probe (HEALTH_CACHE_MS), so the public route cannot drive table reads.
 */
import { healthProbe } from "../lib/app/container";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  request.query({});
  return ok(await healthProbe.get());
});
