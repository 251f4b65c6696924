/**
 * REGISTER_BROKER's body (`RegisterBrokerBody`, `TopicConfigSerializeWrapper`,
 * `TopicConfig#encode/decode`): fastjson JSON, or the zlib-compressed binary layout of
 * `RegisterBrokerBody#encode(true)`:
 *
 *   int32 len + DataVersion JSON | int32 topicCount | topicCount × (int32 len + TopicConfig text)
 *   | int32 len + filterServerList JSON | [version ≥ V5_0_0] int32 n × (int32 len + TopicQueueMappingInfo JSON)
 *
 * `TopicConfig.encode()` is `"<topicName> <readQueueNums> <writeQueueNums> <perm> <topicFilterType> [attributes JSON]"`:
 * no topicSysFlag, no order (the NameServer reads them as 0 / false).
 */
import { crc32, deflateSync, inflateSync } from "node:zlib";
import { parseLenientJson, stringifyFastjson } from "./fastjson";
import { MQVersion } from "./protocol";

export interface RegisterTopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
  order: boolean;
  topicFilterType?: string;
}

export interface DecodedRegisterBrokerBody {
  dataVersion: { counter: number; stateVersion: number; timestamp: number };
  topicConfigTable: Record<string, RegisterTopicConfig>;
  filterServerList: string[];
  /** Static topics: kept as sent (the registry serves them as `topicQueueMappingByBroker`). */
  topicQueueMappingInfoMap?: Record<string, Record<string, unknown>>;
}

export class RegisterBodyError extends Error {}

/** What `UtilAll.crc32` puts in `bodyCrc32`: CRC-32 of the body, masked to 31 bits. */
export function bodyCrc32(body: Buffer | undefined): number {
  return body === undefined ? 0 : crc32(body) & 0x7fffffff;
}

/** Inflated bodies above this are refused: no real broker comes near it, a zip bomb would. */
const MAX_INFLATED_BYTES = 32 * 1024 * 1024;

const ZERO_VERSION = { counter: 0, stateVersion: 0, timestamp: 0 };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether a body is a zlib stream (RFC 1950 header: CM 8, FCHECK): a JSON body starts with `{`. */
export function looksCompressed(body: Buffer): boolean {
  const cmf = body[0];
  const flg = body[1];
  return cmf !== undefined && flg !== undefined && (cmf & 0x0f) === 8 && ((cmf << 8) | flg) % 31 === 0;
}

/**
 * Decodes a REGISTER_BROKER body. `compressed` is the header's flag; `version` the request's
 * `MQVersion` ordinal (the mapping section exists from V5_0_0; below V3_0_11 the body is a bare
 * TopicConfigSerializeWrapper). A 5.x broker with `compressedRegister=true` sends a deflated body
 * while its header still says `compressed=false`; RocketMQ's NameServer cannot read that, this
 * decoder recognises the zlib header and reads it.
 */
export function decodeRegisterBrokerBody(
  body: Buffer | undefined,
  compressed: boolean,
  version: number,
): DecodedRegisterBrokerBody {
  if (body === undefined || body.length === 0) {
    return { dataVersion: { ...ZERO_VERSION }, topicConfigTable: {}, filterServerList: [] };
  }
  if (compressed || looksCompressed(body)) return decodeCompressed(body, version);
  let parsed: unknown;
  try {
    parsed = parseLenientJson(body.toString("utf8"));
  } catch (error) {
    throw new RegisterBodyError(`Failed to decode RegisterBrokerBody: ${(error as Error).message}`);
  }
  if (!isRecord(parsed))
    throw new RegisterBodyError("Failed to decode RegisterBrokerBody: not a JSON object");
  const wrapper = version < MQVersion.V3_0_11 ? parsed : parsed.topicConfigSerializeWrapper;
  const filterServerList = version < MQVersion.V3_0_11 ? [] : parsed.filterServerList;
  const w = isRecord(wrapper) ? wrapper : {};
  const table: Record<string, RegisterTopicConfig> = {};
  if (isRecord(w.topicConfigTable)) {
    for (const [name, config] of Object.entries(w.topicConfigTable)) {
      if (!isRecord(config)) throw new RegisterBodyError(`topicConfigTable.${name} is not an object`);
      table[name] = topicConfigFromJson(name, config);
    }
  }
  const decoded: DecodedRegisterBrokerBody = {
    dataVersion: dataVersionOf(w.dataVersion),
    topicConfigTable: table,
    filterServerList: stringList(filterServerList),
  };
  if (isRecord(w.topicQueueMappingInfoMap) && Object.keys(w.topicQueueMappingInfoMap).length > 0) {
    const entries = Object.entries(w.topicQueueMappingInfoMap).map(([name, info]) => {
      if (!isRecord(info)) throw new RegisterBodyError(`topicQueueMappingInfoMap.${name} is not an object`);
      return [name, info] as const;
    });
    // fromEntries keeps every key an own property (even "__proto__"), as the parsed object had it.
    decoded.topicQueueMappingInfoMap = Object.fromEntries(entries);
  }
  return decoded;
}

/** DataVersion's three longs; a missing or null one is 0, anything but a number is refused. */
function dataVersionOf(value: unknown): DecodedRegisterBrokerBody["dataVersion"] {
  if (!isRecord(value)) return { ...ZERO_VERSION };
  const long = (field: "counter" | "stateVersion" | "timestamp"): number => {
    const v = value[field];
    if (v === undefined || v === null) return 0;
    if (typeof v !== "number") throw new RegisterBodyError(`dataVersion.${field} is not a number`);
    return v;
  };
  return { counter: long("counter"), stateVersion: long("stateVersion"), timestamp: long("timestamp") };
}

function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new RegisterBodyError("filterServerList is not a list of addresses");
  }
  return value as string[];
}

function topicConfigFromJson(name: string, config: Record<string, unknown>): RegisterTopicConfig {
  const number = (field: string, fallback: number): number => {
    const value = config[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number")
      throw new RegisterBodyError(`topicConfigTable.${name}.${field} is not a number`);
    return value;
  };
  const topicName = typeof config.topicName === "string" ? config.topicName : name;
  return {
    topicName,
    // TopicConfig's field defaults (`defaultReadQueueNums` 16, perm READ|WRITE).
    readQueueNums: number("readQueueNums", 16),
    writeQueueNums: number("writeQueueNums", 16),
    perm: number("perm", 6),
    topicSysFlag: number("topicSysFlag", 0),
    order: config.order === true,
    ...(typeof config.topicFilterType === "string" ? { topicFilterType: config.topicFilterType } : {}),
  };
}

function decodeCompressed(body: Buffer, version: number): DecodedRegisterBrokerBody {
  let data: Buffer;
  try {
    data = inflateSync(body, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    throw new RegisterBodyError(`Failed to decode RegisterBrokerBody: ${(error as Error).message}`);
  }
  let pos = 0;
  const readInt = (): number => {
    if (pos + 4 > data.length) throw new RegisterBodyError("End of compressed data has reached");
    const value = data.readInt32BE(pos);
    pos += 4;
    return value;
  };
  const readText = (): string => {
    const length = readInt();
    if (length < 0 || pos + length > data.length) {
      throw new RegisterBodyError("End of compressed data has reached");
    }
    const text = data.toString("utf8", pos, pos + length);
    pos += length;
    return text;
  };
  const json = (text: string, what: string): unknown => {
    try {
      return parseLenientJson(text);
    } catch (error) {
      throw new RegisterBodyError(`${what} is not JSON: ${(error as Error).message}`);
    }
  };
  const dataVersion = dataVersionOf(json(readText(), "dataVersion"));
  const topicCount = readInt();
  if (topicCount < 0) throw new RegisterBodyError(`negative topic count ${topicCount}`);
  const topicConfigTable: Record<string, RegisterTopicConfig> = {};
  for (let i = 0; i < topicCount; i++) {
    const config = decodeTopicConfigText(readText());
    topicConfigTable[config.topicName] = config;
  }
  // RocketMQ ignores a filter server list it cannot parse.
  const filterServerText = readText();
  let filterServerList: string[] = [];
  try {
    filterServerList = stringList(json(filterServerText, "filterServerList"));
  } catch {
    filterServerList = [];
  }
  const decoded: DecodedRegisterBrokerBody = { dataVersion, topicConfigTable, filterServerList };
  if (version >= MQVersion.V5_0_0) {
    const count = readInt();
    if (count < 0) throw new RegisterBodyError(`negative mapping count ${count}`);
    const map: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < count; i++) {
      const info = json(readText(), "TopicQueueMappingInfo");
      if (isRecord(info) && typeof info.topic === "string") map[info.topic] = info;
    }
    if (Object.keys(map).length > 0) decoded.topicQueueMappingInfoMap = map;
  }
  return decoded;
}

/** `TopicConfig#decode`: at least 5 space-separated fields, else the entry is refused. */
export function decodeTopicConfigText(text: string): RegisterTopicConfig {
  const parts = text.split(" ");
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  const int = (value: string | undefined, field: string): number => {
    if (value === undefined || !/^[-+]?\d{1,10}$/.test(value)) {
      throw new RegisterBodyError(`topic config "${text.slice(0, 80)}": ${field} is not an integer`);
    }
    return Number(value);
  };
  if (parts.length < 5)
    throw new RegisterBodyError(`topic config "${text.slice(0, 80)}" has fewer than 5 fields`);
  return {
    topicName: parts[0] as string,
    readQueueNums: int(parts[1], "readQueueNums"),
    writeQueueNums: int(parts[2], "writeQueueNums"),
    perm: int(parts[3], "perm"),
    topicSysFlag: 0,
    order: false,
    topicFilterType: parts[4] as string,
  };
}

/** The other direction, as a broker writes it (tests, benches, the fuzz script). */
export function encodeRegisterBrokerBody(
  body: {
    dataVersion: { counter: number; stateVersion: number; timestamp: number };
    topicConfigTable: Record<string, Partial<RegisterTopicConfig> & { topicName: string }>;
    filterServerList?: string[];
    topicQueueMappingInfoMap?: Record<string, Record<string, unknown>>;
  },
  options: { compressed: boolean; version: number },
): Buffer {
  const topics = Object.values(body.topicConfigTable).map((t) => ({
    order: false,
    perm: 6,
    readQueueNums: 16,
    topicFilterType: "SINGLE_TAG",
    topicSysFlag: 0,
    writeQueueNums: 16,
    ...t,
  }));
  if (!options.compressed) {
    const table: Record<string, unknown> = {};
    for (const t of topics) table[t.topicName] = { attributes: {}, ...t };
    return Buffer.from(
      stringifyFastjson({
        filterServerList: body.filterServerList ?? [],
        topicConfigSerializeWrapper: {
          dataVersion: body.dataVersion,
          topicConfigTable: table,
          ...(options.version >= MQVersion.V5_0_0
            ? {
                mappingDataVersion: body.dataVersion,
                topicQueueMappingDetailMap: {},
                topicQueueMappingInfoMap: body.topicQueueMappingInfoMap ?? {},
              }
            : {}),
        },
      }),
    );
  }
  const parts: Buffer[] = [];
  const text = (value: string) => {
    const bytes = Buffer.from(value, "utf8");
    parts.push(int(bytes.length), bytes);
  };
  text(JSON.stringify(body.dataVersion));
  parts.push(int(topics.length));
  for (const t of topics) {
    const fields = [t.topicName, t.readQueueNums, t.writeQueueNums, t.perm, t.topicFilterType];
    text(options.version >= MQVersion.V5_0_0 ? `${fields.join(" ")} {}` : fields.join(" "));
  }
  text(JSON.stringify(body.filterServerList ?? []));
  if (options.version >= MQVersion.V5_0_0) {
    const infos = Object.values(body.topicQueueMappingInfoMap ?? {});
    parts.push(int(infos.length));
    for (const info of infos) text(JSON.stringify(info));
  }
  return deflateSync(Buffer.concat(parts), { level: 9 });
}

function int(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeInt32BE(value, 0);
  return bytes;
}
