/**
 * A CDK user's own app (README "The package"): the packed package installed into an empty CommonJS
 * app with its peers (aws-cdk-lib, constructs), `new NameServer(this, "Ns")` in the app's own stack,
 * synthesized. The construct comes from node_modules with its prebuilt handler bundles: no sources,
 * no esbuild, no Docker; with the remoting endpoint on, the gateway image's build context is the
 * package's own Dockerfile.package over its dist/. `import` of `serverless-namesrv/cdk` from an ES
 * module works as well.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../infra/namesrv-function";

const run = promisify(execFile);
const versionOf = (name: string) =>
  (
    JSON.parse(readFileSync(join(projectRoot, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

let work: string;
let app: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "namesrv-cdk-app-"));
  app = join(work, "app");
  const packed = await run("npm", ["pack", "--json", "--pack-destination", work], {
    cwd: projectRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  if (info === undefined) throw new Error("npm pack printed no tarball");
  await mkdir(app);
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "my-cdk-app", private: true }));
  await run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      join(work, info.filename),
      `aws-cdk-lib@${versionOf("aws-cdk-lib")}`,
      `constructs@${versionOf("constructs")}`,
    ],
    { cwd: app, maxBuffer: 16 * 1024 * 1024 },
  );
}, 600_000);

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe("a user's CDK app with the packed construct", { timeout: 300_000 }, () => {
  it("embeds new NameServer(this, 'Ns') in its own stack and synthesizes it (CommonJS, require)", async () => {
    await writeFile(
      join(app, "app.js"),
      `const { App, Stack } = require("aws-cdk-lib");
const { NameServer } = require("serverless-namesrv/cdk");

class MyStack extends Stack {
  constructor(scope, id) {
    super(scope, id);
    this.nameServer = new NameServer(this, "Ns");
  }
}
const app = new App({ outdir: "cdk.out" });
const stack = new MyStack(app, "MyStack");
app.synth();
console.log(JSON.stringify({ table: stack.resolve(stack.nameServer.table.tableName) }));
`,
    );
    const result = await run(process.execPath, ["app.js"], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
    const template = JSON.parse(readFileSync(join(app, "cdk.out", "MyStack.template.json"), "utf8")) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const resources = Object.entries(template.Resources);
    const tables = resources.filter(([, r]) => r.Type === "AWS::DynamoDB::Table").map(([id]) => id);
    const functions = resources.filter(([, r]) => r.Type === "AWS::Lambda::Function").map(([, r]) => r);

    expect(JSON.parse(result.stdout).table.Ref).toBe(tables[0]);
    expect(tables).toHaveLength(1);
    expect(tables[0]).toMatch(/^NsTable/);
    expect(functions.length).toBeGreaterThanOrEqual(20);
    // Every handler is a prebuilt bundle of the one shared asset, present in the cloud assembly.
    const assets = new Set<string>();
    for (const fn of functions) {
      const handler = String(fn.Properties.Handler);
      expect(handler).toMatch(/^[a-z-]+\/index\.handler$/);
      const assetPath = (fn as unknown as { Metadata?: Record<string, string> }).Metadata?.["aws:asset:path"];
      if (assetPath !== undefined) assets.add(assetPath);
    }
    const assetDirs = (await readdir(join(app, "cdk.out"))).filter((name) => name.startsWith("asset."));
    expect(assetDirs).toHaveLength(1);
    const [assetDir = ""] = assetDirs;
    for (const fn of functions) {
      const module = String(fn.Properties.Handler).replace(/\/index\.handler$/, "");
      expect(existsSync(join(app, "cdk.out", assetDir, module, "index.mjs"))).toBe(true);
    }
    // Nothing was bundled at synth: the app has no esbuild.
    expect(existsSync(join(app, "node_modules", "esbuild"))).toBe(false);
  });

  it("with the remoting endpoint on, stages the package's own Dockerfile.package over its dist/ (no Docker)", async () => {
    await writeFile(
      join(app, "endpoint.js"),
      `const { App, Stack } = require("aws-cdk-lib");
const { NameServer } = require("serverless-namesrv/cdk");

const app = new App({ outdir: "cdk.out.endpoint" });
const stack = new Stack(app, "WithEndpoint");
const ns = new NameServer(stack, "Ns", { remotingEndpoint: { allowFrom: ["10.0.0.0/16"] } });
app.synth();
console.log(JSON.stringify({ namesrvAddr: stack.resolve(ns.endpoint.namesrvAddr) }));
`,
    );
    // No Docker on PATH: synth only stages the build context.
    const result = await run(process.execPath, ["endpoint.js"], {
      cwd: app,
      env: { ...process.env, PATH: "/nonexistent" },
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(JSON.stringify(JSON.parse(result.stdout).namesrvAddr)).toContain("9876");
    const out = join(app, "cdk.out.endpoint");
    const assets = JSON.parse(readFileSync(join(out, "WithEndpoint.assets.json"), "utf8")) as {
      dockerImages?: Record<
        string,
        { source: { directory: string; dockerFile?: string; platform?: string } }
      >;
    };
    const images = Object.values(assets.dockerImages ?? {}).map((image) => image.source);
    expect(images).toEqual([
      expect.objectContaining({ dockerFile: "Dockerfile.package", platform: "linux/arm64" }),
    ]);
    const [image] = images;
    const context = join(out, image?.directory ?? "missing");
    // The packaged Dockerfile itself, as the repository ships it, with what its build stage packs.
    expect(readFileSync(join(context, "Dockerfile.package"), "utf8")).toBe(
      readFileSync(join(projectRoot, "Dockerfile.package"), "utf8"),
    );
    expect(existsSync(join(context, "package.json"))).toBe(true);
    expect(existsSync(join(context, "dist", "bin", "namesrv.js"))).toBe(true);
    expect(existsSync(join(context, "dist", "bin", "static"))).toBe(true);
    // Not the sources (nothing to compile), not the handler bundles, nothing npm installed.
    expect(existsSync(join(context, "lib"))).toBe(false);
    expect(existsSync(join(context, "Dockerfile"))).toBe(false);
    expect(existsSync(join(context, "dist", "functions"))).toBe(false);
    expect(existsSync(join(context, "node_modules"))).toBe(false);
  });

  it("imports serverless-namesrv/cdk from an ES module too", async () => {
    await writeFile(
      join(app, "check.mjs"),
      `import { NameServer } from "serverless-namesrv/cdk";
console.log(typeof NameServer);
`,
    );
    const result = await run(process.execPath, ["check.mjs"], { cwd: app });
    expect(result.stdout.trim()).toBe("function");
  });
});
