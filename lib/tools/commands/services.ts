/**
 * Long-running services started from the CLI: the remoting gateway and the status page.
 */

import type { GatewayTlsSettings } from "../../gateway/run-gateway";
import {
  DEFAULT_FRAME_BUDGET,
  FRAME_BUDGET_RANGES,
  type FrameBudgetLimits,
} from "../../remoting/frame-budget";
import { parseTlsSettings } from "../../remoting/tls-settings";
import {
  type CommandKit,
  type Context,
  DEFAULT_NAMESRV_URL,
  EXIT_OK,
  httpUrls,
  integerOption,
  UsageError,
  waitForAbort,
} from "../context";

export function registerServicesCommands({ cmd, run }: CommandKit): void {
  cmd(
    "gateway",
    "Serve RocketMQ's remoting protocol (brokers, clients, mqadmin) in front of the registry at --url.",
  )
    .option(
      "--listen <host:port>",
      "where RocketMQ components connect (namesrvAddr), e.g. 127.0.0.1:9876 (default: NAMESRV_GATEWAY_LISTEN)",
    )
    .option(
      "--cache-interval <ms>",
      "route cache refresh period, one POST /routes per period, 0 = off (default: NAMESRV_GATEWAY_CACHE_INTERVAL_MS or 30000)",
    )
    .option(
      "--full-refresh <ms>",
      "with the registry's change feed, refetch every cached route at least this often, 60000 to 86400000 (default: NAMESRV_GATEWAY_FULL_REFRESH_MS or 3600000)",
    )
    .option("--keep-brokers-on-close", "do not unregister a broker when its connection closes")
    .option(
      "--health-port <[host:]port>",
      "serve GET /health (200 while the registry answers) on this port of the --listen host, or on host:port (default: NAMESRV_GATEWAY_HEALTH_PORT)",
    )
    .option(
      "--drain-timeout <ms>",
      "on SIGTERM: GO_AWAY to 5.x clients and finish in-flight requests for up to this long (default: NAMESRV_GATEWAY_DRAIN_MS or 15000)",
    )
    .option(
      "--frame-budget-bytes <n>",
      `bytes of unfinished frames held over all connections before the one adding more is closed, ${range("maxPendingBytes")} (default: NAMESRV_GATEWAY_FRAME_BUDGET_BYTES or ${DEFAULT_FRAME_BUDGET.maxPendingBytes})`,
    )
    .option(
      "--frame-budget-frames <n>",
      `connections holding an unfinished frame at once before one more is closed, ${range("maxFramesInProgress")} (default: NAMESRV_GATEWAY_FRAME_BUDGET_FRAMES or ${DEFAULT_FRAME_BUDGET.maxFramesInProgress})`,
    )
    .option(
      "--frame-timeout <ms>",
      `time from a frame's first byte to its last before the slow sender is closed, ${range("frameTimeoutMs")} (default: NAMESRV_GATEWAY_FRAME_TIMEOUT_MS or ${DEFAULT_FRAME_BUDGET.frameTimeoutMs})`,
    )
    .option(
      "--tls-mode <mode>",
      "TLS on the remoting port, as RocketMQ's tls.server.mode: disabled, permissive (TLS and plaintext on the same port) or enforcing (TLS only) (default: NAMESRV_GATEWAY_TLS_MODE or disabled)",
    )
    .option("--tls-cert <file>", "PEM certificate (chain) for TLS (default: NAMESRV_GATEWAY_TLS_CERT)")
    .option("--tls-key <file>", "PEM private key, unencrypted, for TLS (default: NAMESRV_GATEWAY_TLS_KEY)")
    .action(
      (opts: {
        listen?: string;
        cacheInterval?: string;
        fullRefresh?: string;
        keepBrokersOnClose?: boolean;
        healthPort?: string;
        drainTimeout?: string;
        frameBudgetBytes?: string;
        frameBudgetFrames?: string;
        frameTimeout?: string;
        tlsMode?: string;
        tlsCert?: string;
        tlsKey?: string;
      }) =>
        run(async (context) => {
          const [url] = httpUrls(context, "gateway");
          const env = context.io.env;
          const listen = opts.listen ?? env.NAMESRV_GATEWAY_LISTEN;
          if (listen === undefined || listen.trim() === "") {
            throw new UsageError("gateway: --listen <host:port> (or NAMESRV_GATEWAY_LISTEN) is required");
          }
          const cacheInterval = opts.cacheInterval ?? env.NAMESRV_GATEWAY_CACHE_INTERVAL_MS ?? "30000";
          const fullRefresh = opts.fullRefresh ?? env.NAMESRV_GATEWAY_FULL_REFRESH_MS;
          const healthPort = opts.healthPort ?? env.NAMESRV_GATEWAY_HEALTH_PORT;
          const drainTimeout = opts.drainTimeout ?? env.NAMESRV_GATEWAY_DRAIN_MS;
          const frameBudget = frameBudgetOptions({
            maxPendingBytes: [
              "frame-budget-bytes",
              opts.frameBudgetBytes ?? env.NAMESRV_GATEWAY_FRAME_BUDGET_BYTES,
            ],
            maxFramesInProgress: [
              "frame-budget-frames",
              opts.frameBudgetFrames ?? env.NAMESRV_GATEWAY_FRAME_BUDGET_FRAMES,
            ],
            frameTimeoutMs: ["frame-timeout", opts.frameTimeout ?? env.NAMESRV_GATEWAY_FRAME_TIMEOUT_MS],
          });
          const tls = gatewayTls(opts, env);
          const { runGatewayCommand } = await import("../../gateway/run-gateway");
          return runGatewayCommand({
            listen,
            url: url ?? DEFAULT_NAMESRV_URL,
            auth: context.global.auth,
            timeoutMillis: context.global.timeoutMillis,
            routeCacheIntervalMs: integerOption("cache-interval", cacheInterval, 0, 3_600_000),
            ...(fullRefresh === undefined || fullRefresh === ""
              ? {}
              : { routeFullRefreshEveryMs: integerOption("full-refresh", fullRefresh, 60_000, 86_400_000) }),
            unregisterOnClose: opts.keepBrokersOnClose !== true,
            ...healthListen(healthPort),
            ...(drainTimeout === undefined || drainTimeout === ""
              ? {}
              : { drainMs: integerOption("drain-timeout", drainTimeout, 0, 600_000) }),
            ...(frameBudget === undefined ? {} : { frameBudget }),
            ...(tls === undefined ? {} : { tls }),
            stdout: context.io.stdout,
            ...(context.io.signal === undefined ? {} : { signal: context.io.signal }),
          });
        }),
    );

  cmd(
    "dashboard",
    "Serve the status page (brokers and heartbeats, topics, KV, self-preservation, history, settings) of the first --url, every further --url side by side with what differs, until Ctrl-C.",
  )
    .option("--listen <host:port>", "where to serve the page", "127.0.0.1:8088")
    .addHelpText("after", "\nAn execute-api URL is signed with SigV4 (AWS credential chain).")
    .action((opts: { listen: string }) => run((context) => runDashboard(context, opts.listen)));
}

async function runDashboard(context: Context, listen: string): Promise<number> {
  const { io, global } = context;
  const [apiUrl = DEFAULT_NAMESRV_URL, ...compareUrls] = httpUrls(context, "dashboard");
  const { parseListen, startDashboard } = await import("../../dashboard/server");
  try {
    parseListen(listen);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const dashboard = await startDashboard({
    apiUrl,
    listen,
    timeoutMillis: global.timeoutMillis,
    env: io.env,
    compareUrls,
    ...(global.auth.kind === "none" ? {} : { auth: global.auth }),
  });
  const others = compareUrls.length === 0 ? "" : `, compared with ${compareUrls.join(", ")}`;
  io.stdout(`Status page of ${apiUrl}${others} at ${dashboard.url} (Ctrl-C stops)\n`);
  await waitForAbort(io.signal);
  await dashboard.close();
  io.stdout("Status page stopped\n");
  return EXIT_OK;
}

/**
 * `--tls-mode`, `--tls-cert`, `--tls-key`, each falling back to its NAMESRV_GATEWAY_TLS_* variable;
 * a refusal names whichever of the two was given. Undefined: plaintext only.
 */
function gatewayTls(
  opts: { tlsMode?: string; tlsCert?: string; tlsKey?: string },
  env: NodeJS.ProcessEnv,
): GatewayTlsSettings | undefined {
  const pick = (flag: string, given: string | undefined, variable: string) =>
    given !== undefined
      ? { value: given, name: flag }
      : { value: env[variable], name: env[variable] === undefined ? flag : variable };
  const mode = pick("--tls-mode", opts.tlsMode, "NAMESRV_GATEWAY_TLS_MODE");
  const cert = pick("--tls-cert", opts.tlsCert, "NAMESRV_GATEWAY_TLS_CERT");
  const key = pick("--tls-key", opts.tlsKey, "NAMESRV_GATEWAY_TLS_KEY");
  const names = { mode: mode.name, cert: cert.name, key: key.name };
  const result = parseTlsSettings({ mode: mode.value, cert: cert.value, key: key.value }, names);
  if (!result.ok) throw new UsageError(result.errors.join("; "));
  return result.settings === undefined ? undefined : { ...result.settings, names };
}

/** `--health-port 9880` (the --listen host) or `--health-port 0.0.0.0:9880`. */
function healthListen(value: string | undefined): { healthPort?: number; healthHost?: string } {
  if (value === undefined || value.trim() === "") return {};
  const match = /^(?:(.+):)?([^:]+)$/.exec(value.trim());
  const host = match?.[1];
  const port = integerOption("health-port", match?.[2] ?? value, 0, 65_535);
  return host === undefined ? { healthPort: port } : { healthPort: port, healthHost: host };
}

function range(key: keyof FrameBudgetLimits): string {
  const { min, max } = FRAME_BUDGET_RANGES[key];
  return `${min} to ${max}`;
}

/** The frame budget's flags (or their environment fallbacks), each checked against FRAME_BUDGET_RANGES. */
function frameBudgetOptions(
  values: {
    [K in keyof FrameBudgetLimits]: [flag: string, value: string | undefined];
  },
): Partial<FrameBudgetLimits> | undefined {
  const budget: Partial<FrameBudgetLimits> = {};
  for (const key of Object.keys(values) as Array<keyof FrameBudgetLimits>) {
    const [flag, value] = values[key];
    if (value === undefined || value === "") continue;
    const { min, max } = FRAME_BUDGET_RANGES[key];
    budget[key] = integerOption(flag, value, min, max);
  }
  return Object.keys(budget).length === 0 ? undefined : budget;
}
