import { describe, expect, it } from "vitest";
import { parseLocalConfig } from "../../lib/local/config";

describe("parseLocalConfig (the local runner's environment)", () => {
  it("has API.md's defaults", () => {
    expect(parseLocalConfig({})).toEqual({
      ok: true,
      config: {
        port: 9877,
        remotingPort: 9876,
        remotingRouteCacheMs: 30_000,
        remotingUnregisterOnClose: true,
        remotingFrameBudget: {
          maxPendingBytes: 64 * 1024 * 1024,
          maxFramesInProgress: 1024,
          frameTimeoutMs: 30_000,
        },
        host: "127.0.0.1",
        tableName: "namesrv",
        dataDir: ".namesrv-data",
        sweepIntervalMs: 30_000,
        logFormat: "human",
      },
    });
  });

  it("reads every variable", () => {
    const result = parseLocalConfig({
      PORT: "0",
      REMOTING_PORT: "0",
      REMOTING_ROUTE_CACHE_MS: "0",
      REMOTING_UNREGISTER_ON_CLOSE: "false",
      REMOTING_FRAME_BUDGET_BYTES: "1048576",
      REMOTING_FRAME_BUDGET_FRAMES: "100000",
      REMOTING_FRAME_TIMEOUT_MS: "600000",
      HOST: "0.0.0.0",
      DYNAMODB_ENDPOINT: "http://127.0.0.1:8000",
      TABLE_NAME: "my-table",
      NAMESRV_DATA_DIR: ":memory:",
      SWEEP_INTERVAL_MS: "500",
      NAMESRV_TOKEN: "t0k3n",
    });
    expect(result).toEqual({
      ok: true,
      config: {
        port: 0,
        remotingPort: 0,
        remotingRouteCacheMs: 0,
        remotingUnregisterOnClose: false,
        remotingFrameBudget: {
          maxPendingBytes: 1024 * 1024,
          maxFramesInProgress: 100_000,
          frameTimeoutMs: 600_000,
        },
        host: "0.0.0.0",
        dynamodbEndpoint: "http://127.0.0.1:8000",
        tableName: "my-table",
        dataDir: ":memory:",
        sweepIntervalMs: 500,
        logFormat: "human",
        token: "t0k3n",
      },
    });
  });

  it.each([
    [{ PORT: "abc" }, /PORT/],
    [{ PORT: "70000" }, /PORT/],
    [{ PORT: "-1" }, /PORT/],
    [{ REMOTING_PORT: "x" }, /REMOTING_PORT/],
    [{ PORT: "9000", REMOTING_PORT: "9000" }, /REMOTING_PORT and PORT must differ/],
    [{ REMOTING_ROUTE_CACHE_MS: "-5" }, /REMOTING_ROUTE_CACHE_MS/],
    [{ REMOTING_UNREGISTER_ON_CLOSE: "yes" }, /REMOTING_UNREGISTER_ON_CLOSE/],
    [{ DYNAMODB_ENDPOINT: "localhost:8000" }, /DYNAMODB_ENDPOINT/],
    [{ TABLE_NAME: "a b" }, /TABLE_NAME/],
    [{ TABLE_NAME: "ab" }, /TABLE_NAME/],
    [{ SWEEP_INTERVAL_MS: "10" }, /SWEEP_INTERVAL_MS/],
    [{ SWEEP_INTERVAL_MS: "1s" }, /SWEEP_INTERVAL_MS/],
    [{ NAMESRV_TOKEN: "" }, /NAMESRV_TOKEN/],
    [{ NAMESRV_TOKEN: "a b" }, /NAMESRV_TOKEN/],
  ])("refuses %o with a message naming the variable", (env, message) => {
    const result = parseLocalConfig(env);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join("\n")).toMatch(message);
  });

  it("takes each frame budget setting alone, keeping the defaults of the others, up to its maximum", () => {
    const result = parseLocalConfig({
      REMOTING_FRAME_BUDGET_BYTES: String(4 * 1024 * 1024 * 1024),
      REMOTING_FRAME_BUDGET_FRAMES: "1",
    });
    expect(result.ok && result.config.remotingFrameBudget).toEqual({
      maxPendingBytes: 4 * 1024 * 1024 * 1024,
      maxFramesInProgress: 1,
      frameTimeoutMs: 30_000,
    });
    const timeout = parseLocalConfig({ REMOTING_FRAME_TIMEOUT_MS: "1000" });
    expect(timeout.ok && timeout.config.remotingFrameBudget).toEqual({
      maxPendingBytes: 64 * 1024 * 1024,
      maxFramesInProgress: 1024,
      frameTimeoutMs: 1000,
    });
  });

  it.each([
    ["REMOTING_FRAME_BUDGET_BYTES", "1048575", "from 1048576 to 4294967296"],
    ["REMOTING_FRAME_BUDGET_BYTES", "4294967297", "from 1048576 to 4294967296"],
    ["REMOTING_FRAME_BUDGET_BYTES", "64MiB", "from 1048576 to 4294967296"],
    ["REMOTING_FRAME_BUDGET_FRAMES", "0", "from 1 to 100000"],
    ["REMOTING_FRAME_BUDGET_FRAMES", "100001", "from 1 to 100000"],
    ["REMOTING_FRAME_BUDGET_FRAMES", "-1", "from 1 to 100000"],
    ["REMOTING_FRAME_TIMEOUT_MS", "999", "from 1000 to 600000"],
    ["REMOTING_FRAME_TIMEOUT_MS", "600001", "from 1000 to 600000"],
    ["REMOTING_FRAME_TIMEOUT_MS", "1.5", "from 1000 to 600000"],
  ])("refuses %s=%s naming the variable and its range", (name, value, range) => {
    const result = parseLocalConfig({ [name]: value });
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.errors).toEqual([
      expect.stringMatching(
        new RegExp(`^${name} must be an integer number of .* ${range}, got "${value.replace(".", "\\.")}"$`),
      ),
    ]);
  });

  it("reports every invalid variable at once", () => {
    const result = parseLocalConfig({ PORT: "x", SWEEP_INTERVAL_MS: "y" });
    expect(result.ok === false && result.errors).toHaveLength(2);
  });
});
