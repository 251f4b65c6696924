#!/usr/bin/env node
/**
 * `namesrv`: the registry's command-line tool. From a checkout: `npm run namesrv -- <command>` or
 * `npx tsx bin/namesrv.ts <command>`; installed, the package's `namesrv` bin is this file compiled
 * (dist/bin/namesrv.js, plain Node). All the logic is in lib/tools/.
 */
import { runCli } from "../lib/tools/cli";

// The AWS SDK (loaded only for SigV4) warns about Node 20 on every run; the CLI supports Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** A Ctrl-C within this long of the first is the same one, relayed again by npm or tsx. */
const RELAY_WINDOW_MILLIS = 1500;

// `namesrv topicList | head`: a reader that went away is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const controller = new AbortController();
let firstSignalAt: number | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    const now = Date.now();
    if (firstSignalAt === undefined) {
      firstSignalAt = now;
      controller.abort();
      return;
    }
    // The terminal signals the whole process group and npm/tsx relay it: the same Ctrl-C arrives
    // two or three times within milliseconds. Only a later one means "stop now, skip the cleanup".
    if (now - firstSignalAt < RELAY_WINDOW_MILLIS) return;
    process.stderr.write(`${signal} again: exiting without finishing the cleanup\n`);
    process.exit(130);
  });
}

const exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  signal: controller.signal,
});
process.exitCode = exitCode;
// Long-running commands leave nothing behind, but a keep-alive socket must not hold the exit.
setTimeout(() => process.exit(exitCode), 100).unref();
