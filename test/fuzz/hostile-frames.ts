/**
 * Hostile input for the RocketMQ remoting gateway, as fast-check arbitraries: random bytes, random
 * frames, valid frames of every NameServer request code mutated (bytes flipped, lengths and the
 * serialize type rewritten, truncated, spliced), and well-formed frames whose headers and bodies are
 * hostile (missing and malformed fields, unquoted-key JSON, garbage zlib, wrong types).
 *
 * The property: the gateway never crashes, closes a connection only for a frame it cannot decode,
 * answers every decodable request with one of RocketMQ's codes (never a JavaScript error as a remark),
 * and the registry is unchanged. So no generated frame may be a valid write: frames name no seeded
 * entity (SEED of hostile-requests.ts), and writes carry names the registry refuses.
 *
 * Used by test/e2e/fuzz-frames.test.ts (a few hundred cases in `npm test`) and run-fuzz.ts
 * (`npm run fuzz`: 10,000 frames after the HTTP cases).
 */
import { connect } from "node:net";
import { deflateSync } from "node:zlib";
import fc from "fast-check";
import { encode, FrameDecoder, type RemotingCommand, requestCommand } from "../../lib/remoting/codec";
import { RequestCode, ResponseCode, SerializeType } from "../../lib/remoting/protocol";
import { encodeRegisterBrokerBody } from "../../lib/remoting/register-broker-body";

export interface FrameCase {
  label: string;
  bytes: Buffer;
}

export type FrameOutcome =
  | { kind: "answered"; responses: RemotingCommand[] }
  | { kind: "closed"; responses: RemotingCommand[] }
  | { kind: "silent"; responses: RemotingCommand[] }
  | { kind: "undecodable-answer"; error: string };

/** Names the registry refuses (nameSchema): a write carrying one changes nothing. */
const badName = fc.oneof(
  fc.constantFrom("bad name", "tab\tname", "nul\u0000", "brökér", "a/b", "", " ", "x".repeat(300)),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }).map((s) => `${s} !`),
);
/** Valid-looking names of nothing the registry holds. */
const absentName = fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/).map((s) => `fz-absent-${s}`);
const anyName = fc.oneof(badName, absentName);
const number = fc.oneof(
  fc.constantFrom(
    "0",
    "-1",
    "1",
    "9223372036854775807",
    "99999999999999999999",
    "1.5",
    "1e3",
    "0x10",
    "",
    " 1",
    "NaN",
  ),
  fc.integer().map(String),
  fc.string({ maxLength: 12 }),
);
const bool = fc.constantFrom("true", "false", "TRUE", "yes", "", "1");
const address = fc.oneof(
  fc.constantFrom("not-an-address", "host:", ":1", "1.2.3.4:99999", "[::1", "a b:1", ""),
  fc.string({ maxLength: 30 }),
);

const allCodes = Object.values(RequestCode) as number[];

function optionalFields(fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<Record<string, string>> {
  return fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<Record<string, string>>;
}

const brokerFields = {
  brokerName: badName,
  brokerAddr: address,
  clusterName: badName,
  haServerAddr: address,
  brokerId: number,
  heartbeatTimeoutMillis: number,
  enableActingMaster: bool,
  compressed: bool,
  bodyCrc32: number,
  __ZONE_NAME: anyName,
};

const jsonish = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.constantFrom(
    "{",
    "{0:1}",
    '{"topicConfigSerializeWrapper":{"topicConfigTable":{"t":{"perm":"x"}}}}',
    '{"topicConfigSerializeWrapper":{"dataVersion":{"counter":"a"},"topicConfigTable":{0:{}}}}',
    '{"filterServerList":"x"}',
    '{"queueDatas":[{"brokerName":1}]}',
    '{"queueDatas":"x"}',
    "[".repeat(2000),
    '{"counter":1,"timestamp":1,"stateVersion":1}',
    "a=b\nrocketmqHome=/x\n\\",
  ),
);

const zipBomb = deflateSync(Buffer.alloc(40 * 1024 * 1024));
const hostileBody: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: jsonish.map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => deflateSync(Buffer.from(a))) },
  { weight: 1, arbitrary: fc.constant(zipBomb) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(badName, fc.boolean(), fc.constantFrom(409, 479))
      .map(([topic, compressed, version]) =>
        encodeRegisterBrokerBody(
          {
            dataVersion: { counter: 1, stateVersion: 0, timestamp: 1 },
            topicConfigTable: { [topic]: { topicName: topic } },
          },
          { compressed, version },
        ),
      ),
  },
);

/** A well-formed frame whose header fields and body are hostile, for one request code. */
const hostileRequestFrame: fc.Arbitrary<FrameCase> = fc
  .record({
    code: fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...allCodes) },
      { weight: 1, arbitrary: fc.integer({ min: -40000, max: 40000 }) },
    ),
    ext: optionalFields({
      ...brokerFields,
      topic: anyName,
      acceptStandardJsonOnly: bool,
      namespace: badName,
      key: fc.string({ maxLength: 20 }),
      value: fc.string({ maxLength: 20 }),
      cluster: anyName,
      __ZONE_MODE: bool,
    }),
    extra: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
    body: hostileBody,
    version: fc.oneof(
      fc.constantFrom(0, 37, 317, 401, 409, 413, 479, -1, 32767),
      fc.integer({ min: -32768, max: 32767 }),
    ),
    opaque: fc.integer(),
    oneway: fc.boolean(),
    type: fc.constantFrom(SerializeType.JSON, SerializeType.ROCKETMQ),
    language: fc.constantFrom("JAVA", "GO", "CPP", "NODE_JS", "NOPE", ""),
  })
  .map(({ code, ext, extra, body, version, opaque, oneway, type, language }) => {
    // PUT_KV_CONFIG: key/value accept any printable text, so the namespace must be refused.
    const fields = { ...extra, ...ext };
    if (code === RequestCode.PUT_KV_CONFIG && fields.namespace === undefined) fields.namespace = "bad ns";
    const command = requestCommand(code, fields, {
      opaque,
      version,
      language,
      oneway,
      ...(body === undefined ? {} : { body }),
    });
    return { label: `hostile ${code}`, bytes: encode(command, type) };
  });

/** Valid frames of every code (named after nothing the registry holds), to mutate. */
function baseFrames(): FrameCase[] {
  const topic = "fz-absent-topic";
  const broker = {
    brokerName: "bad broker",
    brokerAddr: "10.99.0.1:10911",
    clusterName: "bad cluster",
    haServerAddr: "10.99.0.1:10912",
    brokerId: "0",
  };
  const register = encodeRegisterBrokerBody(
    {
      dataVersion: { counter: 1, stateVersion: 0, timestamp: 1 },
      topicConfigTable: { "bad topic": { topicName: "bad topic" } },
    },
    { compressed: true, version: 479 },
  );
  const cases: Array<[number, Record<string, string>, Buffer?]> = [
    [RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }],
    [RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic, __ZONE_MODE: "true", __ZONE_NAME: "az-1" }],
    [RequestCode.GET_BROKER_CLUSTER_INFO, {}],
    [RequestCode.GET_KV_CONFIG, { namespace: "fz-absent-ns", key: "k" }],
    [RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: "fz-absent-ns" }],
    [RequestCode.PUT_KV_CONFIG, { namespace: "bad ns!", key: "k", value: "v" }],
    [RequestCode.REGISTER_BROKER, { ...broker, compressed: "true" }, register],
    [RequestCode.UNREGISTER_BROKER, broker],
    [RequestCode.QUERY_DATA_VERSION, broker, Buffer.from('{"counter":1,"stateVersion":0,"timestamp":1}')],
    [RequestCode.BROKER_HEARTBEAT, broker],
    [
      RequestCode.REGISTER_TOPIC_IN_NAMESRV,
      { topic: "bad topic" },
      Buffer.from(
        '{"queueDatas":[{"brokerName":"bad broker","perm":6,"readQueueNums":1,"writeQueueNums":1,"topicSysFlag":0}]}',
      ),
    ],
    [RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic, clusterName: "bad cluster" }],
    [RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: "fz-absent-broker" }],
    [RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: "fz-absent-cluster" }],
    [RequestCode.GET_BROKER_MEMBER_GROUP, { clusterName: "fz-absent", brokerName: "fz-absent" }],
    [RequestCode.UPDATE_NAMESRV_CONFIG, {}, Buffer.from("fuzz.unknown.setting=1\n")],
    [RequestCode.GET_NAMESRV_CONFIG, {}],
    [9999, { x: "y" }],
  ];
  const frames: FrameCase[] = [];
  for (const [code, ext, body] of cases) {
    for (const type of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
      const command = requestCommand(code, ext, {
        opaque: 7,
        version: 479,
        ...(body === undefined ? {} : { body }),
      });
      frames.push({ label: `mutated ${code}`, bytes: encode(command, type) });
    }
  }
  return frames;
}

type Mutation = (bytes: Buffer) => Buffer;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(
    ([at, value]): Mutation =>
      (b) => {
        const out = Buffer.from(b);
        if (out.length > 0) out[at % out.length] = value;
        return out;
      },
  ),
  fc.integer().map(
    (length): Mutation =>
      (b) => {
        const out = Buffer.from(b);
        if (out.length >= 4) out.writeInt32BE(length, 0);
        return out;
      },
  ),
  fc.integer({ min: 0, max: 0xffffffff }).map(
    (word): Mutation =>
      (b) => {
        const out = Buffer.from(b);
        if (out.length >= 8) out.writeUInt32BE(word, 4);
        return out;
      },
  ),
  fc.integer({ min: 0, max: 255 }).map(
    (type): Mutation =>
      (b) => {
        const out = Buffer.from(b);
        if (out.length >= 8) out[4] = type;
        return out;
      },
  ),
  fc.integer({ min: 0, max: 0xffffff }).map(
    (headerLength): Mutation =>
      (b) => {
        const out = Buffer.from(b);
        if (out.length >= 8) out.writeUIntBE(headerLength, 5, 3);
        return out;
      },
  ),
  fc.nat().map(
    (at): Mutation =>
      (b) =>
        b.subarray(0, at % (b.length + 1)),
  ),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(
    ([at, bytes]): Mutation =>
      (b) => {
        const i = at % (b.length + 1);
        return Buffer.concat([b.subarray(0, i), Buffer.from(bytes), b.subarray(i)]);
      },
  ),
  // Keep the frame self-consistent after an insertion: fix the length field to the new size.
  fc.constant((b: Buffer): Buffer => {
    const out = Buffer.from(b);
    if (out.length >= 4) out.writeInt32BE(out.length - 4, 0);
    return out;
  }),
);

const mutatedFrame: fc.Arbitrary<FrameCase> = fc
  .tuple(fc.constantFrom(...baseFrames()), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([base, mutations]) => ({ label: base.label, bytes: mutations.reduce((b, m) => m(b), base.bytes) }));

const randomBytes: fc.Arbitrary<FrameCase> = fc
  .uint8Array({ maxLength: 256 })
  .map((a) => ({ label: "random bytes", bytes: Buffer.from(a) }));

/** A length field that matches, then random bytes: decodes as far as the header allows. */
const randomFrame: fc.Arbitrary<FrameCase> = fc
  .tuple(fc.constantFrom(0, 1, 2, 255), fc.uint8Array({ maxLength: 256 }))
  .map(([type, rest]) => {
    const headerLength = Math.min(rest.length, Math.floor(rest.length / 2));
    const prefix = Buffer.alloc(8);
    prefix.writeInt32BE(4 + rest.length, 0);
    prefix.writeUInt32BE(((type << 24) | headerLength) >>> 0, 4);
    return { label: "random frame", bytes: Buffer.concat([prefix, Buffer.from(rest)]) };
  });

export function hostileFrame(): fc.Arbitrary<FrameCase> {
  return fc.oneof(
    { weight: 1, arbitrary: randomBytes },
    { weight: 1, arbitrary: randomFrame },
    { weight: 3, arbitrary: mutatedFrame },
    { weight: 4, arbitrary: hostileRequestFrame },
  );
}

/**
 * Sends one case on a fresh connection and reports what came back: answers, a close, or silence
 * (an incomplete frame, or a oneway request) until `quietMs` passed.
 */
export function sendFrame(
  port: number,
  bytes: Buffer,
  quietMs = 300,
  timeoutMs = 30_000,
): Promise<FrameOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const decoder = new FrameDecoder();
    const responses: RemotingCommand[] = [];
    let done = false;
    let quiet: NodeJS.Timeout | undefined;
    const finish = (outcome: FrameOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(quiet);
      clearTimeout(hard);
      socket.destroy();
      resolve(outcome);
    };
    const hard = setTimeout(() => finish({ kind: "silent", responses }), timeoutMs);
    const rearm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(
        () => finish({ kind: responses.length > 0 ? "answered" : "silent", responses }),
        quietMs,
      );
    };
    socket.on("connect", () => {
      socket.write(bytes);
      rearm();
    });
    socket.on("data", (chunk) => {
      try {
        responses.push(...decoder.push(chunk));
      } catch (error) {
        finish({ kind: "undecodable-answer", error: String(error) });
        return;
      }
      rearm();
    });
    socket.on("error", () => {});
    socket.on("close", () => finish({ kind: "closed", responses }));
  });
}

const RUNTIME_ERROR = /\b(TypeError|RangeError|ReferenceError|SyntaxError|undefined is not|Cannot read prop)/;
const ALLOWED_CODES = new Set<number>([
  ResponseCode.SUCCESS,
  ResponseCode.SYSTEM_ERROR,
  // The registry shedding load (a 503) is SYSTEM_BUSY: an answer, not a failure of the gateway.
  ResponseCode.SYSTEM_BUSY,
  ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
  ResponseCode.NO_PERMISSION,
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.QUERY_NOT_FOUND,
]);

/** What is wrong with an outcome (empty when it is fine). */
export function frameViolations(outcome: FrameOutcome): string[] {
  if (outcome.kind === "undecodable-answer")
    return [`the gateway wrote an undecodable answer: ${outcome.error}`];
  const out: string[] = [];
  for (const r of outcome.responses) {
    if ((r.flag & 1) !== 1) out.push(`an answer without the response flag: ${JSON.stringify(r)}`);
    if (!ALLOWED_CODES.has(r.code)) out.push(`answer code ${r.code}: ${r.remark ?? ""}`);
    if (RUNTIME_ERROR.test(r.remark ?? "")) out.push(`a JavaScript error as the remark: ${r.remark}`);
    for (const [k, v] of Object.entries(r.extFields)) {
      if (typeof v !== "string") out.push(`extFields.${k} is not a string`);
    }
  }
  return out;
}

export function describeFrame(c: FrameCase): string {
  const hex = c.bytes.subarray(0, 64).toString("hex");
  return `${c.label}: ${c.bytes.length} bytes ${hex}${c.bytes.length > 64 ? "…" : ""}`;
}
