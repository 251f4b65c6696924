/**
 * Local token mode: when NAMESRV_TOKEN is set, the local server asks for `Authorization: Bearer <token>`
 * on exactly the routes that need IAM on AWS (`read` and `write` access); `/health` (public) never.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { UnauthorizedError } from "./errors";
import type { RouteAccess } from "./routes";

export const BEARER_CHALLENGE = 'Bearer realm="namesrv"';

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Constant-time comparison: hashing first makes both sides the same length whatever was sent. */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * Throws UnauthorizedError unless the route is public, token mode is off (`token` undefined) or the
 * Authorization header carries the token.
 */
export function checkBearerToken(
  access: RouteAccess,
  authorization: string | undefined,
  token: string | undefined,
): void {
  if (access === "public" || token === undefined) return;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
  const presented = match?.[1];
  if (presented === undefined) {
    throw new UnauthorizedError("This route needs Authorization: Bearer <token> (NAMESRV_TOKEN is set)");
  }
  if (!tokenMatches(presented, token)) {
    throw new UnauthorizedError("The bearer token is not valid");
  }
}
