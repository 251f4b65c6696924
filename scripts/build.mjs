#!/usr/bin/env node
// The package build (run by `npm run build` and by `prepack`, so `npm pack` / `npm publish` ship it),
// under tsx so that it reads the functions' esbuild settings from infra/namesrv-function.ts:
// - dist/bin/namesrv.js: the CLI, one ES module for plain Node (no tsx, no devDependencies);
// - dist/client/index.js and index.cjs: what brokers and producers import (`serverless-namesrv/client`),
//   for `import` and for `require()`;
// - dist/cdk/index.js and index.cjs: the NameServer construct (`serverless-namesrv/cdk`), aws-cdk-lib
//   and constructs left to the app (peer dependencies);
// - dist/functions/<module>/index.mjs: every Lambda handler, bundled with the stack's settings (AWS SDK
//   included) and split into shared chunks, which the packaged construct deploys as one asset;
// - dist/types/**.d.ts: type declarations of the client and the construct, relative imports ending in
//   `.js` so that `moduleResolution: node16/nodenext` consumers resolve them as well as bundler ones.
// Runtime dependencies (package.json "dependencies") stay external: npm installs them.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
  absWorkingDir: root,
};
await build({
  ...common,
  entryPoints: { "bin/namesrv": "bin/namesrv.ts", "client/index": "lib/client/index.ts" },
  outdir: dist,
  define: { __NAMESRV_VERSION__: JSON.stringify(version) },
});
// The construct: where its handler bundles are, relative to dist/cdk/index.{js,cjs}.
const cdkDefine = { __NAMESRV_PREBUILT_FUNCTIONS__: JSON.stringify("../functions/") };
await build({ ...common, entryPoints: { "cdk/index": "infra/cdk.ts" }, outdir: dist, define: cdkDefine });
// CommonJS twins for require(): import.meta.url from the file's own path.
const cjs = {
  ...common,
  format: "cjs",
  outExtension: { ".js": ".cjs" },
  outdir: dist,
  banner: { js: 'const __namesrvImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
};
await build({
  ...cjs,
  entryPoints: { "client/index": "lib/client/index.ts", "cdk/index": "infra/cdk.ts" },
  define: { ...cdkDefine, "import.meta.url": "__namesrvImportMetaUrl" },
});

// The handlers, with the stack's own esbuild settings (infra/namesrv-function.ts, never copied).
const infra = await import("../infra/namesrv-function.ts");
const bundling = infra.namesrvBundling("bundled");
const handlerModules = readdirSync(join(root, "functions"))
  .filter((name) => name.endsWith(".ts"))
  .map((name) => name.slice(0, -3));
await build({
  entryPoints: Object.fromEntries(handlerModules.map((m) => [`${m}/index`, `functions/${m}.ts`])),
  outdir: join(dist, "functions"),
  outExtension: { ".js": ".mjs" },
  bundle: true,
  // One asset for all functions: what handlers share (the SDK, the domain) is one chunk, not 25 copies.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  platform: "node",
  target: infra.NAMESRV_ESBUILD_TARGET,
  format: "esm",
  mainFields: bundling.mainFields,
  banner: { js: bundling.banner },
  minify: bundling.minify,
  sourcemap: bundling.sourceMap,
  sourcesContent: bundling.sourcesContent,
  absWorkingDir: root,
  logLevel: "warning",
});
chmodSync(join(dist, "bin/namesrv.js"), 0o755);
// The status page's static files, next to the bundle that reads them (`new URL("./static/…", import.meta.url)`).
cpSync(join(root, "lib/dashboard/static"), join(dist, "bin/static"), { recursive: true });

execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
});

/** `from "./x"` → `from "./x.js"` (or `./x/index.js` for a directory) in every emitted declaration. */
function fixDeclarationImports(dir) {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) {
      fixDeclarationImports(file);
      continue;
    }
    if (!file.endsWith(".d.ts")) continue;
    const text = readFileSync(file, "utf8").replace(
      /(from\s+|import\()(["'])(\.{1,2}\/[^"']+)\2/g,
      (whole, keyword, quote, specifier) => {
        if (/\.(js|mjs|cjs|json)$/.test(specifier)) return whole;
        const target = resolve(dirname(file), specifier);
        let isDir = false;
        try {
          isDir = statSync(target).isDirectory();
        } catch {}
        return `${keyword}${quote}${specifier}${isDir ? "/index.js" : ".js"}${quote}`;
      },
    );
    writeFileSync(file, text);
  }
}
fixDeclarationImports(join(dist, "types"));
console.error(
  `built dist/bin/namesrv.js, dist/client, dist/cdk, ${handlerModules.length} handler bundles in dist/functions and dist/types`,
);
