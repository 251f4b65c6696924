/**
 * Hostile input for every route of the API, as fast-check arbitraries, and the one property every
 * answer must have: a 4xx with API.md's error shape (never a 5xx), and nothing changed in the table.
 *
 * Every generated request is invalid by construction (the zod schemas of lib/domain/model.ts serve as
 * the oracle that filters out bodies that happen to be valid), except reads whose oddly encoded path
 * decodes to a valid name: those may answer 200 or 404 too (`mayAccept`), but never a 5xx.
 *
 * The parts: hostile-common.ts (shapes, seed data), hostile-values.ts, hostile-bodies.ts,
 * hostile-paths.ts, hostile-judge.ts (sending, the property); this file weighs them into one arbitrary.
 *
 * Used by test/e2e/fuzz.test.ts (a few hundred cases in `npm test`) and test/fuzz/run-fuzz.ts
 * (`npm run fuzz`, ten thousand and more against its own DynamoDB Local).
 */
import fc from "fast-check";
import {
  type BodyRoute,
  bodyRequest,
  bodyRoutes,
  gzipBomb,
  oversizedRequest,
  refusedTransportOfValidBody,
} from "./hostile-bodies";
import { DEFAULT_BODY_LIMIT, type HostileRequest, SEED, seedRegistration } from "./hostile-common";
import { methodRequest, pathRequest, queryRequest } from "./hostile-paths";

export {
  DEFAULT_BODY_LIMIT,
  type HostileRequest,
  type HostileResponse,
  SEED,
  seedRegistration,
} from "./hostile-common";
export { describe, send, violationsOf } from "./hostile-judge";

/**
 * Every kind of hostile request, weighted (per mille); `limit` is the body limit, `oversizedPerMille`
 * how many of a thousand are bodies over it (a few megabytes each, so none by default).
 */
export function hostileRequest(
  options: { limit?: number; oversizedPerMille?: number } = {},
): fc.Arbitrary<HostileRequest> {
  return fc.oneof(
    { weight: 500, arbitrary: bodyRequest },
    { weight: 50, arbitrary: refusedTransportOfValidBody },
    { weight: 200, arbitrary: pathRequest },
    { weight: 80, arbitrary: queryRequest },
    { weight: 60, arbitrary: methodRequest },
    {
      weight: options.oversizedPerMille ?? 0,
      arbitrary: oversizedRequest(options.limit ?? DEFAULT_BODY_LIMIT),
    },
  );
}

/** Cases that must always be in a run, whatever the sample. */
export function mustHaveRequests(limit = DEFAULT_BODY_LIMIT): HostileRequest[] {
  const route = bodyRoutes[0] as BodyRoute;
  return [
    ...fc
      .sample(oversizedRequest(limit), { numRuns: 1, seed: 1 })
      .map((r) => ({ ...r, label: "heartbeat over the limit" })),
    {
      label: "heartbeat gzip bomb",
      method: route.method,
      target: route.path,
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipBomb(),
    },
    {
      label: "topic named __proto__",
      method: "POST",
      target: route.path,
      headers: { "content-type": "application/json" },
      body: Buffer.from(
        JSON.stringify(seedRegistration(0)).replace(
          `"${SEED.topics[0]}":{"topicName":"${SEED.topics[0]}"`,
          '"__proto__":{"topicName":"__proto__"',
        ),
      ),
    },
  ];
}
