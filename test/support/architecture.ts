/**
 * The dependency rules of the layout (README "Project layout"), read from the source: every relative
 * import, export-from, dynamic import and require of every source file, folded into arrows between
 * folders (a "unit": `lib/<room>`, the shared files at `lib/` itself, `test/support`, or a top-level
 * folder).
 * An arrow a unit's rule does not allow, and any cycle between units, is a violation.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, resolve } from "node:path";

/** What each unit may import (besides itself). A unit missing here may import nothing of the project. */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  /** concurrency, observability: shared helpers, nothing of the project. */
  lib: [],
  /** RocketMQ's rules, pure. */
  "lib/domain": [],
  "lib/store": ["lib", "lib/domain"],
  "lib/app": ["lib", "lib/domain", "lib/store"],
  "lib/http": ["lib", "lib/domain"],
  /** RocketMQ's remoting protocol only: no NameServer, no registry client. */
  "lib/remoting": [],
  /** The library brokers and clients import: never the CLI, the gateway, the runner or the server side. */
  "lib/client": ["lib", "lib/domain"],
  "lib/gateway": ["lib", "lib/domain", "lib/remoting", "lib/client"],
  "lib/dashboard": ["lib", "lib/domain", "lib/client"],
  /** The local runner: the handlers behind an HTTP server, DynamoDB Local, the gateway. */
  "lib/local": [
    "lib",
    "lib/domain",
    "lib/store",
    "lib/app",
    "lib/http",
    "lib/remoting",
    "lib/client",
    "lib/gateway",
    "functions",
  ],
  /** The CLI (`namesrv`), one file per command group. */
  "lib/tools": [
    "lib",
    "lib/domain",
    "lib/remoting",
    "lib/client",
    "lib/gateway",
    "lib/dashboard",
    "lib/local",
  ],
  functions: ["lib", "lib/domain", "lib/store", "lib/app", "lib/http"],
  infra: ["lib", "lib/domain", "lib/store", "lib/app", "lib/http"],
  bin: ["lib/tools"],
  scripts: [],
  /** What the README shows a user writing: the library only. */
  examples: ["lib/client"],
  /** Benchmarks drive everything and reuse the tests' fixtures (test/support), never a test. */
  bench: [
    "lib",
    "lib/domain",
    "lib/store",
    "lib/app",
    "lib/http",
    "lib/remoting",
    "lib/client",
    "lib/gateway",
    "lib/local",
    "lib/tools",
    "functions",
    "infra",
    "test/support",
  ],
  /** The tests' fixtures: over the product, never over a test or the benchmarks. */
  "test/support": [
    "lib",
    "lib/domain",
    "lib/store",
    "lib/app",
    "lib/http",
    "lib/remoting",
    "lib/client",
    "lib/gateway",
    "lib/local",
    "lib/tools",
    "lib/dashboard",
    "functions",
    "infra",
  ],
  test: ["*"],
};

export const SOURCE_ROOTS = [
  "lib",
  "functions",
  "infra",
  "bin",
  "scripts",
  "examples",
  "bench",
  "test",
] as const;

export interface Arrow {
  from: string;
  to: string;
  /** `file -> specifier` of every import that makes the arrow. */
  imports: string[];
}

export interface ArchitectureReport {
  arrows: Arrow[];
  /** Arrows no rule allows, with the imports that make them. */
  forbidden: Arrow[];
  /** Units that reach each other (strongly connected components of more than one unit). */
  cycles: string[][];
}

/** The unit a repository-relative path belongs to. */
export function unitOf(path: string): string {
  const parts = normalize(path).split(/[\\/]/);
  if (parts[0] === "lib") return parts.length > 2 ? `lib/${parts[1]}` : "lib";
  // The tests' fixtures (test/support, and a tier's own, e.g. test/interop/support).
  if (parts[0] === "test" && (parts[1] === "support" || parts[2] === "support")) return "test/support";
  return parts[0] ?? path;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\(\s*)["']([^"']+)["']/g;

/** The relative specifiers a source text imports (comments are skipped). */
export function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(IMPORT)].map((m) => m[1] ?? "").filter((spec) => spec.startsWith("."));
}

const EXTENSIONS = [".ts", ".tsx", ".mts", ".js", ".mjs"];

/** The file an extension-less specifier names (`../concurrency` is a file, `../client` a folder's index). */
function resolveImport(target: string, files: ReadonlyMap<string, string>): string {
  if (files.has(target)) return target;
  for (const ext of EXTENSIONS) if (files.has(target + ext)) return target + ext;
  for (const ext of EXTENSIONS) if (files.has(`${target}/index${ext}`)) return `${target}/index${ext}`;
  return target;
}

/** Checks a set of source files (repository-relative path → text) against ALLOWED. */
export function checkArchitecture(
  files: ReadonlyMap<string, string>,
  allowed: Readonly<Record<string, readonly string[]>> = ALLOWED,
): ArchitectureReport {
  const byArrow = new Map<string, Arrow>();
  for (const [file, text] of files) {
    const from = unitOf(file);
    for (const spec of importsOf(text)) {
      const to = unitOf(resolveImport(relative(resolve("/"), resolve("/", dirname(file), spec)), files));
      if (to === from) continue;
      const key = `${from} -> ${to}`;
      const arrow = byArrow.get(key) ?? { from, to, imports: [] };
      arrow.imports.push(`${file} -> ${spec}`);
      byArrow.set(key, arrow);
    }
  }
  const arrows = [...byArrow.values()].sort((a, b) => (`${a.from} ${a.to}` < `${b.from} ${b.to}` ? -1 : 1));
  const forbidden = arrows.filter((a) => {
    const rule = allowed[a.from] ?? [];
    return !rule.includes("*") && !rule.includes(a.to);
  });
  return { arrows, forbidden, cycles: cyclesOf(arrows) };
}

/** Tarjan's strongly connected components of the unit graph, those of more than one unit. */
function cyclesOf(arrows: readonly Arrow[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of arrows) {
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (unit: string) => {
    index.set(unit, counter);
    low.set(unit, counter);
    counter++;
    stack.push(unit);
    onStack.add(unit);
    for (const to of next.get(unit) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(unit, Math.min(low.get(unit) ?? 0, low.get(to) ?? 0));
      } else if (onStack.has(to)) {
        low.set(unit, Math.min(low.get(unit) ?? 0, index.get(to) ?? 0));
      }
    }
    if (low.get(unit) === index.get(unit)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== unit);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const unit of [...next.keys()].sort()) if (!index.has(unit)) visit(unit);
  return components;
}

/** Every TypeScript / JavaScript source under the source roots of a checkout. */
export function readSources(rootDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(rootDir, dir))) {
      if (entry === "node_modules" || entry.startsWith(".")) continue;
      const path = join(dir, entry);
      if (statSync(join(rootDir, path)).isDirectory()) walk(path);
      else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(entry) && !entry.endsWith(".d.ts")) {
        files.set(path, readFileSync(join(rootDir, path), "utf8"));
      }
    }
  };
  for (const root of SOURCE_ROOTS) {
    try {
      if (statSync(join(rootDir, root)).isDirectory()) walk(root);
    } catch {
      // A checkout without this folder.
    }
  }
  return files;
}
