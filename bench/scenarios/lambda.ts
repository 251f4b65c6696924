/**
 * The Lambda side: every function of functions/ bundled with esbuild exactly as the CDK stack bundles it
 * (infra/namesrv-function.ts: the same options object, translated to esbuild's API as NodejsFunction
 * does), both ways of shipping the AWS SDK, and the cold init of each bundle: a fresh `node` process
 * (with the stack's NODE_OPTIONS) that imports the bundle and checks its handler, timed from spawn to
 * exit, ÷ the same for an empty module. For "runtime" (SDK external) the SDK resolves from
 * node_modules, standing in for the copy in the Lambda runtime.
 *
 * To explain the figures, the same is measured for probes that import one part each (bench/lambda-probes:
 * the SDK client, the zod model, Powertools), and for one bundle without --enable-source-maps. What one
 * bundle is made of comes from esbuild's metafile, grouped into parts (zod, the SDK's credential chain,
 * protocols DynamoDB does not use, the rest of the SDK, Powertools, the project). Two what-if builds of
 * the same function, never deployed, put figures on changes to lib/ and infra/ (the deployed code is
 * not touched): every `import { z } from "zod"` of the project as `import * as z from "zod"`, and that
 * plus the SDK's credential chain reduced to the environment (bench/lambda-what-if/env-credentials.ts).
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build, type Metafile, type Plugin } from "esbuild";
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

/** Bytes in the output of one part of a bundle (see `partOf`). */
export interface BundlePart {
  part: string;
  bytes: number;
}

export interface WhatIfBundle {
  id: "zod-namespace" | "zod-namespace+env-credentials";
  label: string;
  /** Project files the what-if rewrote (the zod import). */
  rewritten: string[];
  bundled: BundleFigure;
  /** The same with the SDK external (only for the zod what-if: the credential chain is the SDK's). */
  runtime?: BundleFigure;
  composition: BundlePart[];
}

export interface LambdaResults {
  esbuildTarget: string;
  nodeOptions: string;
  emptyNodeMs: number;
  coldInitRuns: number;
  functions: Array<{ name: string } & Record<SdkMode, BundleFigure>>;
  /** What the init time is made of (SDK bundled): probes and the source-map switch. */
  breakdown: InitBreakdown[];
  /** What one bundle (SDK bundled) is made of, by part; absent when that function was not built. */
  composition?: { function: string; parts: BundlePart[] };
  /** The same function built with changes the project has not made (never deployed). */
  whatIf: WhatIfBundle[];
}

const PROBES_DIR = "bench/lambda-probes";
const BREAKDOWN_FUNCTION = "register-broker";
const ENV_CREDENTIALS = "bench/lambda-what-if/env-credentials.ts";

/**
 * The part of a bundle an input belongs to. The SDK is split three ways: the credential chain's links
 * that a Lambda function never uses (its credentials are in the environment), the protocols DynamoDB
 * does not speak (it is JSON 1.0 over HTTP; event streams, query, XML and CBOR come along with
 * @smithy/core and @aws-sdk/core), and the rest, which the client needs.
 */
export function partOf(input: string): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(input);
  if (inPackage === null) return "project (lib/, functions/)";
  const [, pkg = "", rest = ""] = inPackage;
  if (pkg === "zod") {
    return /json-schema|locales\//.test(rest)
      ? "zod: JSON-schema tooling and locales"
      : "zod: schemas and parsing";
  }
  if (pkg.startsWith("@aws-lambda-powertools/")) return "Powertools (logger, metrics)";
  if (
    pkg === "@aws-sdk/nested-clients" ||
    pkg === "@aws-sdk/token-providers" ||
    pkg === "@smithy/credential-provider-imds" ||
    pkg === "@smithy/shared-ini-file-loader" ||
    (pkg.startsWith("@aws-sdk/credential-provider-") && pkg !== "@aws-sdk/credential-provider-env")
  ) {
    return "AWS SDK: credential chain beyond env (SSO, STS, sign-in, INI, IMDS, process, web identity)";
  }
  if (
    pkg === "@aws-sdk/xml-builder" ||
    pkg.startsWith("@smithy/eventstream") ||
    /submodules\/(event-streams|cbor)\//.test(rest) ||
    (pkg === "@aws-sdk/core" && /submodules\/protocols\/(query|xml)\//.test(rest))
  ) {
    return "AWS SDK: protocols DynamoDB does not use (event streams, query, XML, CBOR)";
  }
  if (/^@(aws-sdk|smithy|aws-crypto|aws)\//.test(pkg) || pkg === "mnemonist" || pkg === "obliterator") {
    return "AWS SDK: DynamoDB client, JSON protocol, signing, retries, endpoints, HTTP";
  }
  return `other: ${pkg}`;
}

function composition(output: Metafile["outputs"][string] | undefined): BundlePart[] {
  const parts = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const part = partOf(input);
    parts.set(part, (parts.get(part) ?? 0) + bytesInOutput);
  }
  return [...parts.entries()].map(([part, bytes]) => ({ part, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Rewrites the project's `import { z } from "zod"` as a namespace import; records which files it changed. */
function zodNamespacePlugin(projectRoot: string, rewritten: Set<string>): Plugin {
  return {
    name: "what-if-zod-namespace",
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes("node_modules")) return undefined;
        const source = readFileSync(args.path, "utf8");
        const changed = source.replace(/^import \{ z \} from "zod";$/m, 'import * as z from "zod";');
        if (changed === source) return undefined;
        rewritten.add(relative(projectRoot, args.path));
        return { contents: changed, loader: "ts" };
      });
    },
  };
}

function envCredentialsPlugin(projectRoot: string): Plugin {
  return {
    name: "what-if-env-credentials",
    setup(b) {
      b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
        path: join(projectRoot, ENV_CREDENTIALS),
      }));
    },
  };
}

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
  parts: BundlePart[];
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
    const output = result.metafile?.outputs[metaKey];
    built.set(name, {
      dir,
      figure: {
        bytes: code.length,
        gzipBytes: gzipSync(code, { level: 9 }).length,
        mapBytes: statSync(`${outfile}.map`).size,
        topInputs: topInputs(output),
      },
      parts: composition(output),
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

  // What-if builds of one function (never deployed): the zod import as a namespace everywhere, then
  // also the credential chain reduced to the environment. Skipped when the function is not built, and
  // the zod one when no project file has the named import any more (the what-if is then the build).
  const whatIfBuilt = new Map<WhatIfBundle["id"], { built: Built; runtime?: Built; rewritten: string[] }>();
  if (names.includes(BREAKDOWN_FUNCTION)) {
    const entry = { [BREAKDOWN_FUNCTION]: join(functionsDir, `${BREAKDOWN_FUNCTION}.ts`) };
    const withPlugins =
      (plugins: Plugin[]) => (mode: SdkMode, entries: Record<string, string>, dir: string) => ({
        ...optionsFor(mode, entries, dir),
        plugins,
      });
    const rewritten = new Set<string>();
    const zod = [zodNamespacePlugin(projectRoot, rewritten)];
    const zodBundled = await buildAll(
      withPlugins(zod),
      "bundled",
      entry,
      join(outDir, "what-if-zod"),
      projectRoot,
    );
    const zodRuntime = await buildAll(
      withPlugins(zod),
      "runtime",
      entry,
      join(outDir, "what-if-zod-runtime"),
      projectRoot,
    );
    const zodEntry = zodBundled.get(BREAKDOWN_FUNCTION);
    const zodRuntimeEntry = zodRuntime.get(BREAKDOWN_FUNCTION);
    if (rewritten.size > 0 && zodEntry !== undefined) {
      whatIfBuilt.set("zod-namespace", {
        built: zodEntry,
        ...(zodRuntimeEntry !== undefined ? { runtime: zodRuntimeEntry } : {}),
        rewritten: [...rewritten].sort(),
      });
    }
    const both = await buildAll(
      withPlugins([zodNamespacePlugin(projectRoot, rewritten), envCredentialsPlugin(projectRoot)]),
      "bundled",
      entry,
      join(outDir, "what-if-zod-env-credentials"),
      projectRoot,
    );
    const bothEntry = both.get(BREAKDOWN_FUNCTION);
    if (bothEntry !== undefined) {
      whatIfBuilt.set("zod-namespace+env-credentials", {
        built: bothEntry,
        rewritten: [...rewritten].sort(),
      });
    }
  }

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
    `  cold init: ${measured.length} functions × ${SDK_MODES.length} modes, ${probes.size} probes, ${whatIfBuilt.size} what-if bundles, × ${sizes.coldInitRuns} runs, and the empty process`,
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
    for (const [id, w] of whatIfBuilt) {
      sample(`what-if/${id}`, runNode(join(w.built.dir, "init.mjs"), env, nodeOptions));
      if (w.runtime !== undefined)
        sample(`what-if/${id}/runtime`, runNode(join(w.runtime.dir, "init.mjs"), env, nodeOptions));
    }
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

  const withInit = (figure: BundleFigure, key: string): BundleFigure => {
    const list = samples.get(key);
    return list === undefined
      ? figure
      : { ...figure, coldInitMs: round(median(list)), coldInitRatio: round(median(list) / emptyNodeMs) };
  };
  const labels: Record<WhatIfBundle["id"], string> = {
    "zod-namespace": 'every `import { z } from "zod"` as `import * as z from "zod"`',
    "zod-namespace+env-credentials":
      "that, and @aws-sdk/credential-provider-node aliased to env credentials only (esbuild alias)",
  };
  const whatIf: WhatIfBundle[] = [...whatIfBuilt].map(([id, w]) => ({
    id,
    label: labels[id],
    rewritten: w.rewritten,
    bundled: withInit(w.built.figure, `what-if/${id}`),
    ...(w.runtime !== undefined ? { runtime: withInit(w.runtime.figure, `what-if/${id}/runtime`) } : {}),
    composition: w.built.parts,
  }));

  return {
    esbuildTarget: target,
    nodeOptions: nodeOptions.join(" "),
    emptyNodeMs: round(emptyNodeMs),
    coldInitRuns: sizes.coldInitRuns,
    functions,
    breakdown,
    ...(breakdownEntry !== undefined
      ? { composition: { function: BREAKDOWN_FUNCTION, parts: breakdownEntry.parts } }
      : {}),
    whatIf,
  };
}
