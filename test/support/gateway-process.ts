/**
 * `namesrv gateway` as the deployment files run it (the Dockerfile, the systemd unit, the Kubernetes
 * manifests): their command line, parsed from the file, started as a process. The only changes a test
 * makes are the ones a shared machine needs: the ports become 0 (free ones, read back from what the
 * gateway prints), 0.0.0.0 becomes 127.0.0.1, and NAMESRV_URL is the test's registry.
 */
import { type ChildProcess, spawn } from "node:child_process";

/** `--listen h:9876` → `--listen 127.0.0.1:0`, `--health-port [h:]9880` → `--health-port 127.0.0.1:0`. */
export function onFreePorts(args: readonly string[]): string[] {
  const out = [...args];
  for (let i = 0; i < out.length; i++) {
    const flag = out[i];
    const value = out[i + 1];
    if (value === undefined) continue;
    if (flag === "--listen") out[i + 1] = `${hostOf(value) ?? "127.0.0.1"}:0`;
    if (flag === "--health-port") out[i + 1] = `${hostOf(value) ?? "127.0.0.1"}:0`;
  }
  return out;
}

function hostOf(value: string): string | undefined {
  const index = value.lastIndexOf(":");
  if (index < 0) return undefined;
  const host = value.slice(0, index);
  return host === "0.0.0.0" || host === "" ? "127.0.0.1" : host;
}

/** The same for `NAME=value` environment entries (the Dockerfile's ENV). */
export function envOnFreePorts(env: Record<string, string>): Record<string, string> {
  const out = { ...env };
  if (out.NAMESRV_GATEWAY_LISTEN !== undefined)
    out.NAMESRV_GATEWAY_LISTEN = `${hostOf(out.NAMESRV_GATEWAY_LISTEN) ?? "127.0.0.1"}:0`;
  if (out.NAMESRV_GATEWAY_HEALTH_PORT !== undefined) out.NAMESRV_GATEWAY_HEALTH_PORT = "127.0.0.1:0";
  return out;
}

export interface GatewayProcess {
  child: ChildProcess;
  /** host:port it listens on for RocketMQ (from its first line). */
  remotingAddr: string;
  /** http://host:port/health, when it serves one. */
  healthUrl?: string;
  output(): string;
  /** SIGTERM, then resolves with the exit code and how long the exit took. */
  terminate(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  kill(): void;
}

export async function startGatewayProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<GatewayProcess> {
  const child = spawn(command, [...args], { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  process.once("exit", kill);
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway did not start within 60 s:\n${output}`)),
      60_000,
    );
    const check = () => {
      const match = /listening on [^\n]*\n/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        child.stdout?.off("data", check);
        resolve(match[0]);
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code}) before listening:\n${output}`));
    });
  });
  const remoting = /listening on (\S+?),/.exec(line)?.[1];
  const health = /GET \/health on ([^;)\s]+)/.exec(line)?.[1];
  if (remoting === undefined) throw new Error(`no address in: ${line}`);
  return {
    child,
    remotingAddr: remoting,
    ...(health === undefined ? {} : { healthUrl: `http://${health}/health` }),
    output: () => output,
    kill,
    terminate: () =>
      new Promise((resolve) => {
        const began = Date.now();
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve({ code: child.exitCode, signal: child.signalCode, ms: 0 });
          return;
        }
        child.once("exit", (code, signal) => resolve({ code, signal, ms: Date.now() - began }));
        child.kill("SIGTERM");
      }),
  };
}
