/**
 * Bundles functions exactly as the stack does (a synth of NamesrvFunction with bundling on) and runs a
 * bundle the way Lambda does: a fresh `node` process imports the bundle file and calls its `handler`
 * with an event, with the environment the synthesized function would get. Used by the bundle test
 * (test/infra); its measuring script (measure-bundles.ts, removed: git history) produced the figures in docs/deploy.md.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { App, Stack } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { type AwsSdkSource, NamesrvFunction } from "../../infra/namesrv-function";

export interface BundledFunction {
  handlerModule: string;
  /** Directory of the asset (what Lambda unzips into /var/task). */
  assetDir: string;
  /** The ESM entry file Lambda loads for handler `index.handler`. */
  entryFile: string;
  /** Environment variables of the synthesized function; `TABLE_NAME` is left for the caller to set. */
  environment: Record<string, string>;
}

/**
 * Synthesizes one NamesrvFunction per handler module into `outdir` (bundling for real) and returns
 * where each bundle landed.
 */
export function bundleFunctions(options: {
  handlerModules: readonly string[];
  awsSdk: AwsSdkSource;
  outdir: string;
}): BundledFunction[] {
  // Asset metadata (as the CLI asks for) tells where each bundle was staged.
  const app = new App({
    outdir: path.resolve(options.outdir),
    context: { "aws:cdk:enable-asset-metadata": true },
  });
  const stack = new Stack(app, "BundleProbe");
  const table = new dynamodb.Table(stack, "Table", {
    partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
  });
  const functions = options.handlerModules.map(
    (handlerModule) =>
      new NamesrvFunction(stack, `Probe-${handlerModule}`, {
        handlerModule,
        table: { table, access: "readWrite" },
        logRetention: RetentionDays.ONE_DAY,
        awsSdk: options.awsSdk,
      }),
  );
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as {
    Resources: Record<string, { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }>;
  };
  return functions.map((fn, index) => {
    const cfn = fn.function.node.defaultChild as CfnFunction;
    const assetPath = cfn.getMetadata("aws:asset:path");
    if (typeof assetPath !== "string") throw new Error(`no asset path on ${fn.node.path}`);
    const assetDir = path.join(assembly.directory, assetPath);
    const entryFile = readdirSync(assetDir).find((name) => name === "index.mjs" || name === "index.js");
    if (entryFile === undefined) throw new Error(`no index.mjs / index.js in ${assetDir}`);
    const variables = template.Resources[stack.getLogicalId(cfn)]?.Properties?.Environment?.Variables ?? {};
    const environment: Record<string, string> = {};
    for (const [name, value] of Object.entries(variables)) {
      if (typeof value === "string") environment[name] = value;
    }
    return {
      handlerModule: options.handlerModules[index] as string,
      assetDir,
      entryFile: path.join(assetDir, entryFile),
      environment,
    };
  });
}

/** Sizes of an asset's files (bytes), as they would go into the zip. */
export function assetSizes(assetDir: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const name of readdirSync(assetDir)) sizes[name] = statSync(path.join(assetDir, name)).size;
  return sizes;
}

export interface FreshInvocation {
  /** Time from process start to the bundle being imported (Node bootstrap + module init), ms. */
  readyMs: number;
  /** Time to import (load and evaluate) the bundle alone, ms. */
  importMs: number;
  /** Time of the first handler call (first DynamoDB request included), ms. */
  firstInvokeMs: number;
  result: unknown;
  stdout: string;
  stderr: string;
}

const RESULT_MARKER = "__BUNDLE_PROBE_RESULT__";

/** The runner the child process evaluates: import the bundle, call `handler(event)` once, report. */
const runner = `
const start = performance.now();
const mod = await import(process.env.PROBE_ENTRY_URL);
const imported = performance.now();
const result = await mod.handler(JSON.parse(process.env.PROBE_EVENT), {});
const invoked = performance.now();
process.stdout.write("\\n${RESULT_MARKER}" + JSON.stringify({
  readyMs: imported, importMs: imported - start, firstInvokeMs: invoked - imported, result,
}) + "\\n");
`;

/**
 * Imports `fn`'s bundle in a fresh `node` and invokes its handler with `event`, as Lambda's Node.js
 * runtime would: only the function's environment (plus `env`), NODE_OPTIONS included.
 */
export function invokeInFreshNode(
  fn: BundledFunction,
  event: unknown,
  env: Record<string, string>,
): Promise<FreshInvocation> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", runner], {
      cwd: fn.assetDir,
      env: {
        PATH: process.env.PATH ?? "",
        AWS_LAMBDA_FUNCTION_NAME: `probe-${fn.handlerModule}`,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
        AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
        ...fn.environment,
        ...env,
        PROBE_ENTRY_URL: pathToFileURL(fn.entryFile).href,
        PROBE_EVENT: JSON.stringify(event),
      },
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
    child.on("error", reject);
    child.on("close", (code) => {
      const line = stdout.split("\n").find((candidate) => candidate.startsWith(RESULT_MARKER));
      if (code !== 0 || line === undefined) {
        reject(new Error(`bundle ${fn.handlerModule} exited with ${code}\n${stderr}\n${stdout}`));
        return;
      }
      const report = JSON.parse(line.slice(RESULT_MARKER.length)) as Omit<
        FreshInvocation,
        "stdout" | "stderr"
      >;
      resolve({ ...report, stdout, stderr });
    });
  });
}
