/**
 * Strong ETags for GET responses: a hash of the exact body bytes, so equal bodies give equal tags
 * whatever Lambda instance computed them. `If-None-Match` uses the weak comparison (RFC 9110 13.1.2).
 */
import { createHash } from "node:crypto";

export function etagOf(body: string): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 32)}"`;
}

function opaque(tag: string): string {
  const trimmed = tag.trim();
  return trimmed.startsWith("W/") ? trimmed.slice(2) : trimmed;
}

/** Whether `If-None-Match` (a list of tags, or `*`) matches `etag`. */
export function ifNoneMatchMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const current = opaque(etag);
  return ifNoneMatch.split(",").some((tag) => opaque(tag) === current);
}
