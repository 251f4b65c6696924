import { describe, expect, it } from "vitest";
import { ALLOWED, checkArchitecture, importsOf, readSources, unitOf } from "../support/architecture";

const repo = new URL("../../", import.meta.url).pathname;

/** A file this long is two files (README "Project layout"). */
const MAX_LINES = 600;
/** Files still over MAX_LINES, each with the split that takes it under. */
const OVERSIZED: Readonly<Record<string, string>> = {};

const explain = (report: ReturnType<typeof checkArchitecture>) =>
  [
    ...report.forbidden.map((a) => `forbidden ${a.from} -> ${a.to}: ${a.imports.join(", ")}`),
    ...report.cycles.map((c) => `cycle between ${c.join(", ")}`),
  ].join("\n");

describe("the layout's dependency rules (README 'Project layout')", () => {
  const sources = readSources(repo);

  it("reads the whole source tree", () => {
    expect(sources.has("lib/domain/model.ts")).toBe(true);
    expect(sources.has("functions/router.ts")).toBe(true);
    expect(sources.size).toBeGreaterThan(200);
  });

  it("no folder imports what its rule does not allow, and no two folders reach each other", () => {
    const report = checkArchitecture(sources);
    expect(explain(report)).toBe("");
    // The walk sees the arrows that exist, so an empty report is not an empty graph.
    expect(report.arrows.some((a) => a.from === "functions" && a.to === "lib/app")).toBe(true);
  });

  it(`no source file is over ${MAX_LINES} lines, but those listed while their split is under way`, () => {
    const lines = (text: string) => (text.match(/\n/g) ?? []).length;
    const over = [...sources]
      .filter(([path, text]) => lines(text) > MAX_LINES && !(path in OVERSIZED))
      .map(([path, text]) => `${path}: ${lines(text)} lines`);
    expect(over, `split these, or list one in OVERSIZED (${import.meta.url}) with its split`).toEqual([]);
  });

  it("every folder of lib/ has a rule", () => {
    const units = new Set([...sources.keys()].map(unitOf));
    expect([...units].filter((unit) => !(unit in ALLOWED))).toEqual([]);
  });
});

describe("the architecture check fails on a planted violation", () => {
  const planted = (extra: Record<string, string>) =>
    checkArchitecture(
      new Map([
        ["lib/domain/model.ts", 'import * as z from "zod";\n'],
        ["lib/store/registry-store.ts", 'import type { BrokerGroup } from "../domain/model";\n'],
        ["lib/app/name-server.ts", 'import type { RegistryStore } from "../store/registry-store";\n'],
        ["functions/get-kv.ts", 'import { nameServer } from "../lib/app/container";\n'],
        ...Object.entries(extra),
      ]),
    );

  it("the clean sample passes", () => {
    expect(explain(planted({}))).toBe("");
  });

  it("domain importing the store is a forbidden arrow and a cycle", () => {
    const report = planted({ "lib/domain/route.ts": 'import { x } from "../store/registry-store";\n' });
    expect(report.forbidden.map((a) => `${a.from} -> ${a.to}`)).toEqual(["lib/domain -> lib/store"]);
    expect(report.forbidden[0]?.imports).toEqual(["lib/domain/route.ts -> ../store/registry-store"]);
    expect(report.cycles).toEqual([["lib/domain", "lib/store"]]);
  });

  it("a handler importing the local runner, lib importing test or bench, the library importing the CLI", () => {
    const report = planted({
      "functions/router.ts": 'import { decodePath } from "../lib/local/event";\n',
      "lib/store/fake.ts": 'export { fakeStore } from "../../test/support/fake-store";\n',
      "infra/probe.ts": 'const cost = await import("../bench/cost");\n',
      "lib/client/index.ts": 'import "../tools/cli";\n',
      "lib/remoting/server.ts": 'import type { Processor } from "../gateway/processors";\n',
      "bench/run.ts": 'import { registration } from "../test/integration/registration.test";\n',
    });
    expect(report.forbidden.map((a) => `${a.from} -> ${a.to}`).sort()).toEqual([
      "bench -> test",
      "functions -> lib/local",
      "infra -> bench",
      "lib/client -> lib/tools",
      "lib/remoting -> lib/gateway",
      "lib/store -> test/support",
    ]);
  });

  it("a cycle of allowed-looking arrows is still a cycle", () => {
    const report = checkArchitecture(
      new Map([
        ["a/x.ts", 'import "../b/y";'],
        ["b/y.ts", 'import "../c/z";'],
        ["c/z.ts", 'import "../a/x";'],
      ]),
      { a: ["b"], b: ["c"], c: ["a"] },
    );
    expect(report.forbidden).toEqual([]);
    expect(report.cycles).toEqual([["a", "b", "c"]]);
  });

  it("reads import, import type, export-from, side-effect, dynamic import and require; skips comments and packages", () => {
    const text = [
      'import { a } from "./a";',
      'import type { B } from "../b";',
      'export { c } from "./c";',
      'export * from "./d";',
      'import "./e";',
      'const f = await import("./f");',
      'const g = require("./g");',
      'import * as z from "zod";',
      '// import { h } from "./h";',
      '/* import { i } from "./i"; */',
      "import {",
      "  j,",
      '} from "./j";',
    ].join("\n");
    expect(importsOf(text)).toEqual(["./a", "../b", "./c", "./d", "./e", "./f", "./g", "./j"]);
  });
});
