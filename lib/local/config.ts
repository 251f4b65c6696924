/**
 * The local runner's settings (API.md "Running locally"), read from the environment and validated
 * up front so that a typo gives one clear message instead of a stack trace later.
 */
import { DEFAULT_FRAME_BUDGET, FRAME_BUDGET_RANGES, type FrameBudgetLimits } from "../remoting/frame-budget";
import { parseTlsSettings, type RemotingTlsSettings, type TlsSettingNames } from "../remoting/tls-settings";

/** RocketMQ's `tls.server.mode`, `tls.server.certPath`, `tls.server.keyPath` for REMOTING_PORT. */
export const REMOTING_TLS_ENV: TlsSettingNames = {
  mode: "REMOTING_TLS_MODE",
  cert: "REMOTING_TLS_CERT",
  key: "REMOTING_TLS_KEY",
};

export interface LocalConfig {
  /** HTTP API port. */
  port: number;
  /** RocketMQ remoting port (the gateway of lib/remoting); 0 turns it off. */
  remotingPort: number;
  /** The gateway's route cache period (REMOTING_ROUTE_CACHE_MS); 0 turns the cache off. */
  remotingRouteCacheMs: number;
  /** BrokerHousekeepingService: unregister a broker whose connection closes (REMOTING_UNREGISTER_ON_CLOSE). */
  remotingUnregisterOnClose: boolean;
  /**
   * The remoting port's budget for unfinished frames over all connections (lib/remoting/frame-budget.ts):
   * REMOTING_FRAME_BUDGET_BYTES, REMOTING_FRAME_BUDGET_FRAMES, REMOTING_FRAME_TIMEOUT_MS.
   */
  remotingFrameBudget: FrameBudgetLimits;
  /** TLS on REMOTING_PORT (REMOTING_TLS_MODE permissive / enforcing, REMOTING_TLS_CERT, REMOTING_TLS_KEY); none: plaintext. */
  remotingTls?: RemotingTlsSettings;
  host: string;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
  tableName: string;
  /** Where DynamoDB Local keeps its files; `:memory:` keeps nothing. */
  dataDir: string;
  sweepIntervalMs: number;
  /** Token mode: protected routes need `Authorization: Bearer <token>`. */
  token?: string;
  /** LOG_FORMAT: one readable line per request (`human`), or JSON lines (`json`). */
  logFormat: "human" | "json";
}

export const LOCAL_DEFAULTS = {
  port: 9877,
  remotingPort: 9876,
  remotingRouteCacheMs: 30_000,
  remotingUnregisterOnClose: true,
  host: "127.0.0.1",
  tableName: "namesrv",
  dataDir: ".namesrv-data",
  sweepIntervalMs: 30_000,
  logFormat: "human",
} as const;

export type ConfigResult = { ok: true; config: LocalConfig } | { ok: false; errors: string[] };

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
const MIN_SWEEP_INTERVAL_MS = 100;
const MAX_SWEEP_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** The remoting frame budget's variables; their ranges are FRAME_BUDGET_RANGES (README "Limits"). */
const FRAME_BUDGET_VARIABLES: ReadonlyArray<[string, keyof FrameBudgetLimits, string]> = [
  ["REMOTING_FRAME_BUDGET_BYTES", "maxPendingBytes", "bytes"],
  ["REMOTING_FRAME_BUDGET_FRAMES", "maxFramesInProgress", "frames in progress"],
  ["REMOTING_FRAME_TIMEOUT_MS", "frameTimeoutMs", "milliseconds"],
];

function integer(value: string): number | undefined {
  return /^\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
}

/** Empty variables count as unset (as the Lambda container treats DYNAMODB_ENDPOINT), except the token. */
function read(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

export function parseLocalConfig(env: NodeJS.ProcessEnv): ConfigResult {
  const errors: string[] = [];

  let port: number = LOCAL_DEFAULTS.port;
  const rawPort = read(env, "PORT");
  if (rawPort !== undefined) {
    const parsed = integer(rawPort);
    if (parsed === undefined || parsed > 65535) {
      errors.push(`PORT must be an integer from 0 to 65535 (0 picks a free port), got "${rawPort}"`);
    } else {
      port = parsed;
    }
  }

  let remotingPort: number = LOCAL_DEFAULTS.remotingPort;
  const rawRemotingPort = read(env, "REMOTING_PORT");
  if (rawRemotingPort !== undefined) {
    const parsed = integer(rawRemotingPort);
    if (parsed === undefined || parsed > 65535) {
      errors.push(
        `REMOTING_PORT must be an integer from 0 to 65535 (0 turns remoting off), got "${rawRemotingPort}"`,
      );
    } else {
      remotingPort = parsed;
    }
  }

  let remotingRouteCacheMs: number = LOCAL_DEFAULTS.remotingRouteCacheMs;
  const rawCache = read(env, "REMOTING_ROUTE_CACHE_MS");
  if (rawCache !== undefined) {
    const parsed = integer(rawCache);
    if (parsed === undefined || parsed > MAX_SWEEP_INTERVAL_MS) {
      errors.push(
        `REMOTING_ROUTE_CACHE_MS must be an integer number of milliseconds from 0 (off) to ${MAX_SWEEP_INTERVAL_MS}, got "${rawCache}"`,
      );
    } else {
      remotingRouteCacheMs = parsed;
    }
  }

  let remotingUnregisterOnClose: boolean = LOCAL_DEFAULTS.remotingUnregisterOnClose;
  const rawUnregister = read(env, "REMOTING_UNREGISTER_ON_CLOSE");
  if (rawUnregister !== undefined) {
    if (rawUnregister !== "true" && rawUnregister !== "false") {
      errors.push(`REMOTING_UNREGISTER_ON_CLOSE must be true or false, got "${rawUnregister}"`);
    } else {
      remotingUnregisterOnClose = rawUnregister === "true";
    }
  }
  const remotingFrameBudget: FrameBudgetLimits = { ...DEFAULT_FRAME_BUDGET };
  for (const [name, key, unit] of FRAME_BUDGET_VARIABLES) {
    const raw = read(env, name);
    if (raw === undefined) continue;
    const parsed = integer(raw);
    const { min, max } = FRAME_BUDGET_RANGES[key];
    if (parsed === undefined || parsed < min || parsed > max) {
      errors.push(`${name} must be an integer number of ${unit} from ${min} to ${max}, got "${raw}"`);
    } else {
      remotingFrameBudget[key] = parsed;
    }
  }

  const tls = parseTlsSettings(
    { mode: env.REMOTING_TLS_MODE, cert: env.REMOTING_TLS_CERT, key: env.REMOTING_TLS_KEY },
    REMOTING_TLS_ENV,
  );
  if (!tls.ok) errors.push(...tls.errors);
  const remotingTls = tls.ok ? tls.settings : undefined;
  if (errors.length === 0 && remotingPort !== 0 && remotingPort === port) {
    errors.push(`REMOTING_PORT and PORT must differ (both are ${port})`);
  }

  const host = read(env, "HOST") ?? LOCAL_DEFAULTS.host;
  if (/\s/.test(host)) errors.push(`HOST must be a host name or IP address to bind to, got "${host}"`);

  const dynamodbEndpoint = read(env, "DYNAMODB_ENDPOINT");
  if (dynamodbEndpoint !== undefined) {
    let valid = false;
    try {
      const url = new URL(dynamodbEndpoint);
      valid = url.protocol === "http:" || url.protocol === "https:";
    } catch {
      valid = false;
    }
    if (!valid) {
      errors.push(
        `DYNAMODB_ENDPOINT must be an http(s) URL such as http://127.0.0.1:8000, got "${dynamodbEndpoint}"`,
      );
    }
  }

  const tableName = read(env, "TABLE_NAME") ?? LOCAL_DEFAULTS.tableName;
  if (!TABLE_NAME.test(tableName)) {
    errors.push(
      `TABLE_NAME must be 3 to 255 characters of a-z, A-Z, 0-9, "_", "-" and ".", got "${tableName}"`,
    );
  }

  const dataDir = read(env, "NAMESRV_DATA_DIR") ?? LOCAL_DEFAULTS.dataDir;

  let sweepIntervalMs: number = LOCAL_DEFAULTS.sweepIntervalMs;
  const rawSweep = read(env, "SWEEP_INTERVAL_MS");
  if (rawSweep !== undefined) {
    const parsed = integer(rawSweep);
    if (parsed === undefined || parsed < MIN_SWEEP_INTERVAL_MS || parsed > MAX_SWEEP_INTERVAL_MS) {
      errors.push(
        `SWEEP_INTERVAL_MS must be an integer number of milliseconds from ${MIN_SWEEP_INTERVAL_MS} to ${MAX_SWEEP_INTERVAL_MS}, got "${rawSweep}"`,
      );
    } else {
      sweepIntervalMs = parsed;
    }
  }

  const token = env.NAMESRV_TOKEN;
  if (token !== undefined && !/^[!-~]+$/.test(token)) {
    errors.push(
      "NAMESRV_TOKEN must be a non-empty token of printable ASCII without spaces (unset it to turn token mode off)",
    );
  }

  const rawFormat = read(env, "LOG_FORMAT") ?? LOCAL_DEFAULTS.logFormat;
  const logFormat = rawFormat === "json" || rawFormat === "human" ? rawFormat : undefined;
  if (logFormat === undefined) errors.push(`LOG_FORMAT must be human or json, got "${rawFormat}"`);

  if (errors.length > 0 || logFormat === undefined) return { ok: false, errors };
  return {
    ok: true,
    config: {
      port,
      remotingPort,
      remotingRouteCacheMs,
      remotingUnregisterOnClose,
      remotingFrameBudget,
      host,
      tableName,
      dataDir,
      sweepIntervalMs,
      logFormat,
      ...(dynamodbEndpoint === undefined ? {} : { dynamodbEndpoint }),
      ...(token === undefined ? {} : { token }),
      ...(remotingTls === undefined ? {} : { remotingTls }),
    },
  };
}
