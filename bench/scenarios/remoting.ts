/**
 * Remoting speed, side by side with Apache RocketMQ's own NameServer on the same machine:
 * GET_ROUTEINFO_BY_TOPIC and REGISTER_BROKER over 1 connection and over 10 (closed loop: one request
 * in flight per connection, as a client thread's sync invoke), against RocketMQ's NameServer, the
 * registry's remoting port (`npm start`) and `namesrv gateway` in front of the registry's HTTP API.
 * Every target is driven by the same RemotingClient (lib/remoting/remoting-client.ts); figures are
 * requests per second and latency percentiles, reported as ratios to RocketMQ's NameServer.
 */
import { performance } from "node:perf_hooks";
import type { RemotingCommand } from "../../lib/remoting/codec";
import { RequestCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";

export interface RemotingTarget {
  name: string;
  addr: string;
}

export interface RemotingSizes {
  /** Measured time per (target, operation, connections). */
  durationMs: number;
  /** Unmeasured warm-up per case (JIT, connection set-up, the gateway's route cache). */
  warmupMs: number;
  connections: number[];
  /** Topics in each REGISTER_BROKER body. */
  topicsPerRegistration: number;
}

export const FULL_REMOTING_SIZES: RemotingSizes = {
  durationMs: 10_000,
  warmupMs: 2_000,
  connections: [1, 10],
  topicsPerRegistration: 10,
};

export const QUICK_REMOTING_SIZES: RemotingSizes = {
  durationMs: 3_000,
  warmupMs: 1_000,
  connections: [1, 10],
  topicsPerRegistration: 10,
};

export interface RemotingFigure {
  target: string;
  /** REGISTER_BROKER: a changed dataVersion every time; steady: the same body every time (a broker's 30 s). */
  operation: "GET_ROUTEINFO_BY_TOPIC" | "REGISTER_BROKER" | "REGISTER_BROKER steady";
  connections: number;
  /** Successful requests (code 0); req/s and latencies are of these only. */
  requests: number;
  errors: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export const BENCH_TOPIC = "BenchRouteTopic";
export const BENCH_CLUSTER = "BenchCluster";

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** A 5.3.3 broker's REGISTER_BROKER header and uncompressed RegisterBrokerBody (RemotingSerializable style). */
export function registration(brokerName: string, brokerPort: number, topics: string[], counter: number) {
  const now = Date.now();
  const dataVersion = { counter, stateVersion: 0, timestamp: now };
  const topicConfigTable: Record<string, unknown> = {};
  for (const topicName of topics) {
    topicConfigTable[topicName] = {
      attributes: {},
      order: false,
      perm: 6,
      readQueueNums: 8,
      topicFilterType: "SINGLE_TAG",
      topicName,
      topicSysFlag: 0,
      writeQueueNums: 8,
    };
  }
  const body = Buffer.from(
    JSON.stringify({
      filterServerList: [],
      topicConfigSerializeWrapper: {
        dataVersion,
        mappingDataVersion: { counter: 0, stateVersion: 0, timestamp: now },
        topicConfigTable,
        topicQueueMappingDetailMap: {},
        topicQueueMappingInfoMap: {},
      },
    }),
  );
  const brokerAddr = `127.0.0.1:${brokerPort}`;
  const ext = {
    brokerAddr,
    brokerId: "0",
    brokerName,
    clusterName: BENCH_CLUSTER,
    compressed: "false",
    enableActingMaster: "false",
    haServerAddr: `127.0.0.1:${brokerPort + 1}`,
  };
  return { ext, body };
}

/**
 * Registers the broker that serves BENCH_TOPIC and keeps it registered as a broker does (again every
 * 20 s, on the same connection: a NameServer expires a broker after 120 s without one, and
 * unregisters it when its connection closes). `close()` after the bench.
 */
export async function seedRoute(addr: string): Promise<{ close(): void }> {
  const client = new RemotingClient(addr, { timeoutMs: 10_000 });
  try {
    // Two topics: RocketMQ 5.x refuses a first registration with exactly one topic ("Can't register
    // topicConfigWrapper ... because broker has not registered": the single-topic increment path).
    const { ext, body } = registration("bench-route-broker", 20911, [BENCH_TOPIC, "bench-route-broker"], 1);
    const response = await client.invoke(RequestCode.REGISTER_BROKER, ext, body);
    if (response.code !== 0)
      throw new Error(`seeding ${addr}: REGISTER_BROKER answered ${response.code} ${response.remark ?? ""}`);
    const route = await client.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: BENCH_TOPIC });
    if (route.code !== 0)
      throw new Error(`seeding ${addr}: no route for ${BENCH_TOPIC} (${route.code} ${route.remark ?? ""})`);
    const timer = setInterval(() => {
      client.invoke(RequestCode.REGISTER_BROKER, ext, body).catch(() => {});
    }, 20_000);
    return {
      close() {
        clearInterval(timer);
        client.close();
      },
    };
  } catch (error) {
    client.close();
    throw error;
  }
}

async function closedLoop(
  addr: string,
  connections: number,
  durationMs: number,
  request: (connection: number, n: number) => { code: number; ext: Record<string, string>; body?: Buffer },
): Promise<{ latencies: number[]; errors: number; elapsedMs: number }> {
  const clients = Array.from({ length: connections }, () => new RemotingClient(addr, { timeoutMs: 30_000 }));
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  try {
    await Promise.all(
      clients.map(async (client, connection) => {
        let n = 0;
        while (performance.now() < deadline) {
          const { code, ext, body } = request(connection, n++);
          const t0 = performance.now();
          let response: RemotingCommand | undefined;
          try {
            response = await client.invoke(code, ext, body);
          } catch {
            response = undefined;
          }
          if (response?.code === 0) latencies.push(performance.now() - t0);
          else errors++;
        }
      }),
    );
  } finally {
    for (const client of clients) client.close();
  }
  return { latencies, errors, elapsedMs: performance.now() - started };
}

export async function runRemoting(
  targets: RemotingTarget[],
  sizes: RemotingSizes,
  log: (message: string) => void = () => {},
): Promise<RemotingFigure[]> {
  const figures: RemotingFigure[] = [];
  const topics = Array.from({ length: sizes.topicsPerRegistration }, (_, i) => `BenchRegTopic${i}`);
  for (const target of targets) {
    for (const connections of sizes.connections) {
      for (const operation of [
        "GET_ROUTEINFO_BY_TOPIC",
        "REGISTER_BROKER",
        "REGISTER_BROKER steady",
      ] as const) {
        // One fixed registration per connection: what a broker sends every 30 s when nothing changed.
        const steady = new Map<number, ReturnType<typeof registration>>();
        const make = (connection: number, n: number) =>
          operation === "GET_ROUTEINFO_BY_TOPIC"
            ? { code: RequestCode.GET_ROUTEINFO_BY_TOPIC, ext: { topic: BENCH_TOPIC } }
            : operation === "REGISTER_BROKER steady"
              ? (() => {
                  let r = steady.get(connection);
                  if (r === undefined) {
                    r = registration(`bench-steady-${connection}`, 22000 + 10 * connection, topics, 1);
                    steady.set(connection, r);
                  }
                  return { code: RequestCode.REGISTER_BROKER, ext: r.ext, body: r.body };
                })()
              : (() => {
                  // One broker per connection, re-registering (the 30 s heartbeat, here back to back).
                  const { ext, body } = registration(
                    `bench-broker-${connection}`,
                    21000 + 10 * connection,
                    topics,
                    n + 2,
                  );
                  return { code: RequestCode.REGISTER_BROKER, ext, body };
                })();
        log(`remoting: ${target.name} ${operation} over ${connections} connection(s)`);
        await closedLoop(target.addr, connections, sizes.warmupMs, make);
        const { latencies, errors, elapsedMs } = await closedLoop(
          target.addr,
          connections,
          sizes.durationMs,
          make,
        );
        latencies.sort((a, b) => a - b);
        figures.push({
          target: target.name,
          operation,
          connections,
          requests: latencies.length,
          errors,
          perSecond: round((latencies.length / elapsedMs) * 1000, 1),
          p50Ms: round(percentile(latencies, 50)),
          p99Ms: round(percentile(latencies, 99)),
        });
      }
    }
  }
  return figures;
}

/** The table: one row per case, with the ratio of its throughput to RocketMQ's NameServer's. */
export function remotingReport(figures: RemotingFigure[], baseline: string): string {
  const lines = [
    "| target | operation | conns | req/s | p50 ms | p99 ms | errors | × RocketMQ req/s |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const f of figures) {
    const base = figures.find(
      (b) => b.target === baseline && b.operation === f.operation && b.connections === f.connections,
    );
    const ratio =
      base === undefined || base.perSecond === 0 ? "" : `${round(f.perSecond / base.perSecond, 3)}×`;
    lines.push(
      `| ${f.target} | ${f.operation} | ${f.connections} | ${f.perSecond} | ${f.p50Ms} | ${f.p99Ms} | ${f.errors} | ${ratio} |`,
    );
  }
  return lines.join("\n");
}
