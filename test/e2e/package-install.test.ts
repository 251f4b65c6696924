/**
 * The package as a user gets it: `npm pack` (which builds through `prepack`), the tarball installed
 * with `--omit=dev` into an empty folder, then the `namesrv` bin run on plain Node against the real
 * local registry, `serverless-namesrv/client` imported by a program of that folder (it registers a
 * broker with BrokerAgent and selects a queue with RouteClient), and its type declarations checked
 * by the TypeScript compiler the way a `nodenext` project resolves them.
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "../../lib/local/registry";
import { REPO_ROOT, startRegistry, unique } from "./client-helpers";

const run = promisify(execFile);

let registry: LocalRegistry;
let work: string;
let consumer: string;
let packedFiles: string[];

beforeAll(async () => {
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), "namesrv-pack-"));
  consumer = join(work, "consumer");
  const packed = await run("npm", ["pack", "--json", "--pack-destination", work], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (info === undefined) throw new Error("npm pack printed no tarball");
  packedFiles = info.files.map((f) => f.path);
  await run("mkdir", ["-p", consumer]);
  await writeFile(
    join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  await run(
    "npm",
    ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", join(work, info.filename)],
    { cwd: consumer, maxBuffer: 16 * 1024 * 1024 },
  );
}, 300_000);

/** Packages (name → version directories) and bytes under a node_modules, nested ones included. */
async function installedPackages(dir: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  const walk = async (path: string, depthInModules: boolean): Promise<void> => {
    for (const entry of await readdir(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        const isPackage = depthInModules && !entry.name.startsWith("@") && !entry.name.startsWith(".");
        if (isPackage) count++;
        await walk(full, entry.name === "node_modules" || (depthInModules && entry.name.startsWith("@")));
      } else {
        bytes += (await stat(full)).size;
      }
    }
  };
  await walk(dir, true);
  return { count, bytes };
}

/** The bare module names a built file imports or requires (node: built-ins aside). */
function bareImports(code: string): Set<string> {
  const names = new Set<string>();
  for (const match of code.matchAll(/(?:\bfrom|\bimport\(|\brequire\()\s*["']([^."'/][^"']*)["']/g)) {
    const spec = match[1] ?? "";
    if (spec.startsWith("node:")) continue;
    const parts = spec.split("/");
    names.add(spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] ?? spec));
  }
  return names;
}

afterAll(async () => {
  await registry?.stop();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("ships the compiled CLI, client, declarations, OpenAPI and LICENSE, and no sources or tests", () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        "LICENSE",
        // The gateway image's recipe from the package's own dist/ (the construct's remoting endpoint).
        "Dockerfile.package",
        "dist/bin/namesrv.js",
        "dist/client/index.js",
        "dist/client/index.cjs",
        "dist/cdk/index.js",
        "dist/cdk/index.cjs",
        "dist/functions/register-broker/index.mjs",
        "dist/types/lib/client/index.d.ts",
        "dist/types/infra/cdk.d.ts",
        "openapi/openapi.yaml",
        "package.json",
      ]),
    );
    expect(packedFiles.filter((f) => /^(lib|test|infra|functions|bin)\//.test(f))).toEqual([]);
    expect(packedFiles).not.toContain("Dockerfile");
  });

  it("installs without devDependencies: no tsx, no TypeScript, no CDK", async () => {
    const installed = await readdir(join(consumer, "node_modules"));
    expect(installed).toEqual(expect.arrayContaining(["serverless-namesrv", "commander", "zod"]));
    for (const dev of ["tsx", "typescript", "aws-cdk-lib", "vitest", "esbuild"]) {
      expect(installed).not.toContain(dev);
    }
  });

  it('installs few packages: the count and size are printed (README "The package")', async () => {
    const { count, bytes } = await installedPackages(join(consumer, "node_modules"));
    console.log(
      `npm install --omit=dev of the tarball: ${count} packages, ${(bytes / 1024 / 1024).toFixed(1)} MB`,
    );
    expect(count).toBeGreaterThan(0);
    // What dist imports is exactly what package.json depends on (the peers aws-cdk-lib and constructs aside).
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    const imported = new Set<string>();
    const dist = join(consumer, "node_modules/serverless-namesrv/dist");
    for (const file of [
      "bin/namesrv.js",
      "client/index.js",
      "client/index.cjs",
      "cdk/index.js",
      "cdk/index.cjs",
    ]) {
      for (const name of bareImports(readFileSync(join(dist, file), "utf8"))) imported.add(name);
    }
    for (const peer of Object.keys(pkg.peerDependencies)) imported.delete(peer);
    expect([...imported].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  });

  it("prints its version: namesrv --version", async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    const result = await run(join(consumer, "node_modules/.bin/namesrv"), ["--version"], { cwd: consumer });
    expect(result.stdout.trim()).toBe(pkg.version);
  });

  it("is required by a CommonJS program: require('serverless-namesrv/client')", async () => {
    await writeFile(
      join(consumer, "main.cjs"),
      `const { BrokerAgent, RouteClient, NameServerClient, Transport } = require("serverless-namesrv/client");
const clients = new NameServerClient(process.argv[2], new Transport());
clients.getBrokerClusterInfo().then((info) => {
  console.log(JSON.stringify({ agent: typeof BrokerAgent, routes: typeof RouteClient, info: Object.keys(info) }));
});
`,
    );
    const result = await run(process.execPath, ["main.cjs", registry.url], { cwd: consumer });
    expect(JSON.parse(result.stdout)).toEqual({
      agent: "function",
      routes: "function",
      info: expect.arrayContaining(["clusterAddrTable"]),
    });
  });

  it("runs the namesrv bin on plain Node", async () => {
    const bin = join(consumer, "node_modules/.bin/namesrv");
    expect((await stat(bin)).isFile()).toBe(true);

    const help = await run(bin, ["--help"], { cwd: consumer });
    expect(help.stdout).toContain("Usage: namesrv");

    const clusters = await run(bin, ["clusterList", "--json", "--url", registry.url], { cwd: consumer });
    expect(JSON.parse(clusters.stdout)).toHaveProperty("clusterAddrTable");
  });

  it("serves the status page from the installed bin, and exits 0 with a stop line on Ctrl-C", async () => {
    const child = spawn(
      join(consumer, "node_modules/.bin/namesrv"),
      ["dashboard", "--url", registry.url, "--listen", "127.0.0.1:0"],
      {
        cwd: consumer,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await expect.poll(() => output, { timeout: 20_000 }).toMatch(/at http:\/\/127\.0\.0\.1:\d+\//);
    const pageUrl = /at (http:\/\/\S+\/)/.exec(output)?.[1] ?? "";
    const page = await fetch(pageUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    child.kill("SIGINT");

    expect(await exited).toBe(0);
    expect(output).toMatch(/Status page stopped\n$/);
  });

  it("exports ./client: a program registers a broker and routes a message through it", async () => {
    const topic = unique("PackTopic");
    await writeFile(
      join(consumer, "main.js"),
      `import { BrokerAgent, NameServerClient, RouteClient, Transport } from "serverless-namesrv/client";
const nameServers = [process.argv[2]];
const topic = process.argv[3];
const agent = new BrokerAgent({
  broker: { clusterName: "PackCluster", brokerName: "broker-pack", brokerId: 0, brokerAddr: "127.0.0.1:10991" },
  nameServers,
  topicState: () => ({
    topicConfigTable: { [topic]: { topicName: topic, readQueueNums: 2, writeQueueNums: 2, perm: 6 } },
    dataVersion: { timestamp: 1, counter: 1 },
  }),
});
await agent.start();
const routes = new RouteClient({ nameServers });
const queue = await routes.selectOneMessageQueue(topic);
const clusters = await new NameServerClient(nameServers[0], new Transport()).getBrokerClusterInfo();
console.log(JSON.stringify({ queue, clusters: Object.keys(clusters.clusterAddrTable) }));
await routes.stop();
await agent.stop();
`,
    );
    const result = await run(process.execPath, ["main.js", registry.url, topic], { cwd: consumer });
    const answer = JSON.parse(result.stdout) as { queue: { brokerName: string }; clusters: string[] };

    expect(answer.queue.brokerName).toBe("broker-pack");
    expect(answer.clusters).toContain("PackCluster");
  });

  it("carries type declarations that a nodenext project resolves", async () => {
    await writeFile(
      join(consumer, "typed.ts"),
      `import { RouteClient, type RouteClientOptions } from "serverless-namesrv/client";
const options: RouteClientOptions = { nameServers: ["http://127.0.0.1:9876"] };
export const client = new RouteClient(options);
// @ts-expect-error nameServers must be strings: fails to compile only if the declarations resolved
export const wrong: RouteClientOptions = { nameServers: [1] };
`,
    );
    await writeFile(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "ES2022",
          strict: true,
          noEmit: true,
          types: ["node"],
          typeRoots: [join(REPO_ROOT, "node_modules/@types")],
        },
        files: ["typed.ts"],
      }),
    );
    const tsc = join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    const result = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: consumer }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error), failed: true }),
    );

    expect(result).not.toHaveProperty("failed");
  });
});
