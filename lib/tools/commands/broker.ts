/**
 * A broker from the command line (HTTP API only): one registration from a file, or a simulated broker
 * that heartbeats until Ctrl-C.
 */

import { readFile } from "node:fs/promises";
import { BrokerAgent, checkRegisterPeriod, type TopicConfigTable } from "../../client/broker-agent";
import { NameServerClient } from "../../client/name-server-client";
import { registerBrokerSchema } from "../../domain/model";
import {
  type CommandKit,
  type Context,
  EXIT_OK,
  EXIT_REQUEST_FAILED,
  httpUrls,
  integerOption,
  timestamp,
  UsageError,
  waitForAbort,
  writeAll,
} from "../context";
import { describeError } from "../format";

export function registerBrokerCommands({ cmd, run }: CommandKit): void {
  cmd("register", "Send one registration (POST /brokers/heartbeat) read from a JSON file ('-' for stdin).")
    .argument("<file>", "the registration, as API.md's POST /brokers/heartbeat body")
    .action((file: string) => run((context) => runRegister(context, file)));
  cmd(
    "demo-broker",
    "Run a simulated broker: registers its topics and heartbeats until Ctrl-C, then unregisters.",
  )
    .option("-c, --cluster <name>", "cluster", "DefaultCluster")
    .option("-b, --name <broker>", "broker group name", "broker-a")
    .option("-i, --id <n>", "broker id: 0 master, 1.. slave", "0")
    .option("-a, --addr <host:port>", "broker address (default 127.0.0.1:10911, +10 per id)")
    .option("--ha-addr <host:port>", "HA address (default: the address's port + 1)")
    .option("--zone <zone>", "zone name")
    .option("--acting-master", "enableActingMaster")
    .option("--topics <n>", "number of topics", "2")
    .option("--topic-prefix <p>", "topic names: <p>-0, <p>-1, ...", "TopicTest")
    .option("--queues <n>", "read and write queues per topic", "4")
    .option("--period <seconds>", "heartbeat period, 10 to 60", "10")
    .option("--heartbeat-timeout <seconds>", "heartbeatTimeoutMillis in seconds", "120")
    .action((opts: DemoBrokerOptions) => run((context) => runDemoBroker(context, opts)));
}

async function runRegister(context: Context, file: string): Promise<number> {
  const urls = httpUrls(context, "register");
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Checked here for a clear message before anything is sent; the registry checks again.
  const parsed = registerBrokerSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new UsageError(`${file} is not a valid registration: ${problems}`);
  }
  const request = parsed.data;
  const clients = new Map(urls.map((url) => [url, new NameServerClient(url, context.transport)]));
  return writeAll(context, async (e) => {
    const client = clients.get(e.address);
    if (client === undefined) throw new Error(`no client for ${e.address}`);
    const r = await client.registerBroker(request);
    const who = `${request.brokerName} (id ${request.brokerId}, ${request.brokerAddr})`;
    const kind = request.topicConfigTable === undefined ? "heartbeat for" : "registered";
    const master = r.masterAddr === undefined ? "" : `; master ${r.masterAddr} (HA ${r.haServerAddr ?? "-"})`;
    return { text: `${kind} ${who}; topicConfigApplied=${r.topicConfigApplied}${master}`, json: { ...r } };
  });
}
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}
interface DemoBrokerOptions {
  cluster: string;
  name: string;
  id: string;
  addr?: string;
  haAddr?: string;
  zone?: string;
  actingMaster?: boolean;
  topics: string;
  topicPrefix: string;
  queues: string;
  period: string;
  heartbeatTimeout: string;
}

async function runDemoBroker(context: Context, options: DemoBrokerOptions): Promise<number> {
  const { io, global } = context;
  const urls = httpUrls(context, "demo-broker");
  const brokerId = integerOption("id", options.id, 0, 1_000_000);
  const brokerAddr = options.addr ?? `127.0.0.1:${10911 + 10 * Math.min(brokerId, 5000)}`;
  const port = Number(brokerAddr.slice(brokerAddr.lastIndexOf(":") + 1));
  const haServerAddr =
    options.haAddr ??
    (Number.isInteger(port) && port < 65535
      ? `${brokerAddr.slice(0, brokerAddr.lastIndexOf(":"))}:${port + 1}`
      : undefined);
  const topicCount = integerOption("topics", options.topics, 0, 10_000);
  const queues = integerOption("queues", options.queues, 1, 1024);
  const prefix = options.topicPrefix;
  const periodSeconds = integerOption("period", options.period, 10, 60);
  const timeoutSeconds = integerOption(
    "heartbeat-timeout",
    options.heartbeatTimeout,
    periodSeconds + 1,
    3600,
  );

  const topicConfigTable: TopicConfigTable = {};
  for (let i = 0; i < topicCount; i++) {
    const topicName = `${prefix}-${i}`;
    topicConfigTable[topicName] = { topicName, readQueueNums: queues, writeQueueNums: queues, perm: 6 };
  }
  const dataVersion = { stateVersion: 0, timestamp: Date.now(), counter: 1 };
  let agent: BrokerAgent;
  try {
    agent = new BrokerAgent({
      broker: {
        clusterName: options.cluster,
        brokerName: options.name,
        brokerId,
        brokerAddr,
        ...(haServerAddr === undefined ? {} : { haServerAddr }),
        ...(options.zone === undefined ? {} : { zoneName: options.zone }),
        enableActingMaster: options.actingMaster === true,
        heartbeatTimeoutMillis: timeoutSeconds * 1000,
      },
      nameServers: urls,
      topicState: () => ({ topicConfigTable, dataVersion }),
      registerNameServerPeriodMillis: checkRegisterPeriod(periodSeconds * 1000),
      transport: context.transport,
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }

  const print = (event: string, fields: Record<string, unknown>, line: string) => {
    if (global.json) io.stdout(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
    else io.stdout(`${timestamp()} ${line}\n`);
  };
  const masterNote = (e: { masterAddr?: string; haServerAddr?: string }) =>
    e.masterAddr === undefined ? "" : ` (master ${e.masterAddr}, HA ${e.haServerAddr ?? "-"})`;
  agent.on("registered", (e) =>
    print(
      "registered",
      { ...e },
      `${e.nameServer}: registered with ${topicCount} topic(s) [${e.reason}]${
        e.topicConfigApplied ? "" : ", topics left to the master"
      }${masterNote(e)}`,
    ),
  );
  agent.on("heartbeat", (e) => print("heartbeat", { ...e }, `${e.nameServer}: heartbeat ok${masterNote(e)}`));
  agent.on("error", (e) =>
    print(
      "error",
      {
        nameServer: e.nameServer,
        operation: e.operation,
        message: describeError(e.error, global.timeoutMillis),
      },
      `${e.operation} failed: ${describeError(e.error, global.timeoutMillis)}`,
    ),
  );
  agent.on("backoff", (e) =>
    print("backoff", { ...e }, `${e.nameServer}: retrying in ${(e.delayMillis / 1000).toFixed(1)} s`),
  );
  let unregistered = 0;
  agent.on("unregistered", (e) => {
    unregistered += 1;
    print("unregistered", { ...e }, `${e.nameServer}: unregistered`);
  });

  if (!global.json) {
    io.stdout(
      `demo broker ${options.name} id ${brokerId} (pid ${process.pid}) at ${brokerAddr}: ${topicCount} topic(s) (${prefix}-0..), ` +
        `heartbeat every ${periodSeconds} s to ${urls.join(", ")}. Ctrl-C unregisters and exits.\n`,
    );
  }
  await agent.start();
  await waitForAbort(io.signal);
  print("stopping", { nameServers: urls }, `stopping: unregistering from ${urls.length} NameServer(s)`);
  await agent.stop();
  const stopped =
    unregistered === urls.length
      ? `stopped: unregistered from every NameServer`
      : `stopped: unregistered from ${unregistered} of ${urls.length} NameServer(s); the others drop it after ${timeoutSeconds} s`;
  print("stopped", { unregistered, nameServers: urls.length }, stopped);
  return unregistered === 0 && urls.length > 0 ? EXIT_REQUEST_FAILED : EXIT_OK;
}
