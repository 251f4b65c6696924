/**
 * The NameServer's settings (RocketMQ's NamesrvConfig), as GET/PUT /config shows and changes them.
 *
 * The switches are stored in the table (so every Lambda and the local server share them) and each
 * instance re-reads them within a few seconds; the deployment settings (environment of the stack or
 * of `npm start`) are shown read-only. Values travel as strings, as in RocketMQ's properties text.
 */
import { InvalidRequestError } from "./errors";
import { DEFAULT_HEARTBEAT_TIMEOUT_MILLIS } from "./model";
import { DEFAULT_SELF_PRESERVATION, type SelfPreservationConfig } from "./self-preservation";

/** The switches RocketMQ's NameServer has, which this registry honours. */
export interface NamesrvConfig {
  /** Routes carry `orderTopicConf` (from KV ORDER_TOPIC_CONFIG). RocketMQ's default is false; see DEFAULT. */
  orderMessageEnable: boolean;
  /** A master's heartbeat answer carries the KV namespace ORDER_TOPIC_CONFIG. */
  returnOrderTopicConfigToBroker: boolean;
  /** GET /topics (GET_ALL_TOPIC_LIST_FROM_NAMESERVER) answers; off: 403 DISABLED. */
  enableAllTopicList: boolean;
  /** GET /clusters/{c}/topics and the unit topic lists answer; off: 403 DISABLED. */
  enableTopicList: boolean;
  /** Topics a master (or prime slave) stops listing are removed from its group on its next registration. */
  deleteTopicWithBrokerRegistration: boolean;
  /** Routes list the lowest-id live slave of a masterless acting-master group as id 0. */
  supportActingMaster: boolean;
}

/**
 * RocketMQ's NamesrvConfig defaults, except orderMessageEnable: API.md fixes that a route carries
 * `orderTopicConf` whenever the KV item exists, so this registry's default is true.
 */
export const DEFAULT_NAMESRV_CONFIG: Readonly<NamesrvConfig> = Object.freeze({
  orderMessageEnable: true,
  returnOrderTopicConfigToBroker: true,
  enableAllTopicList: true,
  enableTopicList: true,
  deleteTopicWithBrokerRegistration: false,
  supportActingMaster: false,
});

export type SettingName = keyof NamesrvConfig;
export const SETTING_NAMES = Object.keys(DEFAULT_NAMESRV_CONFIG) as SettingName[];
const isSettingName = (name: string): name is SettingName =>
  (SETTING_NAMES as readonly string[]).includes(name);

/** What the deployment fixes (environment), shown by GET /config and refused by PUT /config. */
export interface DeploymentSettings {
  selfPreservation: SelfPreservationConfig;
  routeGroupCacheMs: number;
  configCacheMs: number;
}

export function readOnlySettings(deployment: DeploymentSettings): Record<string, string> {
  return {
    defaultHeartbeatTimeoutMillis: String(DEFAULT_HEARTBEAT_TIMEOUT_MILLIS),
    selfPreservationEnabled: String(deployment.selfPreservation.enabled),
    selfPreservationExpiryRatio: String(deployment.selfPreservation.expiryRatio),
    selfPreservationMinExpired: String(deployment.selfPreservation.minExpired),
    routeGroupCacheMillis: String(deployment.routeGroupCacheMs),
    configCacheMillis: String(deployment.configCacheMs),
  };
}
const READ_ONLY_NAMES = Object.keys(
  readOnlySettings({
    selfPreservation: { ...DEFAULT_SELF_PRESERVATION, expiryRatio: 0, minExpired: 0 },
    routeGroupCacheMs: 0,
    configCacheMs: 0,
  }),
);

function parseBoolean(value: unknown): boolean | undefined {
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  return undefined;
}

/**
 * A PUT /config body's `config`: every name must be a writable setting and every value valid, else a
 * 400 naming each offending `config.<name>` (and nothing is changed).
 */
export function parseConfigUpdate(input: Record<string, unknown>): Partial<NamesrvConfig> {
  const update: Partial<NamesrvConfig> = {};
  const details: Array<{ field: string; message: string }> = [];
  for (const [name, value] of Object.entries(input)) {
    const field = `config.${name}`;
    if (READ_ONLY_NAMES.includes(name)) {
      details.push({ field, message: "is read-only here (set by the deployment's environment)" });
    } else if (!isSettingName(name)) {
      details.push({ field, message: `unknown setting (known: ${SETTING_NAMES.join(", ")})` });
    } else {
      const parsed = parseBoolean(value);
      if (parsed === undefined) details.push({ field, message: 'must be "true" or "false"' });
      else update[name] = parsed;
    }
  }
  if (details.length > 0) {
    throw new InvalidRequestError(`Invalid settings: ${details.map((d) => d.field).join(", ")}`, details);
  }
  return update;
}

/** The settings in force, from what the table holds (anything unknown or malformed there is ignored). */
export function configFromStored(stored: Readonly<Record<string, unknown>>): NamesrvConfig {
  const config: NamesrvConfig = { ...DEFAULT_NAMESRV_CONFIG };
  for (const name of SETTING_NAMES) {
    const value = parseBoolean(stored[name]);
    if (value !== undefined) config[name] = value;
  }
  return config;
}

/** GET /config: every setting by name, as strings (RocketMQ's properties). */
export function configView(config: NamesrvConfig, deployment: DeploymentSettings): Record<string, string> {
  const view: Record<string, string> = {};
  for (const name of SETTING_NAMES) view[name] = String(config[name]);
  return { ...view, ...readOnlySettings(deployment) };
}
