/**
 * `npm start`: the whole registry on this machine (API.md "Running locally"). Settings come from the
 * environment (see config.ts); Ctrl-C / SIGTERM stops the server, the sweeper and DynamoDB Local.
 */
import { parseLocalConfig, REMOTING_TLS_ENV } from "./config";

// The SDK warns that its 2027 releases need Node 22; Node 20 is supported here until then.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { createServer } from "node:net";
import { NameServerClient } from "../client/name-server-client";
import { Transport } from "../client/transport";
import { RemotingAccessControl } from "../gateway/acl/access";
import { type AclConfig, describeAclConfig } from "../gateway/acl/acl-config";
import { ACL_FILE_ENV, loadAclFromEnvironment } from "../gateway/acl/acl-source";
import { type RemotingGateway, startRemotingGateway } from "../gateway/gateway";
import { registryApiOf } from "../gateway/registry-api";
import { remotingCallerHeaders } from "../gateway/remoting-caller";
import { DEFAULT_FRAME_BUDGET, describeFrameBudget } from "../remoting/frame-budget";
import { requestCodeName, responseCodeName } from "../remoting/protocol";
import type { RemotingTlsOptions } from "../remoting/server";
import { loadTlsSettings } from "../remoting/tls-settings";
import { JavaMissingError } from "./dynamodb-local";
import { type LocalRegistry, startLocalRegistry } from "./registry";
import { requestLogger, subjectOfRemoting } from "./request-log";

/** Remoting in token mode without accounts: unsigned reads, no writes (README "Security"). */
const TOKEN_MODE_REMOTING_ACL: AclConfig = { anonymous: "read", accounts: [] };

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Binds the port for a moment: in use → why, before anything (DynamoDB Local's JVM) is started. */
function portProblem(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      resolvePort(
        error.code === "EADDRINUSE" ? "is in use" : `cannot be bound (${error.code ?? error.message})`,
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolvePort(undefined)));
  });
}

async function checkPorts(host: string, ports: ReadonlyArray<[string, number]>): Promise<void> {
  const problems: string[] = [];
  for (const [name, port] of ports) {
    if (port === 0) continue;
    const problem = await portProblem(host, port);
    if (problem !== undefined) problems.push(`${host}:${port} (${name}) ${problem}`);
  }
  if (problems.length > 0) {
    fail(
      `Cannot start the local NameServer: ${problems.join("; ")}.\n` +
        "  Is another `npm start` running? Stop it, or pick free ports, e.g. PORT=19877 REMOTING_PORT=19876 npm start",
    );
  }
}

async function main(): Promise<void> {
  const parsed = parseLocalConfig(process.env);
  if (!parsed.ok) fail(`Cannot start the local NameServer:\n  ${parsed.errors.join("\n  ")}`);
  const { config } = parsed;
  await checkPorts(config.host, [
    ["PORT", config.port],
    ["REMOTING_PORT", config.remotingPort],
  ]);

  // Remoting accounts (NAMESRV_ACL_FILE): read before anything starts, so a typo stops here.
  let acl: AclConfig | undefined;
  try {
    acl = await loadAclFromEnvironment(process.env);
  } catch (error) {
    fail(`Cannot start the local NameServer: ${error instanceof Error ? error.message : String(error)}`);
  }

  // TLS on the remoting port (REMOTING_TLS_*): the files are read and paired before anything starts.
  let remotingTls: RemotingTlsOptions | undefined;
  if (config.remotingTls !== undefined && config.remotingPort !== 0) {
    try {
      remotingTls = await loadTlsSettings(config.remotingTls, REMOTING_TLS_ENV);
    } catch (error) {
      fail(`Cannot start the local NameServer: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // NAMESRV_TOKEN guards the HTTP API; a remoting port open to anonymous writers would undo it (an
  // unsigned REGISTER_BROKER could take over a topic). Without accounts (NAMESRV_ACL_FILE), token
  // mode therefore serves unsigned remoting reads only; accounts, when given, decide instead.
  const remotingAcl: AclConfig | undefined =
    acl ?? (config.token === undefined ? undefined : TOKEN_MODE_REMOTING_ACL);

  const json = config.logFormat === "json";
  const logRequest = requestLogger(config.logFormat, (line) => process.stdout.write(`${line}\n`));
  const progress = (message: string) =>
    process.stdout.write(
      json
        ? `${JSON.stringify({ time: new Date().toISOString(), level: "INFO", message })}\n`
        : `${message}\n`,
    );
  // A person reads the request lines; the handlers' own INFO logs (JSON, as on Lambda) would bury them.
  const quiet =
    !json && process.env.POWERTOOLS_LOG_LEVEL === undefined && process.env.LOG_LEVEL === undefined;

  let registry: LocalRegistry;
  try {
    registry = await startLocalRegistry({
      port: config.port,
      host: config.host,
      tableName: config.tableName,
      dataDir: config.dataDir,
      sweepIntervalMs: config.sweepIntervalMs,
      onRequest: logRequest,
      onProgress: progress,
      ...(quiet ? { logLevel: "WARN" as const } : {}),
      ...(config.dynamodbEndpoint === undefined ? {} : { dynamodbEndpoint: config.dynamodbEndpoint }),
      ...(config.token === undefined ? {} : { token: config.token }),
      // Never serve 503 forever: a DynamoDB Local that died and cannot come back ends the process.
      onFatal: (error) => fail(`The local NameServer stopped: ${error.message}`),
    });
  } catch (error) {
    if (error instanceof JavaMissingError) fail(error.message);
    const reason = error instanceof Error ? error.message : String(error);
    fail(`Cannot start the local NameServer: ${reason}`);
  }

  // RocketMQ's protocol on REMOTING_PORT, through the same HTTP API every other client uses.
  let gateway: RemotingGateway | undefined;
  if (config.remotingPort !== 0) {
    const transport = new Transport({
      auth: config.token === undefined ? { kind: "none" } : { kind: "bearer", token: config.token },
      contextHeaders: remotingCallerHeaders,
    });
    try {
      gateway = await startRemotingGateway({
        host: config.host,
        port: config.remotingPort,
        client: registryApiOf(new NameServerClient(registry.url, transport)),
        routeCacheIntervalMs: config.remotingRouteCacheMs,
        unregisterOnClose: config.remotingUnregisterOnClose,
        frameBudget: config.remotingFrameBudget,
        ...(remotingTls === undefined ? {} : { tls: remotingTls }),
        ...(remotingAcl === undefined ? {} : { acl: new RemotingAccessControl(remotingAcl) }),
        onRequest: (e) =>
          logRequest({
            time: e.time,
            protocol: "remoting",
            method: requestCodeName(e.code) ?? `code ${e.code}`,
            status: responseCodeName(e.responseCode) ?? `code ${e.responseCode}`,
            durationMs: e.durationMs,
            ...subjectOfRemoting(e.extFields),
          }),
      });
    } catch (error) {
      await registry.stop();
      const reason = error instanceof Error ? error.message : String(error);
      fail(
        `Cannot start the RocketMQ remoting gateway on ${config.host}:${config.remotingPort} (REMOTING_PORT): ${reason}`,
      );
    }
  }

  const storage =
    registry.dataDir === undefined
      ? `DynamoDB at ${registry.dynamodbEndpoint} (DYNAMODB_ENDPOINT)`
      : registry.dataDir === ":memory:"
        ? `DynamoDB Local at ${registry.dynamodbEndpoint}, in memory (nothing is kept)`
        : `DynamoDB Local at ${registry.dynamodbEndpoint}, data in ${registry.dataDir}`;
  // The budget is named only when REMOTING_FRAME_BUDGET_* / REMOTING_FRAME_TIMEOUT_MS changed it.
  const frameBudgetChanged = (
    Object.keys(DEFAULT_FRAME_BUDGET) as Array<keyof typeof DEFAULT_FRAME_BUDGET>
  ).some((key) => config.remotingFrameBudget[key] !== DEFAULT_FRAME_BUDGET[key]);
  // One write, so that whoever waits for the first line (spawnLocalRegistry) gets the whole banner.
  console.log(
    [
      `NameServer listening on ${registry.url}`,
      gateway === undefined
        ? "  RocketMQ remoting off (REMOTING_PORT=0)"
        : `  RocketMQ remoting (namesrvAddr) on ${config.host}:${gateway.port}` +
          (remotingTls === undefined
            ? ""
            : remotingTls.mode === "enforcing"
              ? "; TLS only (REMOTING_TLS_MODE=enforcing)"
              : "; TLS and plaintext (REMOTING_TLS_MODE=permissive)") +
          (acl !== undefined
            ? `; signed requests only (${ACL_FILE_ENV}: ${describeAclConfig(acl)})`
            : remotingAcl !== undefined
              ? `; token mode: unsigned reads only, writes refused (brokers need accounts: ${ACL_FILE_ENV})`
              : "") +
          (frameBudgetChanged ? `; ${describeFrameBudget(config.remotingFrameBudget)}` : ""),
      `  ${storage}, table ${registry.tableName}`,
      `  sweeper every ${config.sweepIntervalMs} ms${config.token === undefined ? "" : "; token mode on"}`,
      ...(json
        ? []
        : ["  one line per request below (time, request, status, duration, broker/topic); Ctrl-C stops"]),
    ].join("\n"),
  );

  let stoppingSince: number | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      // npm and tsx relay the terminal's signal too: the same Ctrl-C arrives more than once.
      if (Date.now() - stoppingSince < 2000) return;
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    stoppingSince = Date.now();
    console.log(`${signal}: stopping`);
    (gateway?.close() ?? Promise.resolve())
      .then(() => registry.stop())
      .then(
        () => process.exit(0),
        (error: unknown) =>
          fail(`Error while stopping: ${error instanceof Error ? error.message : String(error)}`),
      );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch((error: unknown) =>
  fail(`Cannot start the local NameServer: ${error instanceof Error ? error.message : String(error)}`),
);
