/**
 * GET /topics/{topic}/route and GET /route?topic= (GET_ROUTEINFO_BY_TOPIC): live route, optional
 * ?zone=, ETag/304. The query form is what clients use: API Gateway cannot route `%RETRY%` topics in
 * a path (API.md "Version 2 additions").
 */
import { nameServer } from "../lib/app/container";
import { TopicNotExistError } from "../lib/domain/errors";
import { nameSchema, topicNameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { countMetric, MetricName } from "../lib/observability";

export const handler = httpHandler(async (request) => {
  const { topic, zone } = request.names({ topic: topicNameSchema }, { zone: nameSchema });
  countMetric(MetricName.RouteQueries);
  try {
    return ok(await nameServer.getRouteInfoByTopic(topic, zone), { etag: true });
  } catch (error) {
    if (error instanceof TopicNotExistError) countMetric(MetricName.RouteNotFound);
    throw error;
  }
});
