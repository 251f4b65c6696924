/**
 * RocketMQ's NameServer model, in RocketMQ's own words, with the validation rules of API.md.
 * The zod schemas are the single source of both validation and the TypeScript types.
 */
import * as z from "zod";

export const MASTER_ID = 0;
export const DEFAULT_HEARTBEAT_TIMEOUT_MILLIS = 120_000;
export const ORDER_TOPIC_CONFIG_NAMESPACE = "ORDER_TOPIC_CONFIG";

const NAME_PATTERN = /^[%|a-zA-Z0-9_-]+$/;
const NAME_MAX = 127;
const RETRY_DLQ_TOPIC_MAX = 255;

// JavaScript objects cannot hold this key as data: a topic or KV key named so would be silently lost.
const notProto = [(v: string) => v !== "__proto__", { message: '"__proto__" is reserved' }] as const;

/** clusterName, brokerName and KV namespaces (RocketMQ's TopicValidator character set). */
export const nameSchema = z
  .string()
  .min(1, "must not be empty")
  .max(NAME_MAX, `must be at most ${NAME_MAX} characters`)
  .regex(NAME_PATTERN, "must match ^[%|a-zA-Z0-9_-]+$")
  .refine(...notProto);

/**
 * Cluster and broker names: the names an IAM resource ARN binds (README "Security"), so they must
 * travel in a path on AWS, where API Gateway decodes `%` before routing. RocketMQ's plain characters
 * (its topic set without `%` and `|`) plus `.`, because RocketMQ's default brokerName is the host
 * name (`broker-a.example.internal`); not starting with `.`, so `.` and `..` never reach a path.
 */
export const PLAIN_NAME_PATTERN = /^[a-zA-Z0-9_-][a-zA-Z0-9._-]*$/;
export const PLAIN_NAME_RULE = "^[a-zA-Z0-9_-][a-zA-Z0-9._-]*$";
export const plainNameSchema = z
  .string()
  .min(1, "must not be empty")
  .max(NAME_MAX, `must be at most ${NAME_MAX} characters`)
  .regex(
    PLAIN_NAME_PATTERN,
    `must match ${PLAIN_NAME_RULE} (letters, digits, _ - and ., not starting with .)`,
  );

/** Topic names: like other names, but %RETRY% and %DLQ% topics may be up to 255 characters. */
export const topicNameSchema = z
  .string()
  .min(1, "must not be empty")
  .max(RETRY_DLQ_TOPIC_MAX, `must be at most ${RETRY_DLQ_TOPIC_MAX} characters`)
  .regex(NAME_PATTERN, "must match ^[%|a-zA-Z0-9_-]+$")
  .refine((t) => t.length <= NAME_MAX || t.startsWith("%RETRY%") || t.startsWith("%DLQ%"), {
    message: `must be at most ${NAME_MAX} characters (${RETRY_DLQ_TOPIC_MAX} for %RETRY% and %DLQ% topics)`,
  })
  .refine(...notProto);

// biome-ignore lint/suspicious/noControlCharactersInRegex: printable text excludes control characters
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
// A lone surrogate is no Unicode text: DynamoDB may refuse it, and JSON clients mangle it.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = [
  (v: string) => !LONE_SURROGATE.test(v),
  { message: "must be well-formed Unicode text" },
] as const;

export const kvKeySchema = z
  .string()
  .min(1, "must not be empty")
  .max(255, "must be at most 255 characters")
  .refine((k) => !CONTROL_CHARS.test(k), { message: "must be printable text (no control characters)" })
  .refine(...wellFormed)
  .refine(...notProto);

const HOSTNAME =
  /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * An IPv6 address as RFC 4291 writes it (eight hex groups, one `::` for a run of zero groups, an
 * optional dotted IPv4 tail); no zone id. `:::`, `1::2::3` and nine groups are refused.
 */
export function isIpv6(text: string): boolean {
  if (text.length < 2 || text.length > 45) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groupsOf = (half: string) => (half === "" ? [] : half.split(":"));
  const head = groupsOf(halves[0] ?? "");
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? "") : [];
  const all = [...head, ...tail];
  let width = all.length;
  const last = all.at(-1);
  if (last?.includes(".")) {
    if (!IPV4.test(last)) return false;
    all.pop();
    width += 1; // an IPv4 tail fills two groups
  }
  if (!all.every((group) => HEX_GROUP.test(group))) return false;
  return halves.length === 2 ? width <= 7 : width === 8;
}

/** `host:port` with an IPv4 address, a bracketed IPv6 address or a DNS name; port 1..65535. */
export function isValidAddress(addr: string): boolean {
  const colon = addr.lastIndexOf(":");
  if (colon <= 0) return false;
  const host = addr.slice(0, colon);
  const port = addr.slice(colon + 1);
  if (!/^\d{1,5}$/.test(port)) return false;
  const portNumber = Number(port);
  if (portNumber < 1 || portNumber > 65535) return false;
  if (host.startsWith("[")) return host.endsWith("]") && isIpv6(host.slice(1, -1));
  return IPV4.test(host) || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host));
}

export const addressSchema = z.string().max(300, "must be at most 300 characters").refine(isValidAddress, {
  message: "must be host:port (IPv4, [IPv6] or a DNS name; port 1 to 65535)",
});

const nonNegativeLong = z.number().int("must be an integer").min(0).max(Number.MAX_SAFE_INTEGER);

export const dataVersionSchema = z.object({
  stateVersion: nonNegativeLong.default(0),
  timestamp: nonNegativeLong,
  counter: nonNegativeLong,
});
export type DataVersion = z.infer<typeof dataVersionSchema>;

export const permSchema = z.number().int("must be an integer").min(0).max(7);
export const queueNumsSchema = z.number().int("must be an integer").min(0).max(1024);

export const topicConfigSchema = z.object({
  topicName: topicNameSchema.optional(),
  readQueueNums: queueNumsSchema.default(16),
  writeQueueNums: queueNumsSchema.default(16),
  perm: permSchema.default(6),
  topicSysFlag: z.number().int("must be an integer").min(0).max(0x7fffffff).default(0),
  order: z.boolean().default(false),
});

/**
 * The registry's limits (README "Security"). A broker group is one DynamoDB item that every heartbeat
 * rewrites: its size is what a heartbeat costs (1 WCU per KB) and it must stay under DynamoDB's 400 KB
 * item limit. A member at its largest (300-character addresses, filter servers at their total) is
 * under 3 KB, so a group at MAX_MEMBERS_PER_GROUP stays under 50 KB: a steady heartbeat costs at most
 * ~50 WCU, and the item is 8 times under DynamoDB's limit.
 */
export const LIMITS = {
  /** Members (master and slaves) of one broker group. RocketMQ runs 1 to 3. */
  membersPerGroup: 16,
  /** Filter servers one member lists. */
  filterServersPerMember: 64,
  /** Characters of one member's filter server addresses, all together. */
  filterServerChars: 2048,
  /** Highest brokerId (Java's Integer.MAX_VALUE; RocketMQ's ids are small: 0 the master, 1.. slaves). */
  maxBrokerId: 2_147_483_647,
  /**
   * Broker groups in all: a new group is refused beyond this (counted by the last sweep). Every
   * sweep and GET /clusters reads every group, so this bounds their cost.
   */
  groups: 10_000,
  /** Topics one registration carries. */
  topicsPerRegistration: 20_000,
} as const;

export const MAX_FILTER_SERVERS = LIMITS.filterServersPerMember;
/**
 * Topics one registration may carry: bounds the work (and the bill) of one request, and keeps a first
 * registration well inside API Gateway's 30 s (10,000 topics take a few seconds).
 */
export const MAX_TOPICS_PER_REGISTRATION = LIMITS.topicsPerRegistration;

const brokerIdSchema = z
  .number()
  .int("must be an integer")
  .min(0, "must be at least 0")
  .max(LIMITS.maxBrokerId, `must be at most ${LIMITS.maxBrokerId} (limit maxBrokerId)`);

/**
 * RocketMQ's TopicQueueMappingInfo (topic, scope, totalQueues, bname, epoch, dirty, currIdMap): the
 * registry only stores and serves it, so beyond being a small JSON object it is taken as sent.
 */
export const MAX_MAPPING_INFO_LENGTH = 16 * 1024;
export const topicQueueMappingInfoSchema = z
  .record(z.string(), z.unknown())
  .refine((info) => JSON.stringify(info).length <= MAX_MAPPING_INFO_LENGTH, {
    message: `must be at most ${MAX_MAPPING_INFO_LENGTH} characters of JSON`,
  });
export type TopicQueueMappingInfo = z.infer<typeof topicQueueMappingInfoSchema>;

export const registerBrokerSchema = z.object({
  clusterName: plainNameSchema,
  brokerName: plainNameSchema,
  brokerId: brokerIdSchema,
  brokerAddr: addressSchema,
  haServerAddr: addressSchema.optional(),
  zoneName: nameSchema.optional(),
  enableActingMaster: z.boolean().default(false),
  heartbeatTimeoutMillis: z
    .number()
    .int("must be an integer")
    .min(1000)
    .max(3_600_000)
    .default(DEFAULT_HEARTBEAT_TIMEOUT_MILLIS),
  dataVersion: dataVersionSchema,
  topicConfigTable: z
    .unknown()
    // zod's record skips a "__proto__" key without a word; a topic must never vanish silently.
    .superRefine((table, ctx) => {
      if (table === null || typeof table !== "object") return;
      if (Object.hasOwn(table, "__proto__")) {
        ctx.addIssue({ code: "custom", path: ["__proto__"], message: notProto[1].message });
      }
      if (Object.keys(table).length > MAX_TOPICS_PER_REGISTRATION) {
        ctx.addIssue({
          code: "custom",
          path: [],
          message: `must list at most ${MAX_TOPICS_PER_REGISTRATION} topics`,
          abort: true,
        });
      }
    })
    .pipe(z.record(topicNameSchema, topicConfigSchema))
    .superRefine((table, ctx) => {
      for (const [key, config] of Object.entries(table)) {
        if (config.topicName !== undefined && config.topicName !== key) {
          ctx.addIssue({
            code: "custom",
            path: [key, "topicName"],
            message: `must equal its key "${key}"`,
          });
        }
      }
    })
    .optional(),
  filterServerList: z
    .array(addressSchema)
    .max(
      MAX_FILTER_SERVERS,
      `must list at most ${MAX_FILTER_SERVERS} filter servers (limit filterServersPerMember)`,
    )
    .refine((list) => list.reduce((n, addr) => n + addr.length, 0) <= LIMITS.filterServerChars, {
      message: `must be at most ${LIMITS.filterServerChars} characters of addresses in all (limit filterServerChars)`,
    })
    .optional(),
  /**
   * Static topics (RocketMQ's TopicConfigAndMappingSerializeWrapper): topic → TopicQueueMappingInfo,
   * kept as the broker sent it and served as the route's topicQueueMappingByBroker.
   */
  topicQueueMappingInfoMap: z
    .record(topicNameSchema, topicQueueMappingInfoSchema)
    .refine((map) => Object.keys(map).length <= MAX_TOPICS_PER_REGISTRATION, {
      message: `must list at most ${MAX_TOPICS_PER_REGISTRATION} topics`,
    })
    .optional(),
});
export type RegisterBrokerRequest = z.infer<typeof registerBrokerSchema>;
/** A registration body as a broker sends it (before defaults are applied). */
export type TopicConfigTableInput = Record<string, z.input<typeof topicConfigSchema>>;
export type RegisterBrokerBody = Omit<z.input<typeof registerBrokerSchema>, "topicConfigTable"> & {
  topicConfigTable?: TopicConfigTableInput;
};
export type TopicConfig = z.infer<typeof topicConfigSchema>;

export const unregisterBrokerSchema = z.object({
  clusterName: plainNameSchema,
  brokerName: plainNameSchema,
  brokerId: brokerIdSchema,
  brokerAddr: addressSchema,
});
export type UnregisterBrokerRequest = z.infer<typeof unregisterBrokerSchema>;

/** BROKER_HEARTBEAT (POST /brokers/touch): RocketMQ's header names the member by address only. */
export const touchBrokerSchema = z.object({
  clusterName: plainNameSchema,
  brokerName: plainNameSchema,
  brokerAddr: addressSchema,
});
export type TouchBrokerRequest = z.infer<typeof touchBrokerSchema>;

/** QUERY_DATA_VERSION (POST /brokers/data-version). */
export const queryDataVersionSchema = z.object({
  clusterName: plainNameSchema,
  brokerName: plainNameSchema,
  brokerId: z.number().int("must be an integer").min(0).max(Number.MAX_SAFE_INTEGER),
  brokerAddr: addressSchema,
  dataVersion: dataVersionSchema,
});
export type QueryDataVersionRequest = z.infer<typeof queryDataVersionSchema>;

export interface QueryDataVersionResult {
  changed: boolean;
  /** The dataVersion the registry holds for this member, or null when it holds none. */
  dataVersion: DataVersion | null;
}

/** PUT /config (UPDATE_NAMESRV_CONFIG): names and values are checked by lib/domain/config.ts. */
export const updateConfigSchema = z.object({ config: z.record(z.string(), z.unknown()) });

/** RocketMQ's TopicSysFlag bits. */
export const TOPIC_SYS_FLAG_UNIT = 1;
export const TOPIC_SYS_FLAG_UNIT_SUB = 2;

export const queueDataSchema = z.object({
  brokerName: nameSchema,
  readQueueNums: queueNumsSchema,
  writeQueueNums: queueNumsSchema,
  perm: permSchema,
  topicSysFlag: z.number().int("must be an integer").min(0).max(0x7fffffff).default(0),
});

export const MAX_QUEUE_DATAS_PER_TOPIC = 1000;
/** REGISTER_TOPIC_IN_NAMESRV (POST /topics): RocketMQ's body is a TopicRouteData; only queueDatas count. */
export const registerTopicSchema = z.object({
  topic: topicNameSchema,
  queueDatas: z
    .array(queueDataSchema)
    .max(MAX_QUEUE_DATAS_PER_TOPIC, `must list at most ${MAX_QUEUE_DATAS_PER_TOPIC} queue datas`),
});
export type RegisterTopicRequest = z.infer<typeof registerTopicSchema>;

/** GET_SYSTEM_TOPIC_LIST_FROM_NS: cluster and broker names, and one live broker's address. */
export interface SystemTopicList {
  topicList: string[];
  brokerAddr?: string;
}

export type UnitTopicKind = "unit" | "unit-sub" | "unit-sub-ununit";

export const writePermSchema = z.object({ writable: z.boolean() });

export const MAX_KV_VALUE_LENGTH = 64 * 1024;
export const kvPutSchema = z.object({
  value: z
    .string()
    .max(MAX_KV_VALUE_LENGTH, `must be at most ${MAX_KV_VALUE_LENGTH} characters`)
    .refine(...wellFormed),
});

/** POST /routes: at most this many distinct topics per call (API.md "Version 2 additions"). */
export const MAX_ROUTES_PER_REQUEST = 1000;
/**
 * POST /routes: at most this many entries in `topics`, repeats included. Repeats are answered once
 * and do not count towards the 1,000 distinct topics; this only bounds the work of reading the list.
 */
export const MAX_ROUTES_ENTRIES = 10 * MAX_ROUTES_PER_REQUEST;
export const getRoutesSchema = z
  .object({
    topics: z
      .array(topicNameSchema, "must be an array of topic names")
      .max(MAX_ROUTES_ENTRIES, `must hold at most ${MAX_ROUTES_ENTRIES} entries`)
      // A topic named twice is answered once: only distinct topics count towards the limit.
      .transform((topics) => [...new Set(topics)])
      .refine((topics) => topics.length <= MAX_ROUTES_PER_REQUEST, {
        message: `must name at most ${MAX_ROUTES_PER_REQUEST} distinct topics`,
      }),
    zone: nameSchema.optional(),
    /** ETags the client holds, by topic: a topic whose route still has that ETag is only `unchanged`. */
    known: z
      .record(topicNameSchema, z.string("must map topic names to ETag strings").max(256))
      .refine((known) => Object.keys(known).length <= MAX_ROUTES_PER_REQUEST, {
        message: `must hold at most ${MAX_ROUTES_PER_REQUEST} ETags`,
      })
      .optional(),
    /**
     * Opt-in (the gateway's route cache): the answer also carries `deadlines`, the milliseconds left
     * before each listed member's heartbeat timeout, for every topic in `routes` and `unchanged`.
     */
    deadlines: z.boolean("must be a boolean").optional(),
    /**
     * Extension (the gateway's route cache): the answer also carries `changes`, the change feed since
     * this time (epoch ms on the registry's clock) and the sweeper's liveness digest
     * (lib/domain/change-feed.ts). With it, `topics` may be empty.
     */
    changesSince: z
      .number("must be a non-negative integer (epoch ms)")
      .int("must be a non-negative integer (epoch ms)")
      .nonnegative("must be a non-negative integer (epoch ms)")
      .optional(),
  })
  .superRefine((request, context) => {
    if (request.changesSince === undefined && request.topics.length === 0) {
      context.addIssue({ code: "custom", path: ["topics"], message: "must name at least one topic" });
    }
  });
export type GetRoutesRequest = z.infer<typeof getRoutesSchema>;

/** RocketMQ's QueueData as it appears in a route. */
export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

/** RocketMQ's BrokerData as it appears in a route and in cluster info. */
export interface BrokerData {
  cluster: string;
  brokerName: string;
  brokerAddrs: Record<string, string>;
  zoneName?: string;
  enableActingMaster: boolean;
}

export interface TopicRouteData {
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  filterServerTable: Record<string, string[]>;
  orderTopicConf?: string;
  /** Static topics: brokerName → TopicQueueMappingInfo, for groups that registered one. */
  topicQueueMappingByBroker?: Record<string, TopicQueueMappingInfo>;
}

export interface ClusterInfo {
  brokerAddrTable: Record<string, BrokerData>;
  clusterAddrTable: Record<string, string[]>;
}

export interface RegisterBrokerResult {
  masterAddr?: string;
  haServerAddr?: string;
  topicConfigApplied: boolean;
  /** For a master: KV namespace ORDER_TOPIC_CONFIG (RocketMQ's REGISTER_BROKER response body). */
  orderTopicConfig?: { table: Record<string, string> };
}

/** One live instance as GET /brokers answers it (RocketMQ's BrokerLiveInfo with its group's names). */
export interface BrokerLiveInfo {
  clusterName: string;
  brokerName: string;
  zoneName?: string;
  enableActingMaster: boolean;
  brokerId: number;
  brokerAddr: string;
  haServerAddr?: string;
  /** Epoch ms of the last heartbeat the registry applied. */
  lastUpdateTimestamp: number;
  heartbeatTimeoutMillis: number;
  dataVersion: DataVersion;
  /** Past its timeout, but kept because the registry is in self-preservation. */
  preserved: boolean;
}

/**
 * POST /routes with `"deadlines": true`: by group name and member address, the milliseconds left
 * before the member's heartbeat timeout on the registry's clock (members kept by self-preservation
 * left out).
 */
export type MemberDeadlines = Record<string, Record<string, number>>;

/** GET /brokers: the live instances, and the registry's clock so that ages need no synchronized clocks. */
export interface BrokerLiveTable {
  now: number;
  brokers: BrokerLiveInfo[];
}

/**
 * One broker instance (RocketMQ's BrokerLiveInfo merged with its brokerAddrs entry), as the registry
 * keeps it inside its group.
 */
export interface BrokerMember {
  brokerId: number;
  brokerAddr: string;
  haServerAddr?: string;
  lastUpdateTimestamp: number;
  heartbeatTimeoutMillis: number;
  dataVersion: DataVersion;
  filterServerList: string[];
  /** Digest of the last registration fully applied; absent while topics are being written. */
  digest?: string;
  /** The group's topology version this member's digest was computed under. */
  topologyVersion: number;
  /** Whether this member was the group's topic authority (master or prime slave) when it registered. */
  topicAuthority: boolean;
}

/**
 * A broker group (RocketMQ's BrokerData plus the live info of its members). `epoch` names one
 * incarnation of the group: queue data written for an older incarnation is ignored and cleaned.
 */
export interface BrokerGroup {
  brokerName: string;
  clusterName: string;
  zoneName?: string;
  enableActingMaster: boolean;
  epoch: string;
  topologyVersion: number;
  members: Record<string, BrokerMember>;
  /**
   * Set by the removal that left an acting-master group without a master, removed once WRITE is
   * cleared on all its queue data: a cleanup that died half-way is resumed by the next sweep, and
   * only then.
   */
  writeClearPending?: boolean;
}

/** Queue data of one group for one topic, as stored. */
export interface StoredQueueData extends QueueData {
  topic: string;
  epoch: string;
  /** Static topic: the TopicQueueMappingInfo the group's broker registered for this topic. */
  mapping?: TopicQueueMappingInfo;
}
