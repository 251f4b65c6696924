/**
 * Scoped write routes (README "Security"): a write whose path names what it writes, so that an IAM
 * policy on the route's ARN binds a caller to its own broker group or KV namespace. On such a route the
 * body must say the same as the path: a broker allowed `/clusters/C/brokers/broker-a/heartbeat` cannot
 * register broker-b by putting `"brokerName": "broker-b"` in the body.
 */
import type { z } from "zod";
import type { HttpRequest } from "./handler";
import { invalidRequest } from "./validation";

/**
 * The body parsed with `schema`; when the route's path carries any of `fields` (the scoped form),
 * each of them is validated as a path parameter with `pathSchema` and must equal the body's field:
 * otherwise a 400 naming the body field. On the unscoped form (no such path parameter) the body alone
 * decides.
 */
export function scopedBody<S extends z.ZodType, F extends string & keyof z.output<S>>(
  request: HttpRequest,
  schema: S,
  fields: readonly F[],
  pathSchema: z.ZodType<string>,
): z.output<S> {
  const scope = new Map<F, string>();
  for (const field of fields) {
    if (request.event.pathParameters?.[field] !== undefined) {
      scope.set(field, request.path(field, pathSchema));
    }
  }
  const body = request.body(schema);
  const mismatches = [...scope]
    .filter(([field, value]) => body[field] !== value)
    .map(([field, value]) => ({
      field,
      message: `must equal the path's ${field} "${value}" (this route writes only what its path names)`,
    }));
  if (mismatches.length > 0) throw invalidRequest(mismatches);
  return body;
}
