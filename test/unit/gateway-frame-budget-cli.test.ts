/**
 * `namesrv gateway --frame-budget-bytes / --frame-budget-frames / --frame-timeout` (and their
 * NAMESRV_GATEWAY_FRAME_* fallbacks): values out of range are refused naming the flag, and a budget
 * given on the command line is the one the running gateway enforces.
 */
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../lib/tools/cli";
import { sendPartialFrame } from "../support/partial-frame";

const sockets: Socket[] = [];
const stops: AbortController[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const c of stops.splice(0)) c.abort();
});

/** The CLI's gateway command in this process; a gateway it starts is stopped after the test at the latest. */
async function gatewayCli(
  argv: string[],
  env: Record<string, string> = {},
  controller = new AbortController(),
) {
  stops.push(controller);
  const signal = controller.signal;
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(["gateway", "--url", "http://127.0.0.1:1", ...argv], {
    env,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    signal,
  });
  return { code, stdout: () => out.join(""), stderr: () => err.join("") };
}

describe("namesrv gateway's frame budget flags", () => {
  it.each([
    [
      ["--frame-budget-bytes", "1048575"],
      {},
      /--frame-budget-bytes must be an integer from 1048576 to 4294967296, got '1048575'/,
    ],
    [
      ["--frame-budget-bytes", "64MiB"],
      {},
      /--frame-budget-bytes must be an integer from 1048576 to 4294967296/,
    ],
    [
      ["--frame-budget-frames", "0"],
      {},
      /--frame-budget-frames must be an integer from 1 to 100000, got '0'/,
    ],
    [["--frame-budget-frames", "100001"], {}, /--frame-budget-frames must be an integer from 1 to 100000/],
    [["--frame-timeout", "999"], {}, /--frame-timeout must be an integer from 1000 to 600000, got '999'/],
    [["--frame-timeout", "600001"], {}, /--frame-timeout must be an integer from 1000 to 600000/],
    [
      [],
      { NAMESRV_GATEWAY_FRAME_BUDGET_BYTES: "5000000000" },
      /--frame-budget-bytes must be an integer from 1048576 to 4294967296, got '5000000000'/,
    ],
    [
      [],
      { NAMESRV_GATEWAY_FRAME_BUDGET_FRAMES: "x" },
      /--frame-budget-frames must be an integer from 1 to 100000, got 'x'/,
    ],
    [
      [],
      { NAMESRV_GATEWAY_FRAME_TIMEOUT_MS: "10" },
      /--frame-timeout must be an integer from 1000 to 600000, got '10'/,
    ],
    // The change feed's full round (lib/gateway/route-cache.ts): a minute to a day.
    [
      ["--full-refresh", "59999"],
      {},
      /--full-refresh must be an integer from 60000 to 86400000, got '59999'/,
    ],
    [
      [],
      { NAMESRV_GATEWAY_FULL_REFRESH_MS: "1h" },
      /--full-refresh must be an integer from 60000 to 86400000/,
    ],
  ])("refuses %j %j naming the flag and its range, before listening", async (argv, env, message) => {
    const run = await gatewayCli(["--listen", "127.0.0.1:0", ...argv], env);
    expect(await run.code).not.toBe(0);
    expect(run.stderr()).toMatch(message);
    expect(run.stdout()).not.toMatch(/listening/);
  });

  it("the flag wins over its environment variable", async () => {
    const controller = new AbortController();
    const run = await gatewayCli(
      ["--listen", "127.0.0.1:0", "--drain-timeout", "0", "--frame-timeout", "2000"],
      { NAMESRV_GATEWAY_FRAME_TIMEOUT_MS: "x", NAMESRV_GATEWAY_FRAME_BUDGET_FRAMES: "7" },
      controller,
    );
    await expect.poll(run.stdout).toMatch(/listening/);
    expect(run.stdout()).toMatch(/frame budget 67108864 bytes, 7 frames, 2000 ms per frame/);
    controller.abort();
    expect(await run.code).toBe(0);
  });

  it("enforces the budget given on the command line: with --frame-budget-frames 1 a second partial frame is closed while the first is held", async () => {
    const controller = new AbortController();
    const run = await gatewayCli(
      ["--listen", "127.0.0.1:0", "--drain-timeout", "0", "--frame-budget-frames", "1"],
      {},
      controller,
    );
    await expect.poll(run.stdout).toMatch(/listening on 127\.0\.0\.1:\d+/);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(run.stdout())?.[1]);
    try {
      const first = await sendPartialFrame(port, sockets);
      const second = await sendPartialFrame(port, sockets);
      await second.closed;
      expect(first.state.closed).toBe(false);
    } finally {
      controller.abort();
      expect(await run.code).toBe(0);
    }
  });
});
