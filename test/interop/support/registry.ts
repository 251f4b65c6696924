/**
 * The registry under test, as RocketMQ components see it: `npm start` (lib/local/main.ts, run by
 * spawnLocalRegistry) serving the HTTP API on PORT and remoting on REMOTING_PORT, on the run's
 * DynamoDB Local; and `namesrv gateway` (bin/namesrv.ts) in front of its HTTP API.
 *
 * INTEROP_REGISTRY=rocketmq swaps the registry for a second Apache RocketMQ NameServer: the tests
 * then check the harness itself (every differential must hold between two real NameServers).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import { join } from "node:path";
import { spawnLocalRegistry } from "../../../lib/local/registry";
import { startRecordingProxy } from "./recording-proxy";
import { allocatePort, startRocketMqNameServer } from "./rocketmq";

export interface RegistryUnderTest {
  /** host:port of its remoting server. */
  remotingAddr: string;
  /** Its HTTP API (undefined for the RocketMQ stand-in). */
  url?: string;
  kind: "registry" | "rocketmq-standin";
  output(): string;
  stop(): Promise<void>;
}

export const STANDIN = process.env.INTEROP_REGISTRY === "rocketmq";

export function waitForPort(addr: string, timeoutMs = 60_000): Promise<void> {
  const [host, port] = addr.split(":") as [string, string];
  const started = Date.now();
  return new Promise((resolveWait, reject) => {
    const attempt = () => {
      const socket = connect({ host, port: Number(port) });
      socket.once("connect", () => {
        socket.destroy();
        resolveWait();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() - started > timeoutMs)
          reject(new Error(`nothing listens on ${addr} after ${timeoutMs} ms`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** `npm start` with PORT / REMOTING_PORT in the interop range, a fresh table, a short sweep interval. */
export async function startRegistry(options: {
  /** The DynamoDB it uses (the interop run's DynamoDB Local: `inject("dynamodbEndpoint")`). */
  dynamodbEndpoint: string;
  env?: Record<string, string>;
  sweepIntervalMs?: number;
}): Promise<RegistryUnderTest> {
  if (STANDIN) {
    const ns = await startRocketMqNameServer();
    return { remotingAddr: ns.addr, kind: "rocketmq-standin", output: () => "", stop: ns.stop };
  }
  const port = await allocatePort();
  const remotingPort = port + 3;
  const registry = await spawnLocalRegistry({
    host: "127.0.0.1",
    port,
    dynamodbEndpoint: options.dynamodbEndpoint,
    tableName: `interop-${randomUUID().slice(0, 8)}`,
    sweepIntervalMs: options.sweepIntervalMs ?? 1000,
    // Route cache off on npm start's remoting port: RocketMQ's NameServer answers every route from
    // its live table, and the differential compares right after each write. The gateway keeps its
    // default cache (30 s): its tests read topics it has not cached yet or that do not change.
    env: {
      REMOTING_PORT: String(remotingPort),
      REMOTING_ROUTE_CACHE_MS: "0",
      LOG_LEVEL: "WARN",
      ...options.env,
    },
  });
  const remotingAddr = `127.0.0.1:${remotingPort}`;
  await waitForPort(remotingAddr);
  return {
    remotingAddr,
    url: registry.url,
    kind: "registry",
    output: registry.output,
    stop: async () => {
      await registry.stop();
    },
  };
}

const BIN = join(import.meta.dirname, "../../../bin/namesrv.ts");

/** `namesrv gateway --listen 127.0.0.1:P --url <registry URL>`: remoting in front of an HTTP API. */
export async function startGateway(
  registry: RegistryUnderTest,
  args: string[] = [],
): Promise<RegistryUnderTest> {
  if (registry.url === undefined) {
    // Stand-in: a transparent proxy in front of the stand-in NameServer.
    const proxy = await startRecordingProxy(registry.remotingAddr);
    return { remotingAddr: proxy.addr, kind: "rocketmq-standin", output: () => "", stop: proxy.close };
  }
  const port = (await allocatePort()) + 4;
  const addr = `127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", BIN, "gateway", "--listen", addr, "--url", registry.url, ...args],
    { stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, LOG_LEVEL: "WARN" } },
  );
  let output = "";
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // gone
    }
  };
  process.once("exit", kill);
  try {
    await waitForPort(addr, 60_000);
  } catch (error) {
    kill();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return {
    remotingAddr: addr,
    url: registry.url,
    kind: "registry",
    output: () => output,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        child.once("exit", () => resolveStop());
        kill();
      }),
  };
}
