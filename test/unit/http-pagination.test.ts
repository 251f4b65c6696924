import { describe, expect, it } from "vitest";
import {
  cursorSchema,
  DEFAULT_LIST_PAGE_BYTES,
  encodeCursor,
  jsonSize,
  kvTablePage,
  listPageBytesFromEnv,
  pageOf,
  topicListPage,
} from "../../lib/http/pagination";

const names = Array.from({ length: 50 }, (_, i) => `T-${String(i).padStart(2, "0")}`);
const walk = (items: string[], budget: number) => {
  const pages: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = pageOf(items, String, jsonSize, after, budget);
    pages.push(page.items);
    if (page.nextCursor === undefined) return pages;
    after = cursorSchema.parse(page.nextCursor);
  }
};

describe("pageOf", () => {
  it("answers a listing that fits in one page, without a cursor", () => {
    expect(pageOf(names, String, jsonSize, undefined, 10_000)).toEqual({ items: names });
  });

  it("cuts a larger one into pages within the budget that together hold every item once, in order", () => {
    const pages = walk(names, 60);
    expect(pages.length).toBeGreaterThan(5);
    for (const page of pages) expect(page.reduce((n, t) => n + jsonSize(t), 0)).toBeLessThanOrEqual(60);
    expect(pages.flat()).toEqual(names);
  });

  it("always moves on, even when one item is larger than the budget", () => {
    expect(walk(["a".repeat(100), "b".repeat(100)], 10)).toEqual([["a".repeat(100)], ["b".repeat(100)]]);
  });

  it("neither repeats nor skips what stayed when the listing changes between pages", () => {
    const first = pageOf(names, String, jsonSize, undefined, 40);
    const after = cursorSchema.parse(first.nextCursor);
    const changed = names.filter((n) => n !== first.items[0]).concat("T-00a");
    const next = pageOf(changed.sort(), String, jsonSize, after, 40);
    expect(next.items[0]).toBe(names[first.items.length]);
  });
});

describe("cursors", () => {
  it("round-trip any key, Unicode included", () => {
    for (const key of ["TopicTest", "%RETRY%g", "clé ü 😀", "a/b?c"]) {
      expect(cursorSchema.parse(encodeCursor(key))).toBe(key);
    }
  });

  it.each(["", "c1.", "x1.YQ", "c1.YQ=", "c1.Y Q", "c1.YR", "c1.a"])("refuses %j", (cursor) => {
    expect(cursorSchema.safeParse(cursor).success).toBe(false);
  });
});

describe("LIST_PAGE_BYTES", () => {
  it("defaults to 1 MiB and refuses nonsense at cold start", () => {
    expect(listPageBytesFromEnv({})).toBe(DEFAULT_LIST_PAGE_BYTES);
    expect(listPageBytesFromEnv({ LIST_PAGE_BYTES: "4096" })).toBe(4096);
    for (const bad of ["0", "-1", "1.5", "lots", String(10 * 1024 * 1024)]) {
      expect(() => listPageBytesFromEnv({ LIST_PAGE_BYTES: bad })).toThrow(/LIST_PAGE_BYTES/);
    }
  });
});

describe("kvTablePage / topicListPage: the pages both KV routes and both topic-list routes answer", () => {
  it("sorts a KV table by key in code-point order and pages it with the same cursors", () => {
    const table = { b: "2", B: "1", a: "3", é: "4" };
    expect(Object.keys(kvTablePage(table, undefined).table)).toEqual(["B", "a", "b", "é"]);
    const first = kvTablePage(table, undefined);
    expect(first.nextCursor).toBeUndefined();
    const paged = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, "x".repeat(1000)]));
    const page1 = kvTablePage(paged, undefined);
    expect(page1.nextCursor).toBeDefined();
    const after = cursorSchema.parse(page1.nextCursor);
    const page2 = kvTablePage(paged, after);
    const keys1 = Object.keys(page1.table);
    expect(Object.keys(page2.table)[0]).toBe(Object.keys(paged).sort().at(keys1.length));
  });

  it("a topic list that fits is answered whole, without nextCursor", () => {
    expect(topicListPage(["A", "B"], undefined)).toEqual({ topicList: ["A", "B"] });
    expect(topicListPage(["A", "B"], "A")).toEqual({ topicList: ["B"] });
  });
});
