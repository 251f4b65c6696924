/**
 * The deployment files of the README (examples/systemd, examples/kubernetes) cannot drift from the
 * CLI: each is parsed, its gateway command line (ExecStart + Environment; a container's args after
 * the image's `namesrv` entrypoint + env) runs as a process against the real local registry, a write
 * over RocketMQ's protocol reaches the registry, its GET /health answers, and SIGTERM drains and
 * exits 0 within the time the file gives it. Probes, ports and the Service point where the command
 * listens.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { NameServerClient } from "../../lib/client/name-server-client";
import { Transport } from "../../lib/client/transport";
import type { LocalRegistry } from "../../lib/local/registry";
import { RequestCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { onFreePorts, startGatewayProcess } from "../support/gateway-process";
import { REPO_ROOT, startRegistry, unique } from "./client-helpers";

const CLI = join(REPO_ROOT, "bin/namesrv.ts");
const URL_PLACEHOLDER = "https://<api-id>.execute-api.<region>.amazonaws.com";

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry?.stop();
});

/** `[Section]` → key → values (a key may repeat, as Environment= does). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section !== null) {
      current = new Map();
      sections.set(section[1] as string, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (current === undefined || eq < 0) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

/** Runs the gateway command line (`namesrv` + args) with env, as the file would, and exercises it. */
async function exercise(args: string[], env: Record<string, string>, stopWithinMs: number) {
  expect(args[0]).toBe("gateway");
  expect(env.NAMESRV_URL).toBe(URL_PLACEHOLDER);
  const gateway = await startGatewayProcess(
    process.execPath,
    ["--import", "tsx", CLI, ...onFreePorts(args)],
    {
      ...process.env,
      ...env,
      NAMESRV_URL: registry.url,
    },
  );
  try {
    // A write over RocketMQ's protocol lands in the registry.
    const namespace = unique("ns");
    const client = new RemotingClient(gateway.remotingAddr, { timeoutMs: 10_000 });
    try {
      const put = await client.invoke(RequestCode.PUT_KV_CONFIG, { namespace, key: "k", value: "v" });
      expect(put.code).toBe(0);
    } finally {
      client.close();
    }
    const http = new NameServerClient(
      registry.url,
      new Transport({ auth: { kind: "none" }, timeoutMillis: 5000 }),
    );
    expect(await http.getKvConfig(namespace, "k")).toBe("v");
    // GET /health says the registry answers.
    expect(gateway.healthUrl).toBeDefined();
    const health = await fetch(gateway.healthUrl as string);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", registry: "ok" });
  } finally {
    const stopped = await gateway.terminate();
    expect(stopped.code, gateway.output()).toBe(0);
    expect(stopped.ms).toBeLessThan(stopWithinMs);
    expect(gateway.output()).toMatch(/draining for up to \d+ ms/);
  }
}

describe("examples/systemd/namesrv-gateway.service", () => {
  it("ExecStart with its Environment serves the registry, answers /health and stops within TimeoutStopSec", async () => {
    const unit = parseUnit(readFileSync(join(REPO_ROOT, "examples/systemd/namesrv-gateway.service"), "utf8"));
    const service = unit.get("Service");
    expect(service).toBeDefined();
    const [execStart] = service?.get("ExecStart") ?? [];
    const [binary, ...args] = (execStart ?? "").split(/\s+/);
    expect(binary).toMatch(/\/namesrv$/);
    const env = Object.fromEntries(
      (service?.get("Environment") ?? []).map((entry) => {
        const eq = entry.indexOf("=");
        return [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
    expect(service?.get("KillSignal")).toEqual(["SIGTERM"]);
    const timeoutStopSec = Number(service?.get("TimeoutStopSec")?.[0]);
    const drain = Number(args[args.indexOf("--drain-timeout") + 1]);
    expect(timeoutStopSec * 1000).toBeGreaterThan(drain);
    await exercise(args, env, timeoutStopSec * 1000);
  });
});

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path: string; port: number | string } };
}

/** What the test reads of a manifest (a workload or a Service). */
interface K8sDoc {
  kind: string;
  spec: {
    template: {
      metadata: { labels: Record<string, string> };
      spec: { containers: Container[]; terminationGracePeriodSeconds?: number };
    };
    selector: Record<string, string>;
    ports: Array<{ port: number; targetPort: number | string }>;
  };
}

function gatewayContainers(file: string) {
  const docs = parseAllDocuments(readFileSync(join(REPO_ROOT, "examples/kubernetes", file), "utf8")).map(
    (doc) => doc.toJS() as K8sDoc,
  );
  const workloads = docs.filter((doc) => doc.kind === "Deployment" || doc.kind === "StatefulSet");
  return { docs, workloads };
}

function portOf(container: Container, ref: number | string): number | undefined {
  if (typeof ref === "number") return ref;
  return container.ports?.find((port) => port.name === ref)?.containerPort;
}

function flagValue(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index < 0 ? undefined : args[index + 1];
}

describe("examples/kubernetes", () => {
  for (const file of ["broker-with-gateway-sidecar.yaml", "gateway.yaml"]) {
    it(`${file}: the gateway container's command line serves the registry; its probe and ports match it`, async () => {
      const { docs, workloads } = gatewayContainers(file);
      expect(workloads).toHaveLength(1);
      const pod = (workloads[0] as K8sDoc).spec.template;
      const container = pod.spec.containers.find((c) => c.image.includes("namesrv-gateway"));
      expect(container).toBeDefined();
      const gateway = container as Container;
      const args = gateway.args ?? [];
      const env = Object.fromEntries((gateway.env ?? []).map((e) => [e.name, e.value]));
      // The readiness probe is the gateway's /health on the port it serves it on.
      const probe = gateway.readinessProbe?.httpGet;
      expect(probe?.path).toBe("/health");
      const healthPort = flagValue(args, "--health-port")?.split(":").at(-1);
      expect(String(portOf(gateway, probe?.port ?? -1))).toBe(healthPort);
      // A Service, if any, selects these pods and targets the remoting port the gateway listens on.
      for (const service of docs.filter((doc) => doc.kind === "Service")) {
        for (const [key, value] of Object.entries(service.spec.selector)) {
          expect(pod.metadata.labels[key]).toBe(value);
        }
        const [port] = service.spec.ports;
        expect(port?.port).toBe(9876);
        expect(String(portOf(gateway, port?.targetPort ?? -1))).toBe(
          flagValue(args, "--listen")?.split(":").at(-1),
        );
      }
      const grace = (pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
      const drain = Number(flagValue(args, "--drain-timeout") ?? 15_000);
      expect(grace).toBeGreaterThan(drain);
      await exercise(args, env, grace);
    });
  }
});
