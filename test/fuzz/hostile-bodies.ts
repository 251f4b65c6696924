/**
 * Hostile bodies for every route that takes one (each invalid by construction: the route's zod schema
 * is the oracle), and the transport around them: content types, encodings, byte-level damage.
 */
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import type { z } from "zod";
import {
  kvPutSchema,
  queryDataVersionSchema,
  registerBrokerSchema,
  registerTopicSchema,
  touchBrokerSchema,
  unregisterBrokerSchema,
  updateConfigSchema,
  writePermSchema,
} from "../../lib/domain/model";
import { type HostileRequest, SEED, seedRegistration } from "./hostile-common";
import { hostileValue, invalidName } from "./hostile-values";

export type Json = Record<string, unknown>;

export interface BodyRoute {
  label: string;
  method: string;
  path: string;
  schema: z.ZodType;
  base: () => Json;
  /** Paths into the body that mutations pick from. */
  fields: string[][];
}

export const bodyRoutes: BodyRoute[] = [
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
export function gzipBomb(): Buffer {
  bomb ??= gzipSync(
    Buffer.concat([Buffer.from('{"value":"'), Buffer.alloc(64 * 1024 * 1024, 0x30), Buffer.from('"}')]),
    {
      level: 9,
    },
  );
  return bomb;
}

export type Transport =
  | { kind: "plain"; contentType: string }
  | { kind: "gzip"; contentType: string; encoding: string }
  | { kind: "badGzip"; how: "random" | "truncated" | "headerOnly" | "notGzipped"; contentType: string }
  | { kind: "badEncoding"; encoding: string }
  | { kind: "badType"; contentType: string | undefined }
  | { kind: "badUtf8"; bytes: readonly number[]; at: number }
  | { kind: "empty" };

export const transport: fc.Arbitrary<Transport> = fc.oneof(
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

export function withTransport(
  text: string,
  t: Transport,
): { headers: Record<string, string>; body?: Buffer } {
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
export const refusedTransportOfValidBody: fc.Arbitrary<HostileRequest> = fc
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

export const bodyRequest: fc.Arbitrary<HostileRequest> = fc
  .record({ c: bodyCase, t: transport })
  .map(({ c, t }) => ({
    label: `${c.route.label} ${t.kind}`,
    method: c.route.method,
    target: c.route.path,
    ...withTransport(c.text, t),
  }));

/** Bodies over the limit: plain, or a gzip bomb. */
export const oversizedRequest = (limit: number): fc.Arbitrary<HostileRequest> =>
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
