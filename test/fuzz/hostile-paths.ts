/** Hostile paths, queries and methods: odd percent-encodings, invalid names, unknown parameters. */
import fc from "fast-check";
import type { z } from "zod";
import { kvKeySchema, nameSchema, plainNameSchema, topicNameSchema } from "../../lib/domain/model";
import { cursorSchema } from "../../lib/http/pagination";
import { type HostileRequest, SEED } from "./hostile-common";
import { invalidName } from "./hostile-values";

interface PathRoute {
  method: string;
  /** `{name}` segments are replaced. */
  path: string;
  params: Record<string, z.ZodType>;
  query: string[];
  /** A valid body to send (PUT routes get an invalid one instead, see below). */
  body?: "writePerm" | "kv";
}

const pathRoutes: PathRoute[] = [
  {
    method: "GET",
    path: "/brokers/{clusterName}/{brokerName}",
    params: { clusterName: plainNameSchema, brokerName: plainNameSchema },
    query: [],
  },
  {
    method: "PUT",
    path: "/brokers/{brokerName}/write-perm",
    params: { brokerName: plainNameSchema },
    query: [],
    body: "writePerm",
  },
  { method: "GET", path: "/topics/{topic}/route", params: { topic: topicNameSchema }, query: ["zone"] },
  { method: "DELETE", path: "/topics/{topic}", params: { topic: topicNameSchema }, query: ["cluster"] },
  {
    method: "GET",
    path: "/clusters/{clusterName}/topics",
    params: { clusterName: plainNameSchema },
    query: [],
  },
  {
    method: "PUT",
    path: "/kv/{namespace}/{key}",
    params: { namespace: nameSchema, key: kvKeySchema },
    query: [],
    body: "kv",
  },
  {
    method: "GET",
    path: "/kv/{namespace}/{key}",
    params: { namespace: nameSchema, key: kvKeySchema },
    query: [],
  },
  {
    method: "DELETE",
    path: "/kv/{namespace}/{key}",
    params: { namespace: nameSchema, key: kvKeySchema },
    query: [],
  },
  { method: "GET", path: "/kv/{namespace}", params: { namespace: nameSchema }, query: [] },
];
const queryRoutes: Array<{ method: string; path: string }> = [
  { method: "GET", path: "/brokers" },
  { method: "GET", path: "/topics" },
  { method: "GET", path: "/clusters" },
  { method: "GET", path: "/health" },
  { method: "GET", path: `/topics/${encodeURIComponent(SEED.topics[0])}/route` },
  { method: "DELETE", path: `/topics/${encodeURIComponent(SEED.topics[0])}` },
  { method: "GET", path: `/kv/${SEED.kvNamespace}` },
  { method: "DELETE", path: `/kv/${SEED.kvNamespace}/${encodeURIComponent(SEED.kvKeys[0])}` },
];

/** Odd percent-encodings, as raw path text. Some decode to valid names (`%41`), most do not. */
const ODD_ENCODINGS = [
  "%",
  "%2",
  "%G1",
  "%zz",
  "%%",
  "%C0%AF",
  "%ED%A0%80",
  "%FF",
  "%00",
  "%0A",
  "%2F",
  "a%2Fb",
  "%2e%2e",
  "%2E",
  "%20",
  "+",
  "%2B",
  "%25",
  "%2525",
  "%252F",
  "%41%42",
  "%7C",
  "%E2%80%AE",
  "%F0%9F%98%80",
  "%EF%BB%BF",
  "%5C",
  "%3F",
  "%23",
  "%u0041",
  "..%2F..%2Fetc",
  "__proto__",
  "constructor",
];

export const segment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: invalidName.filter((s) => s.length < 5000).map(safeEncode) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_ENCODINGS) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...ODD_ENCODINGS), fc.constantFrom("a", "Topic", "x-1"))
      .map(([e, s]) => `${s}${e}${s}`),
  },
);

/** encodeURIComponent, or raw UTF-8 escapes for strings it refuses (lone surrogates). */
export function safeEncode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, "utf8")]
      .map((b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`)
      .join("");
  }
}

function decodesValid(route: PathRoute, values: Record<string, string>): boolean {
  for (const [name, raw] of Object.entries(values)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      return false;
    }
    if (decoded.includes("/") || decoded === "") return false;
    if (!(route.params[name]?.safeParse(decoded).success ?? false)) return false;
  }
  return true;
}

export const pathRequest: fc.Arbitrary<HostileRequest> = fc
  .constantFrom(...pathRoutes)
  .chain((route) =>
    fc.record({
      route: fc.constant(route),
      values: fc.record(
        Object.fromEntries(Object.keys(route.params).map((name) => [name, segment])),
      ) as fc.Arbitrary<Record<string, string>>,
    }),
  )
  .map(({ route, values }) => {
    const target = route.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? "x");
    const headers: Record<string, string> = {};
    let body: Buffer | undefined;
    if (route.body !== undefined) {
      // A PUT with a path that may decode validly gets an invalid body, so that it is refused either way.
      headers["content-type"] = "application/json";
      body = Buffer.from(route.body === "writePerm" ? '{"writable":"yes"}' : '{"value":42}');
    }
    const valid = decodesValid(route, values);
    return {
      label: `path ${route.method} ${route.path}`,
      method: route.method,
      target,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(valid && route.body === undefined ? { mayAccept: true } : {}),
    };
  });

export const queryRequest: fc.Arbitrary<HostileRequest> = fc
  .record({
    route: fc.constantFrom(...queryRoutes),
    query: fc.oneof(
      fc.constantFrom(
        "x=1",
        // "__proto__=1" is a known local-server bug, tested on its own in test/e2e/fuzz.test.ts
        "constructor=1",
        "toString=1",
        "zone=a&zone=b",
        "cluster=a&cluster=b",
        "zone=%20",
        "cluster=a%20b",
        "zone=%C3%BC",
        "cluster=",
        "zone",
        "&&&",
        "a[b]=c",
        "zone[]=a",
        "cursor=garbage",
        "cursor=c1.",
        "cursor=c1.%2B%2F",
        "cursor=c1.YQ&cursor=c1.Yg",
        `cursor=c1.${"Q".repeat(3000)}`,
      ),
      fc
        .string({ minLength: 1, maxLength: 12 })
        .filter((name) => name !== "__proto__")
        .map((name) => `${encodeURIComponent(name)}=v`),
    ),
  })
  .filter(({ route, query }) => {
    // Only queries that are wrong for the route: an unknown name, or a known one with an invalid value.
    const known = route.path.endsWith("/route")
      ? ["zone"]
      : route.method === "DELETE" && route.path.startsWith("/topics/")
        ? ["cluster"]
        : route.method === "GET" && /^\/(topics|clusters|kv\/[^/]+)$/.test(route.path)
          ? ["cursor"]
          : [];
    const given = new URLSearchParams(query);
    const names = [...given.keys()];
    if (names.length === 0) return false;
    const schemaOf = (n: string) =>
      n === "cursor" ? cursorSchema : n === "cluster" ? plainNameSchema : nameSchema;
    const valid = (n: string) => schemaOf(n).safeParse(given.getAll(n).join(",")).success;
    return names.some((n) => !known.includes(n)) || names.some((n) => !valid(n));
  })
  .map(({ route, query }) => ({
    label: `query ${route.method} ${route.path.split("/")[1]}`,
    method: route.method,
    target: `${route.path}?${query}`,
    headers: {},
  }));

export const methodRequest: fc.Arbitrary<HostileRequest> = fc
  .record({
    // Only methods Node's HTTP parser knows: it answers an unknown one (`FOO`) itself, with a bare 400.
    method: fc.constantFrom("PATCH", "OPTIONS", "PROPFIND", "MKCOL", "POST", "PUT", "DELETE", "GET"),
    target: fc.oneof(
      fc.constantFrom(
        "/brokers",
        "/brokers/heartbeat",
        "/brokers/unregister",
        "/topics",
        "/clusters",
        "/health",
        "/kv/ns",
        "/kv/ns/k",
      ),
      fc
        .array(
          fc.oneof(
            fc.constantFrom("brokers", "topics", "kv", "clusters", "health", "route", "x"),
            fc.string({ maxLength: 6 }).map(safeEncode),
          ),
          {
            minLength: 0,
            maxLength: 6,
          },
        )
        .map((parts) => `/${parts.join("/")}`),
    ),
  })
  .map(({ method, target }) => ({ label: `method ${method}`, method, target, headers: {} }))
  .filter((r) => {
    // Keep only requests no route serves: a wrong method (405) or an unknown path (404).
    const served: Record<string, string[]> = {
      "/brokers": ["GET"],
      "/brokers/heartbeat": ["POST"],
      "/brokers/unregister": ["POST"],
      "/topics": ["GET"],
      "/clusters": ["GET"],
      "/health": ["GET"],
      "/kv/ns": ["GET"],
      "/kv/ns/k": ["GET", "PUT", "DELETE"],
    };
    const methods = served[r.target];
    if (methods !== undefined) return !methods.includes(r.method);
    return !/^\/(brokers|topics|clusters|kv)\/[^/]+(\/[^/]+)?(\/(route|topics|write-perm))?$/.test(r.target);
  });
