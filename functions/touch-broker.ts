/** POST /brokers/touch (BROKER_HEARTBEAT): the member at that address is live again; 409 when unknown. */
import { nameServer } from "../lib/app/container";
import { FullRegistrationRequiredError } from "../lib/domain/errors";
import { touchBrokerSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { countMetric, MetricName } from "../lib/observability";

export const handler = httpHandler(async (request) => {
  request.query({});
  const touch = request.body(touchBrokerSchema);
  try {
    await nameServer.touchBroker(touch);
    countMetric(MetricName.BrokerTouches);
    return ok({});
  } catch (error) {
    if (error instanceof FullRegistrationRequiredError) countMetric(MetricName.FullRegistrationRequired);
    throw error;
  }
});
