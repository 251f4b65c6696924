/**
 * POST /routes: many topics' routes in one call (API.md "Version 2 additions"). Each route is the
 * body GET /route?topic= answers, with that answer's ETag under `etags`; a topic whose current ETag
 * the client sent in `known` is only listed in `unchanged`; topics without a live route in `missing`.
 * With `"deadlines": true` (an extension) the answer also carries `deadlines`: for every member the
 * routes in `routes` and `unchanged` list, the milliseconds left before its heartbeat timeout.
 * With `changesSince` (an extension) it also carries `changes`: the change feed since then and the
 * sweeper's liveness digest (lib/app/change-feed.ts); `topics` may then be empty.
 * gzip-encoded when the client accepts it.
 */
import { nameServer } from "../lib/app/container";
import { getRoutesSchema, type TopicRouteData } from "../lib/domain/model";
import { etagOf, ifNoneMatchMatches } from "../lib/http/etag";
import { httpHandler, ok } from "../lib/http/handler";
import { countMetric, MetricName } from "../lib/observability";

export const handler = httpHandler(async (request) => {
  request.query({});
  const { topics, zone, known = {}, deadlines, changesSince } = request.body(getRoutesSchema);
  // The feed is read first: a change made while the routes are read is then in the next answer's
  // feed too, never only between the two reads.
  const changes = changesSince === undefined ? undefined : await nameServer.getChanges(changesSince);
  const answer =
    topics.length === 0
      ? { routes: new Map<string, TopicRouteData>(), missing: [] as string[], deadlines: {} }
      : deadlines === true
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
  if (topics.length > 0) countMetric(MetricName.RouteQueries, topics.length);
  if (answer.missing.length > 0) countMetric(MetricName.RouteNotFound, answer.missing.length);
  return ok(
    {
      routes,
      etags,
      unchanged,
      missing: answer.missing,
      ...(deadlines === true ? { deadlines: answer.deadlines ?? {} } : {}),
      ...(changes === undefined ? {} : { changes }),
    },
    { compress: true },
  );
});
