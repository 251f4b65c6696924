/** GET /health's probe cache: a flood of the public route is one store read per period (fake clock). */
import { describe, expect, it } from "vitest";
import { ProbeCache } from "../../lib/app/probe-cache";

function counted(results: Array<() => Promise<string>>) {
  let calls = 0;
  const probe = () => {
    const next = results[Math.min(calls, results.length - 1)] as () => Promise<string>;
    calls++;
    return next();
  };
  return { probe, calls: () => calls };
}

describe("ProbeCache", () => {
  it("answers a flood from one probe per period, and probes again once the period has passed", async () => {
    let now = 0;
    const { probe, calls } = counted([async () => "a", async () => "b"]);
    const cache = new ProbeCache(probe, 5000, () => now);
    const answers = await Promise.all(Array.from({ length: 1000 }, () => cache.get()));
    expect(new Set(answers)).toEqual(new Set(["a"]));
    expect(calls()).toBe(1);
    now = 4999;
    expect(await cache.get()).toBe("a");
    now = 5000;
    expect(await cache.get()).toBe("b");
    expect(calls()).toBe(2);
  });

  it("does not keep a failure: the next call probes again", async () => {
    const { probe, calls } = counted([() => Promise.reject(new Error("table down")), async () => "ok"]);
    const cache = new ProbeCache(probe, 5000, () => 0);
    await expect(cache.get()).rejects.toThrow("table down");
    expect(await cache.get()).toBe("ok");
    expect(calls()).toBe(2);
  });

  it("probes on every call when the period is 0", async () => {
    const { probe, calls } = counted([async () => "a"]);
    const cache = new ProbeCache(probe, 0);
    await cache.get();
    await cache.get();
    expect(calls()).toBe(2);
  });
});
