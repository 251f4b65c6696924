/**
 * Helpers of the client end-to-end tests: the real local registry (in this process, or as child
 * processes when two independent NameServers are needed), the `namesrv` CLI as a child process, and
 * waiting for a condition without fixed sleeps.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { expect, inject, vi } from "vitest";
import type { BrokerAgentOptions, BrokerIdentity, TopicConfigTable } from "../../lib/client/broker-agent";
import {
  type LocalRegistry,
  type LocalRegistryOptions,
  type SpawnedRegistry,
  spawnLocalRegistry,
  startLocalRegistry,
} from "../../lib/local/registry";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = fileURLToPath(new URL("../../bin/namesrv.ts", import.meta.url));

export function dynamodbEndpoint(): string {
  const endpoint = inject("dynamodbEndpoint");
  if (!endpoint)
    throw new Error("end-to-end tests need DynamoDB Local: run them through vitest (global setup)");
  return endpoint;
}

/** A short unique suffix, so that tests sharing a registry never see each other's brokers and topics. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** The registry in this process, on its own table of the run's DynamoDB Local. */
export function startRegistry(
  options: Pick<LocalRegistryOptions, "token" | "onRequest"> = {},
): Promise<LocalRegistry> {
  return startLocalRegistry({
    dynamodbEndpoint: dynamodbEndpoint(),
    tableName: unique("client-e2e"),
    logLevel: "WARN",
    ...options,
  });
}

/** An independent NameServer in a child process (its own table on the run's DynamoDB Local). */
export function spawnRegistry(): Promise<SpawnedRegistry> {
  return spawnLocalRegistry({
    dynamodbEndpoint: dynamodbEndpoint(),
    tableName: unique("client-e2e"),
    env: { POWERTOOLS_LOG_LEVEL: "WARN", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
}

export function brokerIdentity(overrides: Partial<BrokerIdentity> = {}): BrokerIdentity {
  return {
    clusterName: unique("cluster"),
    brokerName: unique("broker"),
    brokerId: 0,
    brokerAddr: "127.0.0.1:10911",
    haServerAddr: "127.0.0.1:10912",
    ...overrides,
  };
}

export function topicTable(topics: string[], queues = 4, perm = 6): TopicConfigTable {
  return Object.fromEntries(
    topics.map((topicName) => [
      topicName,
      { topicName, readQueueNums: queues, writeQueueNums: queues, perm },
    ]),
  );
}

/** A mutable topic state for an agent: change `table` and bump `counter` like a broker's TopicConfigManager. */
export function topicStateOf(table: TopicConfigTable) {
  const state = {
    topicConfigTable: table,
    dataVersion: { stateVersion: 0, timestamp: Date.now(), counter: 1 },
  };
  const topicState: BrokerAgentOptions["topicState"] = () => state;
  return {
    state,
    topicState,
    change(next: TopicConfigTable) {
      state.topicConfigTable = next;
      state.dataVersion = { ...state.dataVersion, counter: state.dataVersion.counter + 1 };
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cliEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  delete base.NAMESRV_URL;
  delete base.NAMESRV_ADDR;
  delete base.NAMESRV_TOKEN;
  return { ...base, ...env };
}

/** Runs `namesrv <args>` to completion (asynchronously: the in-process registry must keep serving). */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
      cwd: REPO_ROOT,
      env: cliEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A long-running CLI command (`demo-broker`, `watch`): its output so far, and ways to end it. */
export interface RunningCli {
  child: ChildProcess;
  output(): string;
  /** Waits until the output so far matches `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMillis?: number): Promise<void>;
  /** Sends the signal and resolves the exit code (or the signal's name). */
  stop(signal: NodeJS.Signals): Promise<number | string | null>;
}

export function startCli(args: string[], env: Record<string, string | undefined> = {}): RunningCli {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    cwd: REPO_ROOT,
    env: cliEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal)),
  );
  return {
    child,
    output: () => output,
    // vi.waitFor, not expect.poll: it is also used in beforeAll, where no test is running.
    waitForOutput: async (pattern, timeoutMillis = 45_000) => {
      await vi.waitFor(() => expect(output).toMatch(pattern), { timeout: timeoutMillis, interval: 100 });
    },
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
