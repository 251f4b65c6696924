/**
 * Listings in pages: a Lambda answer is at most 6 MB, and GET /topics after three 20,000-topic
 * brokers, GET /clusters over thousands of groups or a KV namespace of large values would pass it.
 * A listing whose JSON would pass LIST_PAGE_BYTES (1 MiB by default, six times under the limit) is cut
 * into pages: the answer carries `nextCursor`, and `?cursor=<nextCursor>` asks for the next page.
 * A listing that fits is answered whole, without `nextCursor`, exactly as before.
 *
 * Items are in a fixed order (by name), and a cursor names the last item of its page, so a listing
 * that changes between pages neither repeats nor skips what stayed.
 */
import { z } from "zod";

export const DEFAULT_LIST_PAGE_BYTES = 1024 * 1024;
const MIN_LIST_PAGE_BYTES = 256;
const MAX_LIST_PAGE_BYTES = 5 * 1024 * 1024;

/** Reads LIST_PAGE_BYTES once, at cold start; fails there when it is not a byte count in range. */
export function listPageBytesFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.LIST_PAGE_BYTES;
  if (raw === undefined || raw === "") return DEFAULT_LIST_PAGE_BYTES;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < MIN_LIST_PAGE_BYTES || value > MAX_LIST_PAGE_BYTES) {
    throw new Error(
      `LIST_PAGE_BYTES must be a whole number of bytes from ${MIN_LIST_PAGE_BYTES} to ${MAX_LIST_PAGE_BYTES}, got "${raw}"`,
    );
  }
  return value;
}

export const LIST_PAGE_BYTES = listPageBytesFromEnv(process.env);

const CURSOR_PREFIX = "c1.";

export function encodeCursor(after: string): string {
  return CURSOR_PREFIX + Buffer.from(after, "utf8").toString("base64url");
}

/** `?cursor=`: only what a page answered; anything else is a 400 naming `query.cursor`. */
export const cursorSchema = z
  .string()
  .max(2048, "is not a cursor this API gave (too long)")
  .transform((cursor, ctx) => {
    const body = cursor.slice(CURSOR_PREFIX.length);
    if (!cursor.startsWith(CURSOR_PREFIX) || body === "" || !/^[A-Za-z0-9_-]+$/.test(body)) {
      ctx.addIssue({ code: "custom", message: "is not a cursor this API gave (use nextCursor as is)" });
      return z.NEVER;
    }
    const after = Buffer.from(body, "base64url").toString("utf8");
    if (encodeCursor(after) !== cursor) {
      ctx.addIssue({ code: "custom", message: "is not a cursor this API gave (use nextCursor as is)" });
      return z.NEVER;
    }
    return after;
  });

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * The page of `items` (sorted by `keyOf`, unique keys) after the cursor's key, as long as their sizes
 * fit `budget` (one item at least, so that a page always moves on).
 */
export function pageOf<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  sizeOf: (item: T) => number,
  after: string | undefined,
  budget: number = LIST_PAGE_BYTES,
): Page<T> {
  let start = 0;
  if (after !== undefined) {
    // Binary search for the first key greater than `after`.
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keyOf(items[mid] as T) <= after) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  let used = 0;
  let end = start;
  while (end < items.length) {
    const size = sizeOf(items[end] as T);
    if (end > start && used + size > budget) break;
    used += size;
    end++;
  }
  const page: Page<T> = { items: items.slice(start, end) };
  if (end < items.length) page.nextCursor = encodeCursor(keyOf(items[end - 1] as T));
  return page;
}

/** Bytes an item takes in the JSON answer (UTF-8), plus a separator. */
export const jsonSize = (value: unknown): number => Buffer.byteLength(JSON.stringify(value)) + 1;

/** Names in code-point order (not locale order): the order pages and cursors rely on. */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `nextCursor` in an answer only when there is a next page. */
const cursorOf = (page: Page<unknown>) =>
  page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {};

/** A topic list answer (`{"topicList"}`, already sorted) in pages of topics. */
export function topicListPage(
  topics: readonly string[],
  cursor: string | undefined,
): { topicList: string[]; nextCursor?: string } {
  const page = pageOf(topics, String, jsonSize, cursor);
  return { topicList: page.items, ...cursorOf(page) };
}

/** A KV namespace answer (`{"table"}`) in pages of keys, sorted by key. */
export function kvTablePage(
  table: Readonly<Record<string, string>>,
  cursor: string | undefined,
): { table: Record<string, string>; nextCursor?: string } {
  const entries = Object.entries(table).sort(([a], [b]) => byName(a, b));
  const page = pageOf(entries, ([key]) => key, jsonSize, cursor);
  return { table: Object.fromEntries(page.items), ...cursorOf(page) };
}
