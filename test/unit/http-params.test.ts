import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../lib/domain/errors";
import { kvKeySchema, nameSchema, topicNameSchema } from "../../lib/domain/model";
import { statusOf } from "../../lib/http/errors";
import { pathParam, queryParams } from "../../lib/http/params";
import { decodePath } from "../../lib/http/route-match";
import { splitTarget } from "../../lib/local/event";
import { httpEvent } from "../support/http-event";

function caught(fn: () => unknown): InvalidRequestError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
  throw new Error("expected an InvalidRequestError");
}

describe("path parameters", () => {
  it("takes the value as API Gateway hands it (already decoded): %RETRY%group-a stays exactly that", () => {
    const event = httpEvent({ pathParameters: { topic: "%RETRY%group-a" } });
    expect(pathParam(event, "topic", topicNameSchema)).toBe("%RETRY%group-a");
  });

  it("never decodes a second time: %25 in a decoded value is part of the name", () => {
    const event = httpEvent({ pathParameters: { topic: "%25RETRY%25group-a" } });
    expect(pathParam(event, "topic", topicNameSchema)).toBe("%25RETRY%25group-a");
  });

  it("the local server's path decoding is exactly one decodeURIComponent", () => {
    const { encodedPath } = splitTarget("/topics/%25RETRY%25group-a/route?zone=az-1");
    expect(decodePath(encodedPath)).toBe("/topics/%RETRY%group-a/route");
    expect(decodePath("/topics/%252525/route")).toBe("/topics/%2525/route");
    expect(decodePath("/topics/a%7Cb/route")).toBe("/topics/a|b/route");
  });

  it("a malformed escape in the path is a 400", () => {
    expect(() => decodePath("/topics/%E0%A4%A/route")).toThrow(InvalidRequestError);
    expect(() => decodePath("/topics/%zz/route")).toThrow(InvalidRequestError);
  });

  it("validates with the schema and names the field path.<name>", () => {
    const error = caught(() =>
      pathParam(httpEvent({ pathParameters: { topic: "a b" } }), "topic", topicNameSchema),
    );
    expect(error.details?.[0]?.field).toBe("path.topic");
    expect(error.message).toContain("path.topic");
  });

  it("accepts 255-character %RETRY% topics and refuses 128-character ordinary ones", () => {
    const retry = `%RETRY%${"g".repeat(248)}`;
    expect(pathParam(httpEvent({ pathParameters: { topic: retry } }), "topic", topicNameSchema)).toBe(retry);
    const long = "t".repeat(128);
    expect(() => pathParam(httpEvent({ pathParameters: { topic: long } }), "topic", topicNameSchema)).toThrow(
      InvalidRequestError,
    );
  });

  it("KV keys may hold any printable text, but no control characters", () => {
    expect(pathParam(httpEvent({ pathParameters: { key: "a key/with:stuff" } }), "key", kvKeySchema)).toBe(
      "a key/with:stuff",
    );
    const error = caught(() =>
      pathParam(httpEvent({ pathParameters: { key: "a\u0001b" } }), "key", kvKeySchema),
    );
    expect(error.details?.[0]?.field).toBe("path.key");
  });
});

describe("query parameters", () => {
  it("returns the known parameters, validated", () => {
    const event = httpEvent({ query: { zone: "az-1" } });
    expect(queryParams(event, { zone: nameSchema })).toEqual({ zone: "az-1" });
    expect(queryParams(httpEvent(), { zone: nameSchema })).toEqual({});
  });

  it("refuses an unknown parameter, naming query.<name>: ?clustr= never deletes a whole topic", () => {
    const error = caught(() => queryParams(httpEvent({ query: { clustr: "C" } }), { cluster: nameSchema }));
    expect(statusOf(error)).toBe(400);
    expect(error.details).toEqual([{ field: "query.clustr", message: expect.stringContaining("unknown") }]);
    expect(error.message).toContain("query.clustr");
  });

  it("refuses any parameter on a route that takes none", () => {
    const error = caught(() => queryParams(httpEvent({ query: { zone: "z" } }), {}));
    expect(error.details?.[0]?.field).toBe("query.zone");
  });

  it("refuses an empty value: ?cluster= is not 'no cluster'", () => {
    const error = caught(() => queryParams(httpEvent({ query: { cluster: "" } }), { cluster: nameSchema }));
    expect(error.details?.[0]?.field).toBe("query.cluster");
  });

  it("refuses a repeated parameter (API Gateway joins the values with a comma)", () => {
    const error = caught(() => queryParams(httpEvent({ query: { zone: "a,b" } }), { zone: nameSchema }));
    expect(error.details?.[0]?.field).toBe("query.zone");
  });
});
