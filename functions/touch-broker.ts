/**
 * POST /brokers/touch and POST /clusters/{clusterName}/brokers/{brokerName}/touch (BROKER_HEARTBEAT):
 * the member at that address is live again; 409 when unknown. On the scoped form the body must name
 * the path's group.
 */
import { nameServer } from "../lib/app/container";
import { FullRegistrationRequiredError } from "../lib/domain/errors";
import { plainNameSchema, touchBrokerSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { scopedBody } from "../lib/http/scope";
import { countMetric, MetricName } from "../lib/observability";

export const handler = httpHandler(async (request) => {
  request.query({});
  const touch = scopedBody(request, touchBrokerSchema, ["clusterName", "brokerName"], plainNameSchema);
  try {
    await nameServer.touchBroker(touch);
    countMetric(MetricName.BrokerTouches);
    return ok({});
  } catch (error) {
    if (error instanceof FullRegistrationRequiredError) countMetric(MetricName.FullRegistrationRequired);
    throw error;
  }
});
