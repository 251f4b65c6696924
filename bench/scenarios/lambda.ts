/**
 * The Lambda side: every function of functions/ bundled with esbuild exactly as the CDK stack bundles it
 * (infra/namesrv-function.ts: the same options object, translated to esbuild's API as NodejsFunction
 * does), both ways of shipping the AWS SDK, and the cold init of each bundle: a fresh `node` process
 * (with the stack's NODE_OPTIONS) that imports the bundle and checks its handler, timed from spawn to
 * exit, ÷ the same for an empty module. For "runtime" (SDK external) the SDK resolves from
 * node_modules, standing in for the copy in the Lambda runtime.
 *
 * To explain the figures, the same is measured for probes that import one part each (bench/lambda-probes:
 * the SDK client, the zod model, Powertools), and for one bundle without --enable-source-maps.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build, type Metafile } from "esbuild";
import type { BenchContext } from "../harness";
import { median, round } from "../harness";

export type SdkMode = "bundled" | "runtime";
export const SDK_MODES: readonly SdkMode[] = ["bundled", "runtime"];

export interface LambdaSizes {
  /** Functions to bundle; every module of functions/ when absent (the smoke test bundles one). */
  functions?: string[];
  /** Cold inits per bundle (the median is kept). */
  coldInitRuns: number;
  /** Functions whose cold init is measured; all when absent (every bundle is always built and sized). */
  coldInitFunctions?: string[];
}

export const FULL_LAMBDA_SIZES: LambdaSizes = { coldInitRuns: 7 };

export interface BundleFigure {
  bytes: number;
  gzipBytes: number;
  mapBytes: number;
  /** Biggest inputs by bytes in the output, grouped by package (or "project"). */
  topInputs: Array<{ name: string; bytes: number }>;
  coldInitMs?: number;
  /** coldInitMs ÷ the empty Node process. */
  coldInitRatio?: number;
}

export interface InitBreakdown {
  name: string;
  bytes: number;
  coldInitMs: number;
  /** coldInitMs − the empty Node process. */
  overEmptyMs: number;
}

export interface LambdaResults {
  esbuildTarget: string;
  nodeOptions: string;
  emptyNodeMs: number;
  coldInitRuns: number;
  functions: Array<{ name: string } & Record<SdkMode, BundleFigure>>;
  /** What the init time is made of (SDK bundled): probes and the source-map switch. */
  breakdown: InitBreakdown[];
}

const PROBES_DIR = "bench/lambda-probes";
const BREAKDOWN_FUNCTION = "register-broker";

/** Where esbuild runs from and which options the stack uses: read from infra/, never copied. */
async function stackBundling() {
  const infra = await import("../../infra/namesrv-function");
  const { OutputFormat } = await import("aws-cdk-lib/aws-lambda-nodejs");
  const runtimeName = infra.NAMESRV_RUNTIME.name;
  const match = /^nodejs(\d+)/.exec(runtimeName);
  if (!match) throw new Error(`cannot derive an esbuild target from runtime ${runtimeName}`);
  const target = `node${match[1]}`;
  /** One esbuild call for many entries: the same per-entry output as one call each, parsed once. */
  const optionsFor = (mode: SdkMode, entries: Record<string, string>, outdir: string): BuildOptions => {
    const b = infra.namesrvBundling(mode);
    return {
      entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [`${name}/index`, file])),
      outdir,
      // NodejsFunction names an ESM bundle index.mjs.
      outExtension: { ".js": ".mjs" },
      bundle: true,
      platform: "node",
      target,
      format: b.format === OutputFormat.ESM ? "esm" : "cjs",
      ...(b.mainFields !== undefined ? { mainFields: b.mainFields } : {}),
      ...(b.banner !== undefined ? { banner: { js: b.banner } } : {}),
      minify: b.minify ?? false,
      sourcemap: b.sourceMap ?? false,
      sourcesContent: b.sourcesContent ?? true,
      // NodejsFunction: with bundleAwsSDK nothing is external; otherwise externalModules, whose default is
      // the runtime-provided @aws-sdk/*.
      external: b.bundleAwsSDK ? [] : (b.externalModules ?? ["@aws-sdk/*"]),
      absWorkingDir: infra.projectRoot,
      logLevel: "warning",
      metafile: true,
    };
  };
  return { target, projectRoot: infra.projectRoot, optionsFor };
}

function packageOf(input: string): string {
  const at = input.lastIndexOf("node_modules/");
  if (at < 0) return "project";
  const rest = input.slice(at + "node_modules/".length).split("/");
  return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] ?? "?");
}

function topInputs(
  output: Metafile["outputs"][string] | undefined,
  count = 5,
): Array<{ name: string; bytes: number }> {
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

/** Wall time of a fresh `node` running `file`, in ms. */
function runNode(file: string, env: NodeJS.ProcessEnv, nodeOptions: string[]): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, [...nodeOptions, file], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const ms = performance.now() - start;
  if (result.status !== 0) {
    throw new Error(
      `node ${relative(process.cwd(), file)} exited with ${result.status}: ${result.stderr?.toString()}`,
    );
  }
  return ms;
}

interface Built {
  dir: string;
  figure: BundleFigure;
}

async function buildAll(
  optionsFor: (mode: SdkMode, entries: Record<string, string>, outdir: string) => BuildOptions,
  mode: SdkMode,
  entries: Record<string, string>,
  outdir: string,
  projectRoot: string,
): Promise<Map<string, Built>> {
  const result = await build(optionsFor(mode, entries, outdir));
  const built = new Map<string, Built>();
  for (const name of Object.keys(entries)) {
    const dir = join(outdir, name);
    const outfile = join(dir, "index.mjs");
    const code = readFileSync(outfile);
    // The probe a fresh process runs: import the bundle, insist on its handler.
    writeFileSync(
      join(dir, "init.mjs"),
      'const m = await import("./index.mjs");\nif (typeof m.handler !== "function") process.exit(3);\n',
    );
    const metaKey = relative(projectRoot, outfile).split("\\").join("/");
    built.set(name, {
      dir,
      figure: {
        bytes: code.length,
        gzipBytes: gzipSync(code, { level: 9 }).length,
        mapBytes: statSync(`${outfile}.map`).size,
        topInputs: topInputs(result.metafile?.outputs[metaKey]),
      },
    });
  }
  return built;
}

export async function runLambda(
  ctx: BenchContext,
  sizes: LambdaSizes,
  outDir: string,
): Promise<LambdaResults> {
  const { target, projectRoot, optionsFor } = await stackBundling();
  const functionsDir = join(projectRoot, "functions");
  const names = readdirSync(functionsDir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -3))
    .filter((name) => sizes.functions === undefined || sizes.functions.includes(name))
    .sort();
  if (names.length === 0) throw new Error(`no function module matches ${sizes.functions?.join(", ")}`);
  rmSync(outDir, { recursive: true, force: true });

  ctx.log(`  bundling ${names.length} functions × ${SDK_MODES.length} SDK modes (esbuild, target ${target})`);
  const built = new Map<string, Built>();
  for (const mode of SDK_MODES) {
    const entries = Object.fromEntries(names.map((name) => [name, join(functionsDir, `${name}.ts`)]));
    for (const [name, b] of await buildAll(optionsFor, mode, entries, join(outDir, mode), projectRoot)) {
      built.set(`${mode}/${name}`, b);
    }
  }
  const probeNames = readdirSync(join(projectRoot, PROBES_DIR))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -3))
    .sort();
  const probes = await buildAll(
    optionsFor,
    "bundled",
    Object.fromEntries(probeNames.map((name) => [name, join(projectRoot, PROBES_DIR, `${name}.ts`)])),
    join(outDir, "probes"),
    projectRoot,
  );

  // The stack's environment, minus what only Lambda has; no endpoint, no credentials: init makes no call.
  const nodeOptions = ["--enable-source-maps"];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    TABLE_NAME: "bench-cold-init",
    AWS_REGION: "us-east-1",
    POWERTOOLS_SERVICE_NAME: "namesrv",
    POWERTOOLS_METRICS_NAMESPACE: "NameServer",
    POWERTOOLS_LOG_LEVEL: "INFO",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  const empty = join(outDir, "empty.mjs");
  writeFileSync(empty, "");
  const measured = (sizes.coldInitFunctions ?? names).filter((name) => names.includes(name));
  const breakdownEntry = built.get(`bundled/${BREAKDOWN_FUNCTION}`);
  ctx.log(
    `  cold init: ${measured.length} functions × ${SDK_MODES.length} modes, ${probes.size} probes, × ${sizes.coldInitRuns} runs, and the empty process`,
  );
  runNode(empty, env, nodeOptions);
  const emptySamples: number[] = [];
  const samples = new Map<string, number[]>();
  const sample = (key: string, ms: number) => samples.set(key, [...(samples.get(key) ?? []), ms]);
  // Round-robin, so that a busy moment of the machine hits every bundle and the baseline alike.
  for (let run = 0; run < sizes.coldInitRuns; run++) {
    emptySamples.push(runNode(empty, env, nodeOptions));
    for (const mode of SDK_MODES) {
      for (const name of measured) {
        const entry = built.get(`${mode}/${name}`);
        if (entry !== undefined)
          sample(`${mode}/${name}`, runNode(join(entry.dir, "init.mjs"), env, nodeOptions));
      }
    }
    for (const [name, probe] of probes)
      sample(`probe/${name}`, runNode(join(probe.dir, "init.mjs"), env, nodeOptions));
    if (breakdownEntry !== undefined)
      sample("no-source-maps", runNode(join(breakdownEntry.dir, "init.mjs"), env, []));
  }
  const emptyNodeMs = median(emptySamples);

  const functions = names.map((name) => {
    const row = { name } as { name: string } & Record<SdkMode, BundleFigure>;
    for (const mode of SDK_MODES) {
      const entry = built.get(`${mode}/${name}`);
      if (entry === undefined) throw new Error(`no bundle for ${mode}/${name}`);
      const list = samples.get(`${mode}/${name}`);
      row[mode] =
        list === undefined
          ? entry.figure
          : {
              ...entry.figure,
              coldInitMs: round(median(list)),
              coldInitRatio: round(median(list) / emptyNodeMs),
            };
    }
    return row;
  });

  const breakdownRow = (name: string, bytes: number, key: string): InitBreakdown => {
    const ms = median(samples.get(key) ?? []);
    return { name, bytes, coldInitMs: round(ms), overEmptyMs: round(ms - emptyNodeMs) };
  };
  const breakdown: InitBreakdown[] = [];
  if (breakdownEntry !== undefined) {
    breakdown.push(
      breakdownRow(
        `${BREAKDOWN_FUNCTION} (whole bundle)`,
        breakdownEntry.figure.bytes,
        `bundled/${BREAKDOWN_FUNCTION}`,
      ),
    );
    breakdown.push(
      breakdownRow(
        `${BREAKDOWN_FUNCTION}, without --enable-source-maps`,
        breakdownEntry.figure.bytes,
        "no-source-maps",
      ),
    );
  }
  for (const [name, probe] of probes) {
    breakdown.push(breakdownRow(`probe: ${name} only`, probe.figure.bytes, `probe/${name}`));
  }

  return {
    esbuildTarget: target,
    nodeOptions: nodeOptions.join(" "),
    emptyNodeMs: round(emptyNodeMs),
    coldInitRuns: sizes.coldInitRuns,
    functions,
    breakdown,
  };
}
