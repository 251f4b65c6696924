/**
 * Long-running services started from the CLI: the remoting gateway and the status page.
 */
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
    .requiredOption(
      "--listen <host:port>",
      "where RocketMQ components connect (namesrvAddr), e.g. 127.0.0.1:9876",
    )
    .option(
      "--cache-interval <ms>",
      "route cache refresh period, one POST /routes per period (0 = off)",
      "30000",
    )
    .option("--keep-brokers-on-close", "do not unregister a broker when its connection closes")
    .action((opts: { listen: string; cacheInterval: string; keepBrokersOnClose?: boolean }) =>
      run(async (context) => {
        const [url] = httpUrls(context, "gateway");
        const { runGatewayCommand } = await import("../../gateway/run-gateway");
        return runGatewayCommand({
          listen: opts.listen,
          url: url ?? DEFAULT_NAMESRV_URL,
          auth: context.global.auth,
          timeoutMillis: context.global.timeoutMillis,
          routeCacheIntervalMs: integerOption("cache-interval", opts.cacheInterval, 0, 3_600_000),
          unregisterOnClose: opts.keepBrokersOnClose !== true,
          stdout: context.io.stdout,
          ...(context.io.signal === undefined ? {} : { signal: context.io.signal }),
        });
      }),
    );

  cmd(
    "dashboard",
    "Serve the status page (brokers and heartbeats, topics, KV, self-preservation) of the first --url, until Ctrl-C.",
  )
    .option("--listen <host:port>", "where to serve the page", "127.0.0.1:8088")
    .addHelpText("after", "\nAn execute-api URL is signed with SigV4 (AWS credential chain).")
    .action((opts: { listen: string }) => run((context) => runDashboard(context, opts.listen)));
}

async function runDashboard(context: Context, listen: string): Promise<number> {
  const { io, global } = context;
  const [apiUrl = DEFAULT_NAMESRV_URL] = httpUrls(context, "dashboard");
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
    ...(global.auth.kind === "none" ? {} : { auth: global.auth }),
  });
  io.stdout(`Status page of ${apiUrl} at ${dashboard.url} (Ctrl-C stops)\n`);
  await waitForAbort(io.signal);
  await dashboard.close();
  io.stdout("Status page stopped\n");
  return EXIT_OK;
}
