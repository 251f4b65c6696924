/**
 * Hostile input for every route of the API, as fast-check arbitraries, and the one property every
 * answer must have: a 4xx with API.md's error shape (never a 5xx), and nothing changed in the table.
 *
 * Every generated request is invalid by construction (the zod schemas of lib/domain/model.ts serve as
 * the oracle that filters out bodies that happen to be valid), except reads whose oddly encoded path
 * decodes to a valid name: those may answer 200 or 404 too (`mayAccept`), but never a 5xx.
 *
 * Used by test/e2e/fuzz.test.ts (a few hundred cases in `npm test`) and test/fuzz/run-fuzz.ts
 * (`npm run fuzz`, ten thousand and more against its own DynamoDB Local).
 */
import { Agent, request as httpRequest } from "node:http";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import type { z } from "zod";
import {
  kvKeySchema,
  kvPutSchema,
  nameSchema,
  plainNameSchema,
  queryDataVersionSchema,
  registerBrokerSchema,
  registerTopicSchema,
  topicNameSchema,
  touchBrokerSchema,
  unregisterBrokerSchema,
  updateConfigSchema,
  writePermSchema,
} from "../../lib/domain/model";
import { cursorSchema } from "../../lib/http/pagination";

export const DEFAULT_BODY_LIMIT = 6 * 1024 * 1024;

/** What the table holds before the fuzzing: a master/slave group with topics, and KV entries. */
export const SEED = {
  clusterName: "FuzzSeedCluster",
  brokerName: "fuzz-seed-broker-7f3a",
  masterAddr: "10.77.0.1:10911",
  slaveAddr: "10.77.0.2:10911",
  topics: ["FuzzSeedTopic-7f3a-0", "FuzzSeedTopic-7f3a-1", "%RETRY%fuzz-seed-7f3a"],
  kvNamespace: "FuzzSeedNs-7f3a",
  kvKeys: ["seed.key.1", "seed key 2"],
  dataVersion: { stateVersion: 0, timestamp: 1_732_400_000_000, counter: 7 },
} as const;

export function seedRegistration(brokerId: 0 | 1): Record<string, unknown> {
  return {
    clusterName: SEED.clusterName,
    brokerName: SEED.brokerName,
    brokerId,
    brokerAddr: brokerId === 0 ? SEED.masterAddr : SEED.slaveAddr,
    haServerAddr: brokerId === 0 ? "10.77.0.1:10912" : "10.77.0.2:10912",
    zoneName: "az-1",
    heartbeatTimeoutMillis: 3_600_000,
    dataVersion: SEED.dataVersion,
    topicConfigTable: Object.fromEntries(
      SEED.topics.map((t) => [
        t,
        { topicName: t, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0, order: false },
      ]),
    ),
    filterServerList: [],
  };
}

export interface HostileRequest {
  /** Category, for the report. */
  label: string;
  method: string;
  /** Path and query exactly as sent on the wire (ASCII, percent-encoded by hand). */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** A read (or idempotent delete) whose path decodes to valid names: 200/404 are fine too. */
  mayAccept?: boolean;
}

export interface HostileResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

// ---------------------------------------------------------------------------------------------
// Values

const invalidNames: string[] = [
  "",
  " ",
  "a b",
  "tab\there",
  "new\nline",
  "nul\u0000byte",
  "del\u007f",
  "bröker",
  "브로커",
  "emoji😀",
  "rtl\u202eoverride",
  "zero\u200bwidth",
  "lone\ud800surrogate",
  "a/b",
  "a\\b",
  "..",
  ".",
  "a.b",
  "a?b",
  "a#b",
  "a&b=c",
  "<script>",
  "'; DROP TABLE namesrv; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style payload, literally
  "${jndi:ldap://x}",
  "x".repeat(128),
  "%RETRY%".padEnd(256, "r"),
  "y".repeat(10_000),
];

const invalidName: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...invalidNames) },
  {
    weight: 2,
    arbitrary: fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
      .filter((s) => !/^[%|a-zA-Z0-9_-]+$/.test(s)),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: "binary", minLength: 1, maxLength: 40 })
      .filter((s) => !/^[%|a-zA-Z0-9_-]+$/.test(s)),
  },
);

function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    "",
    "0",
    "1",
    "true",
    [],
    {},
    [0],
    { 0: 0 },
    -1,
    -0.5,
    1.5,
    0.1 + 0.2,
    1e-320,
    2 ** 31,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53) - 2,
    1e21,
    1e308,
    -1e308,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  invalidName,
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 20, max: 3000 }).map((depth) => nested(depth, 1)),
  fc.constant("z".repeat(70_000)),
  // Over the limits (README "Security"): each one a 400 naming the limit, never a 500.
  fc.constantFrom<unknown>(
    "[:::]:1",
    "[::::]:10911",
    "[1::2::3]:1",
    2 ** 31,
    Array.from(
      { length: 40 },
      (_, i) => `filter-${String(i).padStart(2, "0")}.${"f".repeat(48)}.example:30000`,
    ),
    Array.from({ length: 65 }, (_, i) => `10.1.0.${i}:30000`),
  ),
);

// ---------------------------------------------------------------------------------------------
// Bodies

type Json = Record<string, unknown>;

interface BodyRoute {
  label: string;
  method: string;
  path: string;
  schema: z.ZodType;
  base: () => Json;
  /** Paths into the body that mutations pick from. */
  fields: string[][];
}

const bodyRoutes: BodyRoute[] = [
  {
    label: "heartbeat",
    method: "POST",
    path: "/brokers/heartbeat",
    schema: registerBrokerSchema,
    base: () => seedRegistration(0),
    fields: [
      ["clusterName"],
      ["brokerName"],
      ["brokerId"],
      ["brokerAddr"],
      ["haServerAddr"],
      ["zoneName"],
      ["enableActingMaster"],
      ["heartbeatTimeoutMillis"],
      ["dataVersion"],
      ["dataVersion", "stateVersion"],
      ["dataVersion", "timestamp"],
      ["dataVersion", "counter"],
      ["topicConfigTable"],
      ["topicConfigTable", SEED.topics[0]],
      ["topicConfigTable", SEED.topics[0], "topicName"],
      ["topicConfigTable", SEED.topics[0], "readQueueNums"],
      ["topicConfigTable", SEED.topics[0], "writeQueueNums"],
      ["topicConfigTable", SEED.topics[0], "perm"],
      ["topicConfigTable", SEED.topics[0], "topicSysFlag"],
      ["topicConfigTable", SEED.topics[0], "order"],
      ["filterServerList"],
      ["filterServerList", "0"],
    ],
  },
  {
    label: "heartbeat(light)",
    method: "POST",
    path: "/brokers/heartbeat",
    schema: registerBrokerSchema,
    base: () => {
      const { topicConfigTable: _omitted, ...light } = seedRegistration(1);
      return light;
    },
    fields: [
      ["brokerId"],
      ["brokerAddr"],
      ["dataVersion"],
      ["dataVersion", "counter"],
      ["heartbeatTimeoutMillis"],
    ],
  },
  {
    label: "unregister",
    method: "POST",
    path: "/brokers/unregister",
    schema: unregisterBrokerSchema,
    base: () => ({
      clusterName: SEED.clusterName,
      brokerName: SEED.brokerName,
      brokerId: 1,
      brokerAddr: SEED.slaveAddr,
    }),
    fields: [["clusterName"], ["brokerName"], ["brokerId"], ["brokerAddr"]],
  },
  {
    label: "touch",
    method: "POST",
    path: "/brokers/touch",
    schema: touchBrokerSchema,
    base: () => ({ clusterName: SEED.clusterName, brokerName: SEED.brokerName, brokerAddr: SEED.slaveAddr }),
    fields: [["clusterName"], ["brokerName"], ["brokerAddr"]],
  },
  {
    label: "data-version",
    method: "POST",
    path: "/brokers/data-version",
    schema: queryDataVersionSchema,
    base: () => ({
      clusterName: SEED.clusterName,
      brokerName: SEED.brokerName,
      brokerId: 1,
      brokerAddr: SEED.slaveAddr,
      dataVersion: SEED.dataVersion,
    }),
    fields: [["brokerId"], ["brokerAddr"], ["dataVersion"], ["dataVersion", "timestamp"]],
  },
  {
    label: "register-topic",
    method: "POST",
    path: "/topics",
    schema: registerTopicSchema,
    base: () => ({
      topic: SEED.topics[0],
      queueDatas: [
        { brokerName: SEED.brokerName, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
      ],
    }),
    fields: [
      ["topic"],
      ["queueDatas"],
      ["queueDatas", "0"],
      ["queueDatas", "0", "perm"],
      ["queueDatas", "0", "brokerName"],
    ],
  },
  {
    label: "config-put",
    method: "PUT",
    path: "/config",
    schema: updateConfigSchema,
    base: () => ({ config: {} }),
    fields: [["config"]],
  },
  {
    label: "write-perm",
    method: "PUT",
    path: `/brokers/${SEED.brokerName}/write-perm`,
    schema: writePermSchema,
    base: () => ({ writable: false }),
    fields: [["writable"]],
  },
  {
    label: "kv-put",
    method: "PUT",
    path: `/kv/${SEED.kvNamespace}/${encodeURIComponent(SEED.kvKeys[0])}`,
    schema: kvPutSchema,
    base: () => ({ value: "changed" }),
    fields: [["value"]],
  },
];

type Mutation =
  | { kind: "set"; field: number; value: unknown }
  | { kind: "delete"; field: number }
  | { kind: "renameKey"; field: number; name: string }
  | { kind: "extraKey"; name: string; value: unknown };

const mutation = (route: BodyRoute): fc.Arbitrary<Mutation> =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("set" as const),
        field: fc.nat(route.fields.length - 1),
        value: hostileValue,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("delete" as const), field: fc.nat(route.fields.length - 1) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("renameKey" as const),
        field: fc.nat(route.fields.length - 1),
        name: fc.oneof(invalidName, fc.constantFrom("__proto__", "constructor", "prototype", "toString")),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("extraKey" as const),
        name: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("__proto__", "constructor")),
        value: hostileValue,
      }),
    },
  );

function applyMutation(body: Json, route: BodyRoute, m: Mutation): void {
  if (m.kind === "extraKey") {
    Object.defineProperty(body, m.name, {
      value: m.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return;
  }
  const path = route.fields[m.field] ?? [];
  let parent: unknown = body;
  for (const key of path.slice(0, -1)) {
    if (parent === null || typeof parent !== "object") return;
    parent = (parent as Record<string, unknown>)[key];
  }
  if (parent === null || typeof parent !== "object") return;
  const container = parent as Record<string, unknown>;
  const last = path[path.length - 1] ?? "";
  if (m.kind === "delete") {
    delete container[last];
  } else if (m.kind === "set") {
    container[last] = m.value;
  } else if (Object.hasOwn(container, last)) {
    const value = container[last];
    delete container[last];
    // defineProperty: an own "__proto__" key, as JSON.parse would make it
    Object.defineProperty(container, m.name, { value, enumerable: true, writable: true, configurable: true });
  }
}

/** JSON text of a body that the route's schema rejects (checked after a JSON round trip). */
function isInvalidJsonText(text: string, schema: z.ZodType): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return true;
  }
  return !schema.safeParse(parsed).success;
}

const RAW_NUMBERS = [
  "1e400",
  "-1e400",
  "123456789012345678901234567890",
  "1.0000000000000000001",
  "-0",
  "0.5e1",
];
const BROKEN_NUMBERS = ["0x10", "01", "1.", ".5", "+1", "NaN", "Infinity", "-Infinity", "1e", "--1"];

type TextShape =
  | { kind: "mutated"; mutations: Mutation[] }
  | { kind: "duplicateKey"; field: number; value: unknown }
  | { kind: "rawNumber"; field: number; raw: string }
  | { kind: "random"; value: unknown }
  | {
      kind: "malformed";
      how: "truncate" | "garbage" | "bom" | "comment" | "singleQuotes" | "trailingComma";
      at: number;
    };

interface BodyCase {
  route: BodyRoute;
  text: string;
}

const bodyCase: fc.Arbitrary<BodyCase> = fc
  .constantFrom(...bodyRoutes)
  .chain((route) =>
    fc
      .oneof(
        {
          weight: 6,
          arbitrary: fc.record({
            kind: fc.constant("mutated" as const),
            mutations: fc.array(mutation(route), { minLength: 1, maxLength: 3 }),
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({
            kind: fc.constant("duplicateKey" as const),
            field: fc.nat(route.fields.length - 1),
            value: hostileValue,
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({
            kind: fc.constant("rawNumber" as const),
            field: fc.nat(route.fields.length - 1),
            raw: fc.constantFrom(...RAW_NUMBERS, ...BROKEN_NUMBERS),
          }),
        },
        {
          weight: 2,
          arbitrary: fc.record({
            kind: fc.constant("random" as const),
            value: fc.oneof(fc.jsonValue(), hostileValue),
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({
            kind: fc.constant("malformed" as const),
            how: fc.constantFrom("truncate", "garbage", "bom", "comment", "singleQuotes", "trailingComma"),
            at: fc.nat(10_000),
          }),
        },
      )
      .map((shape: TextShape) => ({ route, text: bodyText(route, shape) })),
  )
  .filter(({ route, text }) => isInvalidJsonText(text, route.schema));

function bodyText(route: BodyRoute, shape: TextShape): string {
  const body = route.base();
  switch (shape.kind) {
    case "mutated":
      for (const m of shape.mutations) applyMutation(body, route, m);
      return JSON.stringify(body);
    case "duplicateKey": {
      // JSON.parse keeps the last duplicate: the invalid value must come last to make it invalid.
      const key = (route.fields[shape.field] ?? ["x"])[0] ?? "x";
      const text = JSON.stringify(body);
      return `${text.slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(shape.value) ?? "null"}}`;
    }
    case "rawNumber": {
      const key = (route.fields[shape.field] ?? ["x"])[0] ?? "x";
      const text = JSON.stringify({ ...body, [key]: 424242 });
      return text.replace("424242", shape.raw);
    }
    case "random":
      return JSON.stringify(shape.value) ?? "null";
    case "malformed": {
      const text = JSON.stringify(body);
      const at = shape.at % Math.max(1, text.length - 1);
      if (shape.how === "truncate") return text.slice(0, Math.max(1, at));
      if (shape.how === "garbage") return `${text}}garbage`;
      if (shape.how === "comment") return `/* c */${text}`;
      if (shape.how === "singleQuotes") return text.replaceAll('"', "'");
      if (shape.how === "trailingComma") return `${text.slice(0, -1)},}`;
      // A BOM before a body that is invalid anyway (a decoder may strip it).
      return `\ufeff${text.slice(0, Math.max(1, at))}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Transport variations: content type, encoding, byte-level damage

const ACCEPTED_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "Application/JSON",
  'application/json;charset="UTF-8"',
];
const REJECTED_TYPES = [
  "text/plain",
  "application/xml",
  "application/json; charset=latin1",
  "application/json; charset=utf-16",
  "application/jsonx",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "",
  "*/*",
];

let bomb: Buffer | undefined;
/** Under 100 KB on the wire, 64 MiB once inflated. */
function gzipBomb(): Buffer {
  bomb ??= gzipSync(
    Buffer.concat([Buffer.from('{"value":"'), Buffer.alloc(64 * 1024 * 1024, 0x30), Buffer.from('"}')]),
    {
      level: 9,
    },
  );
  return bomb;
}

type Transport =
  | { kind: "plain"; contentType: string }
  | { kind: "gzip"; contentType: string; encoding: string }
  | { kind: "badGzip"; how: "random" | "truncated" | "headerOnly" | "notGzipped"; contentType: string }
  | { kind: "badEncoding"; encoding: string }
  | { kind: "badType"; contentType: string | undefined }
  | { kind: "badUtf8"; bytes: readonly number[]; at: number }
  | { kind: "empty" };

const transport: fc.Arbitrary<Transport> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("plain" as const),
      contentType: fc.constantFrom(...ACCEPTED_TYPES),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("gzip" as const),
      contentType: fc.constantFrom(...ACCEPTED_TYPES),
      encoding: fc.constantFrom("gzip", "x-gzip", "GZIP"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("badGzip" as const),
      how: fc.constantFrom("random", "truncated", "headerOnly", "notGzipped"),
      contentType: fc.constantFrom(...ACCEPTED_TYPES),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("badEncoding" as const),
      encoding: fc.constantFrom("br", "deflate", "compress", "gzip, br", "zstd", "identity, gzip"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("badType" as const),
      contentType: fc.option(fc.constantFrom(...REJECTED_TYPES), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("badUtf8" as const),
      bytes: fc.constantFrom(
        [0xff],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xe2, 0x82],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
      ),
      at: fc.nat(10_000),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "empty" as const }) },
);

function withTransport(text: string, t: Transport): { headers: Record<string, string>; body?: Buffer } {
  const raw = Buffer.from(text, "utf8");
  switch (t.kind) {
    case "plain":
      return { headers: { "content-type": t.contentType }, body: raw };
    case "gzip":
      return {
        headers: { "content-type": t.contentType, "content-encoding": t.encoding },
        body: gzipSync(raw),
      };
    case "badGzip": {
      const headers = { "content-type": t.contentType, "content-encoding": "gzip" };
      if (t.how === "random") return { headers, body: Buffer.from(text.slice(0, 64).padEnd(16, "#")) };
      if (t.how === "headerOnly")
        return { headers, body: Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]) };
      if (t.how === "notGzipped") return { headers, body: raw };
      const zipped = gzipSync(raw);
      return { headers, body: zipped.subarray(0, Math.max(11, zipped.length - 9)) };
    }
    case "badEncoding":
      return { headers: { "content-type": "application/json", "content-encoding": t.encoding }, body: raw };
    case "badType":
      return { headers: t.contentType === undefined ? {} : { "content-type": t.contentType }, body: raw };
    case "badUtf8": {
      const at = t.at % (raw.length + 1);
      return {
        headers: { "content-type": "application/json" },
        body: Buffer.concat([raw.subarray(0, at), Buffer.from(t.bytes), raw.subarray(at)]),
      };
    }
    case "empty":
      return { headers: { "content-type": "application/json" } };
  }
}

/** A valid base body behind a content type or encoding the API refuses: 415 whatever the body. */
const refusedTransportOfValidBody: fc.Arbitrary<HostileRequest> = fc
  .record({
    route: fc.constantFrom(...bodyRoutes),
    t: fc.oneof(
      fc.record({
        kind: fc.constant("badType" as const),
        contentType: fc.option(fc.constantFrom(...REJECTED_TYPES), { nil: undefined }),
      }),
      fc.record({
        kind: fc.constant("badEncoding" as const),
        encoding: fc.constantFrom("br", "deflate", "zstd"),
      }),
    ),
  })
  .map(({ route, t }) => ({
    label: `${route.label} ${t.kind}`,
    method: route.method,
    target: route.path,
    ...withTransport(JSON.stringify(route.base()), t),
  }));

const bodyRequest: fc.Arbitrary<HostileRequest> = fc
  .record({ c: bodyCase, t: transport })
  .map(({ c, t }) => ({
    label: `${c.route.label} ${t.kind}`,
    method: c.route.method,
    target: c.route.path,
    ...withTransport(c.text, t),
  }));

/** Bodies over the limit: plain, or a gzip bomb. */
const oversizedRequest = (limit: number): fc.Arbitrary<HostileRequest> =>
  fc.record({ route: fc.constantFrom(...bodyRoutes), bomb: fc.boolean() }).map(({ route, bomb: isBomb }) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (isBomb) headers["content-encoding"] = "gzip";
    return {
      label: `${route.label} ${isBomb ? "gzip-bomb" : "over-the-limit"}`,
      method: route.method,
      target: route.path,
      headers,
      body: isBomb ? gzipBomb() : Buffer.from(`{"value":"${"v".repeat(limit)}"}`),
    };
  });

// ---------------------------------------------------------------------------------------------
// Paths, queries, methods

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

const segment: fc.Arbitrary<string> = fc.oneof(
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
function safeEncode(s: string): string {
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

const pathRequest: fc.Arbitrary<HostileRequest> = fc
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

const queryRequest: fc.Arbitrary<HostileRequest> = fc
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

const methodRequest: fc.Arbitrary<HostileRequest> = fc
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

// ---------------------------------------------------------------------------------------------
// Sending and judging

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export function send(baseUrl: string, r: HostileRequest, timeoutMs = 30_000): Promise<HostileResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.target,
        agent,
        headers: {
          ...r.headers,
          ...(r.body !== undefined ? { "content-length": String(r.body.length) } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

const CODES: Record<number, string[]> = {
  400: ["INVALID_REQUEST"],
  401: ["UNAUTHORIZED"],
  404: ["TOPIC_NOT_EXIST", "QUERY_NOT_FOUND", "NOT_FOUND"],
  405: ["METHOD_NOT_ALLOWED"],
  409: ["FULL_REGISTRATION_REQUIRED"],
  413: ["PAYLOAD_TOO_LARGE"],
  415: ["UNSUPPORTED_MEDIA_TYPE"],
};

/** What is wrong with an answer to a hostile request (empty: nothing). */
export function violationsOf(r: HostileRequest, res: HostileResponse): string[] {
  const problems: string[] = [];
  const acceptable = r.mayAccept
    ? res.status === 200 || res.status === 404 || (res.status >= 400 && res.status < 500)
    : res.status >= 400 && res.status < 500;
  if (!acceptable)
    problems.push(`status ${res.status}${res.status >= 500 ? " (a 5xx)" : ", expected a 4xx"}`);
  if (res.status < 400) return problems;
  const type = String(res.headers["content-type"] ?? "");
  if (!/^application\/json/i.test(type)) problems.push(`error Content-Type "${type}"`);
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    problems.push(`error body is not JSON: ${res.text.slice(0, 80)}`);
    return problems;
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (
    body === null ||
    typeof body !== "object" ||
    Object.keys(body).join() !== "error" ||
    typeof error !== "object" ||
    error === null
  ) {
    problems.push(`error body is not {"error": {...}}: ${res.text.slice(0, 120)}`);
    return problems;
  }
  const extra = Object.keys(error).filter((k) => !["code", "message", "details"].includes(k));
  if (extra.length > 0) problems.push(`error has extra fields ${extra}`);
  if (!(CODES[res.status] ?? []).includes(String(error.code)))
    problems.push(`status ${res.status} with code ${String(error.code)}`);
  if (typeof error.message !== "string" || error.message === "") problems.push("error.message missing");
  if (error.details !== undefined) {
    const ok =
      Array.isArray(error.details) &&
      error.details.length > 0 &&
      error.details.every(
        (d: unknown) =>
          typeof d === "object" &&
          d !== null &&
          typeof (d as { field?: unknown }).field === "string" &&
          typeof (d as { message?: unknown }).message === "string",
      );
    if (!ok) problems.push(`error.details malformed: ${JSON.stringify(error.details).slice(0, 120)}`);
  }
  if (res.status === 405 && res.headers.allow === undefined) problems.push("405 without Allow");
  return problems;
}

/** A request as a one-line description for a report (bodies cut short). */
export function describe(r: HostileRequest): string {
  const body =
    r.body === undefined
      ? ""
      : ` body(${r.body.length} B)=${JSON.stringify(r.body.subarray(0, 160).toString("latin1"))}`;
  return `[${r.label}] ${r.method} ${r.target.slice(0, 200)} ${JSON.stringify(r.headers)}${body}`;
}
