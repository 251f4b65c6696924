/**
 * POST /brokers/heartbeat and POST /clusters/{clusterName}/brokers/{brokerName}/heartbeat
 * (REGISTER_BROKER): full registration, steady or light heartbeat. On the scoped form the body's
 * clusterName and brokerName must be the path's.
 */

import { nameServer } from "../lib/app/container";
import type { RegistrationKind } from "../lib/app/name-server";
import { FullRegistrationRequiredError } from "../lib/domain/errors";
import { plainNameSchema, registerBrokerSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { scopedBody } from "../lib/http/scope";
import { countMetric, MetricName } from "../lib/observability";

const metricOf: Record<RegistrationKind, MetricName> = {
  full: MetricName.Registrations,
  steady: MetricName.SteadyHeartbeats,
  light: MetricName.LightHeartbeats,
};

export const handler = httpHandler(async (request) => {
  request.query({});
  const registration = scopedBody(
    request,
    registerBrokerSchema,
    ["clusterName", "brokerName"],
    plainNameSchema,
  );
  try {
    const outcome = await nameServer.registerBroker(registration);
    countMetric(metricOf[outcome.kind]);
    return ok(outcome.response);
  } catch (error) {
    if (error instanceof FullRegistrationRequiredError) countMetric(MetricName.FullRegistrationRequired);
    throw error;
  }
});
