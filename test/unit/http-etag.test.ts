import { describe, expect, it } from "vitest";
import { etagOf, ifNoneMatchMatches } from "../../lib/http/etag";
import { httpHandler, ok } from "../../lib/http/handler";
import { httpEvent } from "../support/http-event";

describe("ETag", () => {
  it("is strong, quoted and a function of the body only", () => {
    const tag = etagOf('{"a":1}');
    expect(tag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(etagOf('{"a":1}')).toBe(tag);
    expect(etagOf('{"a":2}')).not.toBe(tag);
  });

  it("If-None-Match matches the tag, a list holding it, its weak form and *", () => {
    const tag = etagOf("x");
    expect(ifNoneMatchMatches(tag, tag)).toBe(true);
    expect(ifNoneMatchMatches(`"other", ${tag}`, tag)).toBe(true);
    expect(ifNoneMatchMatches(`W/${tag}`, tag)).toBe(true);
    expect(ifNoneMatchMatches("*", tag)).toBe(true);
    expect(ifNoneMatchMatches('"other"', tag)).toBe(false);
    expect(ifNoneMatchMatches(undefined, tag)).toBe(false);
  });
});

describe("httpHandler with etag", () => {
  const route = { queueDatas: [], brokerDatas: [], filterServerTable: {} };
  const handler = httpHandler(async () => ok(route, { etag: true }));

  it("adds an ETag to the 200", async () => {
    const response = await handler(httpEvent());
    expect(response.statusCode).toBe(200);
    expect(response.headers.ETag).toBe(etagOf(JSON.stringify(route)));
    expect(JSON.parse(response.body ?? "")).toEqual(route);
  });

  it("answers 304 with no body when If-None-Match holds the current ETag", async () => {
    const first = await handler(httpEvent());
    const etag = first.headers.ETag ?? "";
    const second = await handler(httpEvent({ headers: { "if-none-match": etag } }));
    expect(second.statusCode).toBe(304);
    expect(second.body).toBeUndefined();
    expect(second.headers.ETag).toBe(etag);
  });

  it("answers 200 with the body when the ETag is stale", async () => {
    const response = await handler(httpEvent({ headers: { "if-none-match": '"stale"' } }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toBeDefined();
  });

  it("adds no ETag where not asked", async () => {
    const plain = httpHandler(async () => ok({}));
    const response = await plain(httpEvent({ headers: { "if-none-match": "*" } }));
    expect(response.statusCode).toBe(200);
    expect(response.headers.ETag).toBeUndefined();
  });
});
