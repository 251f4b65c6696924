/**
 * The package's version, for `namesrv --version`: built in by scripts/build.mjs (esbuild `define`),
 * read from the repository's package.json when run from the sources (tsx).
 */
import { readFileSync } from "node:fs";

declare const __NAMESRV_VERSION__: string | undefined;

export function packageVersion(): string {
  if (typeof __NAMESRV_VERSION__ === "string") return __NAMESRV_VERSION__;
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
