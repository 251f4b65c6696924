/**
 * `namesrv watch`: poll a topic's route and print every change (HTTP API only).
 */
import { RouteClient } from "../../client/route-client";
import {
  type CommandKit,
  type Context,
  EXIT_OK,
  either,
  httpUrls,
  indent,
  isCode,
  numberOption,
  timestamp,
  waitForAbort,
} from "../context";
import { describeError, describeRouteChange, renderRoute } from "../format";

export function registerWatchCommands({ cmd, run }: CommandKit): void {
  cmd("watch", "Poll a topic's route and print every change, until Ctrl-C.")
    .argument("[topic]", "the topic (or -t)")
    .option("-t, --topic <topic>", "the topic")
    .option("-i, --interval <seconds>", "polling period", "5")
    .option("--zone <zone>", "only brokers of this zone")
    .action((positional: string | undefined, opts: { topic?: string; interval: string; zone?: string }) =>
      run((context) => runWatch(context, either("topic (-t)", opts.topic, positional), opts)),
    );
}

async function runWatch(
  context: Context,
  topic: string,
  options: { interval: string; zone?: string },
): Promise<number> {
  const { io, global } = context;
  const urls = httpUrls(context, "watch");
  const intervalSeconds = numberOption("interval", options.interval, 0.1, 3600);
  const zone = options.zone;
  const client = new RouteClient({
    nameServers: urls,
    transport: context.transport,
    pollNameServerIntervalMillis: Math.round(intervalSeconds * 1000),
    ...(zone === undefined ? {} : { zone }),
  });
  const print = (event: string, fields: Record<string, unknown>, text: string) => {
    if (global.json)
      io.stdout(`${JSON.stringify({ time: new Date().toISOString(), event, topic, ...fields })}\n`);
    else io.stdout(`${timestamp()} ${text}\n`);
  };
  // What was last said about the topic, so that each state is reported once.
  let lastSaid: string | undefined;
  client.on("routeChanged", (e) => {
    lastSaid = "route";
    print(
      "routeChanged",
      { nameServer: e.nameServer, route: e.route },
      [
        `${topic}: route ${e.previous === undefined ? "found" : "changed"} (from ${e.nameServer})`,
        ...(e.previous === undefined
          ? []
          : describeRouteChange(e.previous, e.route).map((line) => `  ${line}`)),
        indent(renderRoute(topic, e.route)),
      ].join("\n"),
    );
  });
  client.on("routeRemoved", (e) => {
    lastSaid = "TOPIC_NOT_EXIST";
    print("routeRemoved", { nameServer: e.nameServer }, `${topic}: no route any more (TOPIC_NOT_EXIST)`);
  });
  client.on("routeStale", (e) => {
    const message = describeError(e.error, global.timeoutMillis);
    if (lastSaid === message) return;
    lastSaid = message;
    print("routeStale", { message }, `${topic}: ${message}; keeping the last route`);
  });

  const poll = async () => {
    try {
      await client.updateTopicRouteInfoFromNameServer(topic);
    } catch (error) {
      // No cached route: say so once per kind of problem, and keep polling.
      const notExist = isCode(error, "TOPIC_NOT_EXIST");
      const said = notExist ? "TOPIC_NOT_EXIST" : describeError(error, global.timeoutMillis);
      if (said !== lastSaid) {
        const text = notExist ? "no route yet (TOPIC_NOT_EXIST)" : said;
        print(notExist ? "noRoute" : "error", { message: text }, `${topic}: ${text}`);
        lastSaid = said;
      }
    }
  };
  if (!global.json)
    io.stdout(`watching ${topic} every ${intervalSeconds} s on ${urls.join(", ")}; Ctrl-C to stop\n`);
  await poll();
  let polling: Promise<void> | undefined;
  const timer = setInterval(() => {
    polling ??= poll().finally(() => {
      polling = undefined;
    });
  }, client.pollNameServerIntervalMillis);
  await waitForAbort(io.signal);
  clearInterval(timer);
  await polling;
  print("stopped", {}, `stopped watching ${topic}`);
  return EXIT_OK;
}
