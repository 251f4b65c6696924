/**
 * `npm run bench:gateway` (`-- --quick` for a short run): the RocketMQ remoting gateway with a warm
 * route cache, on this machine, in front of a whole local registry (DynamoDB Local in memory):
 *
 * - GET_ROUTEINFO_BY_TOPIC throughput over 1 and over 10 connections (closed loop: one request in
 *   flight per connection, as a client thread's sync invoke), with latency percentiles;
 * - one cache refresh (POST /routes for every cached topic), timed;
 * - what one gateway host costs a month next to its clients asking the API directly
 *   (bench/gateway-cost.ts), with the refresh duration measured here.
 *
 * RocketMQ's own NameServer side by side is `npm run bench:remoting` (bench/remoting.ts).
 */
import "./env";
import { performance } from "node:perf_hooks";
import { NameServerClient } from "../lib/client/name-server-client";
import { Transport } from "../lib/client/transport";
import { startRemotingGateway } from "../lib/gateway/gateway";
import { registryApiOf } from "../lib/gateway/registry-api";
import { startDynamoDbLocal } from "../lib/local/dynamodb-local";
import { startLocalRegistry } from "../lib/local/registry";
import { RequestCode } from "../lib/remoting/protocol";
import { RemotingClient } from "../lib/remoting/remoting-client";
import { DEFAULT_GATEWAY_COST_INPUTS, estimateGatewayCost, gatewayCostTable } from "./gateway-cost";

const quick = process.argv.includes("--quick");
const DURATION_MS = quick ? 2_000 : 10_000;
const WARMUP_MS = quick ? 500 : 2_000;
const GROUPS = 10;
const TOPICS = 200;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function closedLoop(addr: string, connections: number, topics: string[], durationMs: number) {
  const clients = Array.from({ length: connections }, () => new RemotingClient(addr, { timeoutMs: 10_000 }));
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + durationMs;
  try {
    await Promise.all(
      clients.map(async (client, c) => {
        let i = c;
        while (performance.now() < end) {
          const topic = topics[i++ % topics.length] as string;
          const started = performance.now();
          const answer = await client.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });
          latencies.push(performance.now() - started);
          if (answer.code !== 0) errors++;
        }
      }),
    );
  } finally {
    for (const client of clients) client.close();
  }
  latencies.sort((a, b) => a - b);
  return {
    perSecond: Math.round((latencies.length / durationMs) * 1000),
    p50Ms: Math.round(percentile(latencies, 50) * 100) / 100,
    p99Ms: Math.round(percentile(latencies, 99) * 100) / 100,
    requests: latencies.length,
    errors,
  };
}

async function main(): Promise<void> {
  const ddb = await startDynamoDbLocal({ dataDir: ":memory:" });
  const registry = await startLocalRegistry({
    dynamodbEndpoint: ddb.endpoint,
    sweepIntervalMs: 3_600_000,
    logLevel: "CRITICAL",
  });
  const api = new NameServerClient(registry.url, new Transport({ timeoutMillis: 30_000 }));
  const gateway = await startRemotingGateway({ port: 0, client: registryApiOf(api), log: () => {} });
  const addr = `127.0.0.1:${gateway.port}`;
  try {
    const topics = Array.from({ length: TOPICS }, (_, i) => `BenchGatewayTopic-${i}`);
    for (let g = 0; g < GROUPS; g++) {
      await api.registerBroker({
        clusterName: "BenchCluster",
        brokerName: `bench-gw-broker-${g}`,
        brokerId: 0,
        brokerAddr: `10.40.0.${g + 1}:10911`,
        heartbeatTimeoutMillis: 3_600_000,
        dataVersion: { counter: 1, stateVersion: 0, timestamp: Date.now() },
        topicConfigTable: Object.fromEntries(
          topics.map((t) => [t, { topicName: t, readQueueNums: 8, writeQueueNums: 8, perm: 6 }]),
        ),
      });
    }
    // Warm: every topic asked once (its first ask goes straight through), then one refresh.
    const warm = new RemotingClient(addr, { timeoutMs: 30_000 });
    for (const topic of topics) await warm.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });
    warm.close();
    const refreshes: number[] = [];
    for (let i = 0; i < (quick ? 3 : 10); i++) {
      const started = performance.now();
      await gateway.routes.refresh();
      refreshes.push(performance.now() - started);
    }
    refreshes.sort((a, b) => a - b);
    const refreshMs = Math.round(percentile(refreshes, 50) * 10) / 10;
    const before = { ...gateway.routes.stats };

    const rows: string[] = [];
    for (const connections of [1, 10]) {
      await closedLoop(addr, connections, topics, WARMUP_MS);
      const figure = await closedLoop(addr, connections, topics, DURATION_MS);
      rows.push(
        `  ${String(connections).padStart(2)} connection(s)  ${String(figure.perSecond).padStart(7)} routes/s  p50 ${figure.p50Ms} ms  p99 ${figure.p99Ms} ms  (${figure.requests} requests, ${figure.errors} errors)`,
      );
    }
    const after = gateway.routes.stats;
    console.log(
      `\nGateway, warm route cache: GET_ROUTEINFO_BY_TOPIC, ${TOPICS} topics on ${GROUPS} groups, ${DURATION_MS} ms per case (${quick ? "quick" : "full"})`,
    );
    for (const row of rows) console.log(row);
    console.log(
      `  registry requests while measuring: ${after.directFetches - before.directFetches} direct, ${after.batchRequests - before.batchRequests} batch (cache hits ${after.hits - before.hits})`,
    );
    console.log(`  one refresh (POST /routes, ${TOPICS} topics, local registry): p50 ${refreshMs} ms\n`);

    const cost = estimateGatewayCost(undefined, {
      ...DEFAULT_GATEWAY_COST_INPUTS,
      batch: {
        ...DEFAULT_GATEWAY_COST_INPUTS.batch,
        // The local refresh time (HTTP hop + handler + DynamoDB Local) as the batch's billed duration:
        // an upper bound, as bench/cost.ts takes the local latencies.
        billedMsPerBatch: refreshMs,
        billedMsPerTopic: 0,
        label: `capacity.test.ts reads; ${refreshMs} ms measured here for ${TOPICS} topics`,
      },
    });
    console.log(
      `Monthly cost, one gateway host next to its clients asking directly:\n${gatewayCostTable(cost)}`,
    );
  } finally {
    await gateway.close();
    await registry.stop();
    await ddb.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
