/**
 * POST /routes: many topics' routes in one call (API.md "Version 2 additions"). Each route is the
 * body GET /route?topic= answers, with that answer's ETag under `etags`; a topic whose current ETag
 * the client sent in `known` is only listed in `unchanged`; topics without a live route in `missing`.
 * With `"deadlines": true` (an extension) the answer also carries `deadlines`: for every member the
 * routes in `routes` and `unchanged` list, the milliseconds left before its heartbeat timeout.
 * gzip-encoded when the client accepts it.
 */
import { nameServer } from "../lib/app/container";
import { getRoutesSchema, type TopicRouteData } from "../lib/domain/model";
import { etagOf, ifNoneMatchMatches } from "../lib/http/etag";
import { httpHandler, ok } from "../lib/http/handler";
import { countMetric, MetricName } from "../lib/observability";

export const handler = httpHandler(async (request) => {
  request.query({});
  const { topics, zone, known = {}, deadlines } = request.body(getRoutesSchema);
  const answer =
    deadlines === true
      ? await nameServer.getRoutes(topics, zone, { deadlines })
      : await nameServer.getRoutes(topics, zone);
  const routes: Record<string, TopicRouteData> = {};
  const etags: Record<string, string> = {};
  const unchanged: string[] = [];
  for (const [topic, route] of answer.routes) {
    const etag = etagOf(JSON.stringify(route));
    const held = known[topic];
    if (held !== undefined && held.trim() !== "*" && ifNoneMatchMatches(held, etag)) {
      unchanged.push(topic);
    } else {
      routes[topic] = route;
      etags[topic] = etag;
    }
  }
  countMetric(MetricName.RouteQueries, topics.length);
  if (answer.missing.length > 0) countMetric(MetricName.RouteNotFound, answer.missing.length);
  return ok(
    {
      routes,
      etags,
      unchanged,
      missing: answer.missing,
      ...(deadlines === true ? { deadlines: answer.deadlines ?? {} } : {}),
    },
    { compress: true },
  );
});
