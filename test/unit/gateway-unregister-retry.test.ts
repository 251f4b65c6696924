/**
 * Unregister-on-close across a registry outage (lib/gateway/unregister-on-close.ts): retried after
 * transient failures within a bounded schedule, final on a refusal, and dropped once the broker
 * showed itself again through the gateway.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NameServerUnreachableError } from "../../lib/client/transport";
import { type RemotingGateway, startRemotingGateway } from "../../lib/gateway/gateway";
import { DEFAULT_UNREGISTER_RETRY_DELAYS_MS, unregisterOnClose } from "../../lib/gateway/unregister-on-close";
import type { BrokerIdentity } from "../../lib/remoting/processor";
import { RequestCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { fakeRegistryApi, requestError } from "../support/fake-registry-api";

const broker: BrokerIdentity = {
  clusterName: "DefaultCluster",
  brokerName: "broker-a",
  brokerId: 0,
  brokerAddr: "10.0.0.1:10911",
};
const unreachable = () => new NameServerUnreachableError("http://registry.test", "network");

describe("unregisterOnClose", () => {
  function run(failures: unknown[], options: { cameBackAfter?: number; delaysMs?: number[] } = {}) {
    const calls: number[] = [];
    const slept: number[] = [];
    const logs: string[] = [];
    let unregistered = false;
    const done = unregisterOnClose(broker, {
      unregister: async () => {
        calls.push(calls.length);
        const failure = failures.shift();
        if (failure !== undefined) throw failure;
      },
      cameBack: () => options.cameBackAfter !== undefined && slept.length >= options.cameBackAfter,
      onUnregistered: () => {
        unregistered = true;
      },
      log: (line) => logs.push(line),
      delaysMs: options.delaysMs ?? [1, 2, 4],
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    return done.then(() => ({ calls: calls.length, slept, logs, unregistered }));
  }

  it("tries again after the registry was unreachable or busy, and succeeds once it answers", async () => {
    const result = await run([unreachable(), requestError(503, "SERVICE_UNAVAILABLE")]);
    expect(result).toMatchObject({ calls: 3, slept: [1, 2], unregistered: true });
    expect(result.logs.at(-1)).toMatch(/unregistered broker broker-a \(10\.0\.0\.1:10911\) at attempt 3/);
  });

  it("gives up after the last pause, saying the heartbeat timeout will remove the broker", async () => {
    const result = await run([unreachable(), unreachable(), unreachable(), unreachable(), unreachable()]);
    expect(result).toMatchObject({ calls: 4, slept: [1, 2, 4], unregistered: false });
    expect(result.logs.at(-1)).toMatch(/after 4 attempts.*heartbeat timeout will remove it/);
  });

  it("does not retry a refusal", async () => {
    const result = await run([requestError(400, "INVALID_REQUEST")]);
    expect(result).toMatchObject({ calls: 1, slept: [], unregistered: false });
  });

  it("never tries again once the broker came back", async () => {
    const result = await run([unreachable(), unreachable(), unreachable()], { cameBackAfter: 2 });
    expect(result).toMatchObject({ calls: 2, slept: [1, 2], unregistered: false });
    expect(result.logs.at(-1)).toMatch(/is back: its unregister is dropped/);
  });

  it("keeps the default schedule bounded (about two minutes, the default heartbeat timeout)", async () => {
    const failures = Array.from({ length: 50 }, unreachable);
    const result = await run(failures, { delaysMs: [...DEFAULT_UNREGISTER_RETRY_DELAYS_MS] });
    expect(result.calls).toBe(DEFAULT_UNREGISTER_RETRY_DELAYS_MS.length + 1);
    const total = result.slept.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(90_000);
    expect(total).toBeLessThanOrEqual(150_000);
  });
});

let gateway: RemotingGateway | undefined;
const clients: RemotingClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gateway?.close();
  gateway = undefined;
});

const header = {
  brokerName: "broker-a",
  brokerAddr: "10.0.0.1:10911",
  clusterName: "DefaultCluster",
  haServerAddr: "10.0.0.1:10912",
  brokerId: "0",
};

async function startWith(api: ReturnType<typeof fakeRegistryApi>, delays: number[]) {
  const logs: string[] = [];
  gateway = await startRemotingGateway({
    port: 0,
    client: api,
    routeCacheIntervalMs: 0,
    unregisterRetryDelaysMs: delays,
    log: (line) => logs.push(line),
  });
  const connect = () => {
    const c = new RemotingClient(`127.0.0.1:${gateway?.port}`);
    clients.push(c);
    return c;
  };
  return { logs, connect };
}

describe("the gateway's unregister-on-close across a registry outage", () => {
  it("unregisters the broker once the registry is back", async () => {
    let outage = 2;
    const api = fakeRegistryApi({
      unregisterBroker: () => {
        if (outage-- > 0) throw unreachable();
      },
    });
    const { logs, connect } = await startWith(api, [20, 20, 20]);
    const c = connect();
    await c.invoke(RequestCode.REGISTER_BROKER, header);
    c.close();
    await expect.poll(() => logs.join("\n")).toMatch(/unregistered broker broker-a .* at attempt 3/);
    expect(api.calls.map((x) => x.method)).toEqual([
      "registerBroker",
      "unregisterBroker",
      "unregisterBroker",
      "unregisterBroker",
    ]);
  });

  it("drops the retry once the broker registered again", async () => {
    const api = fakeRegistryApi({
      unregisterBroker: () => {
        throw unreachable();
      },
    });
    const { logs, connect } = await startWith(api, [300, 300]);
    const first = connect();
    await first.invoke(RequestCode.REGISTER_BROKER, header);
    first.close();
    await expect.poll(() => api.calls.filter((x) => x.method === "unregisterBroker").length).toBe(1);
    await connect().invoke(RequestCode.REGISTER_BROKER, header);
    await expect.poll(() => logs.join("\n"), { timeout: 5000 }).toMatch(/is back: its unregister is dropped/);
    expect(api.calls.map((x) => x.method)).toEqual(["registerBroker", "unregisterBroker", "registerBroker"]);
  });
});
