import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startSweeperTimer } from "../../lib/local/sweeper-timer";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("startSweeperTimer", () => {
  it("runs the sweep every interval", async () => {
    const sweep = vi.fn(async () => undefined);
    const timer = startSweeperTimer(sweep, 1000, () => undefined);
    await vi.advanceTimersByTimeAsync(3500);
    expect(sweep).toHaveBeenCalledTimes(3);
    await timer.stop();
  });

  it("never overlaps runs: a slow sweep delays the next one", async () => {
    let running = 0;
    let maxRunning = 0;
    const sweep = vi.fn(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      running -= 1;
    });
    const timer = startSweeperTimer(sweep, 1000, () => undefined);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(maxRunning).toBe(1);
    expect(sweep.mock.calls.length).toBeLessThanOrEqual(3);
    const stopped = timer.stop();
    await vi.advanceTimersByTimeAsync(3000);
    await stopped;
  });

  it("keeps running after a failed sweep and reports the error", async () => {
    const onError = vi.fn();
    const sweep = vi.fn().mockRejectedValueOnce(new Error("table down")).mockResolvedValue(undefined);
    const timer = startSweeperTimer(sweep, 1000, onError);
    await vi.advanceTimersByTimeAsync(2500);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: "table down" }));
    expect(sweep).toHaveBeenCalledTimes(2);
    await timer.stop();
  });

  it("stop() waits for the run in progress and schedules no more", async () => {
    let finished = false;
    const sweep = vi.fn(async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      finished = true;
    });
    const timer = startSweeperTimer(sweep, 1000, () => undefined);
    await vi.advanceTimersByTimeAsync(1100);
    const stopped = timer.stop();
    await vi.advanceTimersByTimeAsync(500);
    await stopped;
    expect(finished).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(sweep).toHaveBeenCalledTimes(1);
  });
});
