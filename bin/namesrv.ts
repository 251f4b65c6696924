#!/usr/bin/env -S node --import tsx
/**
 * `namesrv`: the registry's command-line tool. Run it with `npx tsx bin/namesrv.ts <command>`,
 * `npm run namesrv -- <command>`, or as the package's `namesrv` bin. All the logic is in lib/client/cli.ts.
 */
import { runCli } from "../lib/client/cli";

// The AWS SDK (loaded only for SigV4) warns about Node 20 on every run; the CLI supports Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const controller = new AbortController();
let interrupted = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    interrupted += 1;
    // A second Ctrl-C while unregistering means "now".
    if (interrupted > 1) process.exit(130);
    controller.abort();
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
