/**
 * What the differential tests compare, and the only normalizations they apply (each one says why
 * the two NameServers may legitimately differ there).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RemotingCommand } from "../../../lib/remoting/codec";
import { parseLenientJson } from "../../../lib/remoting/fastjson";

/** Sorts arrays of objects by brokerName (else by JSON text) and object keys, recursively. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return items.sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort())
      out[key] = canonical((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

function sortKey(value: unknown): string {
  if (value !== null && typeof value === "object" && "brokerName" in value) return String(value.brokerName);
  return JSON.stringify(value);
}

/**
 * A response as a comparable value: code, remark, extFields, and the body parsed leniently (fastjson's
 * unquoted integer keys read as strings) and made canonical. Normalization: the order of JSON lists
 * and map keys, which RocketMQ takes from HashMap iteration (unspecified); nothing else.
 */
export function comparable(response: RemotingCommand): {
  code: number;
  remark: string | null;
  extFields: Record<string, string>;
  body: unknown;
} {
  let body: unknown = null;
  if (response.body !== undefined && response.body.length > 0) {
    const text = response.body.toString("utf8");
    try {
      body = canonical(parseLenientJson(text));
    } catch {
      body = text;
    }
  }
  return {
    code: response.code,
    remark: response.remark ?? null,
    extFields: Object.fromEntries(
      Object.entries(response.extFields ?? {}).sort(([a], [b]) => a.localeCompare(b)),
    ),
    body,
  };
}

/** `java.util.Properties` text (GET_NAMESRV_CONFIG, `mqadmin getNamesrvConfig` lines) as a map. */
export function properties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Za-z0-9_.]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (match?.[1] !== undefined && !line.trimStart().startsWith("#")) out[match[1]] = match[2] ?? "";
  }
  return out;
}

/**
 * NamesrvConfig keys that mean the same on any NameServer and that a client or broker can observe.
 * Normalization of getNamesrvConfig: only these are compared. The rest are the process's own
 * settings (listenPort, bindAddress, rocketmqHome, kvConfigPath, thread pools, Netty buffers, ...):
 * the registry has no such thing, and two RocketMQ NameServers differ there too; likewise
 * clusterTest / productEnvName, a NameServer mode (ClusterTestRequestProcessor) the registry lacks.
 */
export const BEHAVIOUR_CONFIG_KEYS = [
  "orderMessageEnable",
  "returnOrderTopicConfigToBroker",
  "enableAllTopicList",
  "enableTopicList",
  "deleteTopicWithBrokerRegistration",
  "supportActingMaster",
] as const;

/**
 * mqadmin clusterList: the first four columns (cluster, broker name, broker id, address) come from
 * the NameServer; #Version and every later column are runtime figures mqadmin reads from the broker
 * itself at that moment (TPS, timer progress, disk use, "Hour"), so they differ between two calls to
 * the same NameServer. Normalization: those columns are dropped; rows sorted.
 */
export function clusterListRows(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => line.trim().split(/\s+/).slice(0, 4).join(" "))
    .sort();
}

/** mqadmin lines, sorted (normalization: topicList prints a HashSet, whose order is unspecified). */
export function sortedLines(output: string): string[] {
  return output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .sort();
}

/** mqadmin topicRoute's pretty fastjson, parsed and made canonical (list order normalized only). */
export function routeOutput(output: string): unknown {
  const start = output.indexOf("{");
  if (start < 0) return output.trim();
  return canonical(parseLenientJson(output.slice(start).trim()));
}

/** The last line of an mqadmin error: "CODE: 17  DESC: No topic route info ..." */
export function mqadminError(output: string): string | undefined {
  const match = /CODE: (\d+)\s+DESC: ([^\n]*)/.exec(output);
  return match === null ? undefined : `CODE: ${match[1]} DESC: ${match[2]}`;
}

const FIXTURES = join(import.meta.dirname, "../../fixtures/remoting");

/** RECORD_FIXTURES=1: writes a recorded frame into test/fixtures/remoting/<name>. */
export function saveFixture(name: string, bytes: Buffer | undefined): void {
  if (process.env.RECORD_FIXTURES === undefined || bytes === undefined) return;
  writeFileSync(join(FIXTURES, name), bytes);
}
