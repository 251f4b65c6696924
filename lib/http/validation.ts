/**
 * Validation at the edge with the zod schemas of lib/domain/model.ts: zod issues become one
 * InvalidRequestError whose details name each offending field (`topicConfigTable.TopicTest.perm`,
 * `path.topic`, `query.zone`).
 */
import type { z } from "zod";
import { type ErrorDetail, InvalidRequestError } from "../domain/errors";

/** A request with thousands of bad topics gets the first ones, not a 10 MB error body. */
const MAX_DETAILS = 100;

export function issuesToDetails(issues: readonly z.core.$ZodIssue[], prefix?: string): ErrorDetail[] {
  return issues.slice(0, MAX_DETAILS).map((issue) => ({
    field: fieldName(prefix, issue.path),
    message: messageOf(issue),
  }));
}

function messageOf(issue: z.core.$ZodIssue): string {
  // zod says "Invalid input: expected string, received undefined" for a missing field.
  if (issue.code === "invalid_type" && / received undefined$/.test(issue.message)) {
    return `is required (${issue.expected})`;
  }
  return issue.message;
}

function fieldName(prefix: string | undefined, path: readonly PropertyKey[]): string {
  const parts = [...(prefix === undefined ? [] : [prefix]), ...path.map((part) => String(part))];
  return parts.length === 0 ? "body" : parts.join(".");
}

/** Builds the 400 for a list of invalid fields; the message names the first one. */
export function invalidRequest(details: ErrorDetail[], total = details.length): InvalidRequestError {
  const first = details[0];
  if (first === undefined) return new InvalidRequestError("Invalid request");
  const more = total > 1 ? ` (and ${total - 1} more invalid field${total > 2 ? "s" : ""})` : "";
  return new InvalidRequestError(`Invalid ${first.field}: ${first.message}${more}`, details);
}

/** Parses `input` with `schema`; throws InvalidRequestError naming the fields (prefixed by `prefix`). */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidRequest(issuesToDetails(result.error.issues, prefix), result.error.issues.length);
}
