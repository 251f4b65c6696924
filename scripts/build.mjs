#!/usr/bin/env node
// The package build (run by `npm run build` and by `prepack`, so `npm pack` / `npm publish` ship it):
// - dist/bin/namesrv.js: the CLI, one ES module for plain Node (no tsx, no devDependencies);
// - dist/client/index.js: what brokers and producers import (`serverless-namesrv/client`);
// - dist/types/**.d.ts: type declarations of the client, relative imports ending in `.js` so that
//   `moduleResolution: node16/nodenext` consumers resolve them as well as bundler ones.
// Runtime dependencies (package.json "dependencies") stay external: npm installs them.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
rmSync(dist, { recursive: true, force: true });

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
console.error("built dist/bin/namesrv.js, dist/client/index.js and dist/types");
