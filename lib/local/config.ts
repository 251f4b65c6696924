/**
 * The local runner's settings (API.md "Running locally"), read from the environment and validated
 * up front so that a typo gives one clear message instead of a stack trace later.
 */
export interface LocalConfig {
  port: number;
  host: string;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
  tableName: string;
  /** Where DynamoDB Local keeps its files; `:memory:` keeps nothing. */
  dataDir: string;
  sweepIntervalMs: number;
  /** Token mode: protected routes need `Authorization: Bearer <token>`. */
  token?: string;
}

export const LOCAL_DEFAULTS = {
  port: 9876,
  host: "127.0.0.1",
  tableName: "namesrv",
  dataDir: ".namesrv-data",
  sweepIntervalMs: 30_000,
} as const;

export type ConfigResult = { ok: true; config: LocalConfig } | { ok: false; errors: string[] };

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
const MIN_SWEEP_INTERVAL_MS = 100;
const MAX_SWEEP_INTERVAL_MS = 24 * 60 * 60 * 1000;

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

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      port,
      host,
      tableName,
      dataDir,
      sweepIntervalMs,
      ...(dynamodbEndpoint === undefined ? {} : { dynamodbEndpoint }),
      ...(token === undefined ? {} : { token }),
    },
  };
}
