/**
 * The change feed and the liveness digest over DynamoDB Local, through the real POST /routes handler
 * (functions/get-routes.ts) and a NameServer on a fake clock: a registration is in the feed with its
 * group and topics; a sweep publishes the members silent over 30 s with their ms left; what a feed
 * ask and a sweep cost in requests and capacity units.
 */
import { gunzipSync } from "node:zlib";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { NameServer } from "../../lib/app/name-server";
import type { ChangesAnswer } from "../../lib/domain/change-feed";
import { httpEvent } from "../support/http-event";
import { registration, topics, useRegistryFixture } from "../support/registry-fixture";

// The handler's container, over this file's fixture (its table, its fake clock).
const holder = vi.hoisted(() => ({ nameServer: undefined as NameServer | undefined }));
vi.mock("../../lib/app/container", () => ({
  nameServer: new Proxy(
    {},
    {
      get: (_target, name) => {
        if (holder.nameServer === undefined) throw new Error("no NameServer yet");
        return Reflect.get(holder.nameServer, name);
      },
    },
  ),
}));
const { handler } = await import("../../functions/get-routes");

const f = useRegistryFixture();
beforeAll(() => {
  holder.nameServer = f.nameServer;
});

const ADDR = "10.0.0.1:10911";

async function post(json: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await handler(
    httpEvent({ method: "POST", path: "/routes", routeKey: "POST /routes", json }),
  );
  const text = response.isBase64Encoded
    ? gunzipSync(Buffer.from(response.body ?? "", "base64")).toString("utf8")
    : (response.body ?? "null");
  return { status: response.statusCode, body: JSON.parse(text) };
}

const changesOf = (body: Record<string, unknown>) => body.changes as ChangesAnswer;

describe("POST /routes with changesSince over DynamoDB Local", () => {
  let registeredAt: number;

  it("shows a registration with its group and topics, and the digest once a sweep wrote one", async () => {
    registeredAt = f.clock.time;
    await f.nameServer.registerBroker(
      registration({ brokerAddr: ADDR, topicConfigTable: topics(2, "Feed") }),
    );
    f.clock.advance(1_000);
    // Before any sweep: no digest, no liveness.
    const before = await post({ topics: [], changesSince: registeredAt - 40_000 });
    expect(before.status).toBe(200);
    expect(changesOf(before.body)).not.toHaveProperty("liveness");
    expect(changesOf(before.body)).toMatchObject({
      until: registeredAt + 1_000,
      complete: true,
      entries: [
        { action: "broker.registered", broker: "broker-a", topics: ["Feed-0", "Feed-1"], time: registeredAt },
      ],
    });

    await f.nameServer.sweep();
    f.clock.advance(1_000);
    const after = await post({ topics: ["Feed-0"], deadlines: true, changesSince: registeredAt });
    expect(after.status).toBe(200);
    expect(after.body.routes).toHaveProperty("Feed-0");
    // A member heard from 1 s before the sweep is not at risk.
    expect(changesOf(after.body).liveness).toEqual({ sweptAgoMs: 1_000, deadlines: {} });
    // Asked from after the registration: nothing.
    const later = await post({ topics: [], changesSince: registeredAt + 1 });
    expect(changesOf(later.body).entries).toEqual([]);
  });

  it("after 31 s of silence and a sweep, the digest lists the member with its ms left", async () => {
    f.clock.time = registeredAt + 31_000;
    await f.nameServer.sweep();
    f.clock.advance(2_000);
    const { status, body } = await post({ topics: [], changesSince: registeredAt });
    expect(status).toBe(200);
    expect(changesOf(body).liveness).toEqual({
      sweptAgoMs: 2_000,
      deadlines: { "broker-a": { [ADDR]: 120_000 - 33_000 } },
    });
    // The registration is still in the feed (10 minutes back), unchanged.
    expect(changesOf(body).entries).toHaveLength(1);
  });

  it("an expiry is in the feed, and the expired member leaves the digest", async () => {
    f.clock.time = registeredAt + 121_000;
    await f.nameServer.sweep();
    f.clock.advance(1_000);
    const { body } = await post({ topics: [], changesSince: registeredAt + 60_000 });
    expect(changesOf(body)).toMatchObject({
      complete: true,
      entries: [{ action: "broker.expired", broker: "broker-a" }],
      liveness: { deadlines: {} },
    });
  });

  it("from further back than 10 minutes: complete false, no entries", async () => {
    const { status, body } = await post({ topics: [], changesSince: f.clock.time - 10 * 60_000 - 1 });
    expect(status).toBe(200);
    expect(changesOf(body)).toMatchObject({ complete: false, entries: [] });
  });

  it.each([
    ["-1", -1],
    ['"x"', "x"],
  ])("changesSince %s is a 400 naming the field", async (_name, changesSince) => {
    const { status, body } = await post({ topics: [], changesSince });
    expect(status).toBe(400);
    const error = body.error as { code: string; message: string; details: { field: string }[] };
    expect(error.code).toBe("INVALID_REQUEST");
    expect(error.details.map((d) => d.field)).toContain("changesSince");
  });

  it("without changesSince the answer has no `changes`", async () => {
    await f.nameServer.registerBroker(
      registration({ brokerAddr: ADDR, topicConfigTable: topics(1, "Plain") }),
    );
    const { body } = await post({ topics: ["Plain-0"] });
    expect(Object.keys(body)).toEqual(["routes", "etags", "unchanged", "missing"]);
  });
});

describe("what the feed and the digest cost", () => {
  it("a window refresh is one history Query and one digest GetItem (and the groups new membership entries name); within the second, nothing", async () => {
    const ns = f.another();
    f.clock.advance(5_000);
    f.capacity.reset();
    await ns.getChanges(f.clock.time - 40_000);
    const refresh = f.capacity.count();
    console.log("feed ask, window refresh:", JSON.stringify(refresh));
    // Cold: the window holds the registration and the expiry above, membership changes of one group:
    // its membership is read once (one BatchGetItem).
    expect(refresh.requests).toBe(3);
    expect(Object.keys(refresh.byOperation).sort()).toEqual([
      "GetGroups",
      "GetLivenessDigest",
      "QueryHistory",
    ]);
    f.capacity.reset();
    f.clock.advance(999);
    await ns.getChanges(f.clock.time - 40_000);
    expect(f.capacity.totals.requests).toBe(0);
    // A steady refresh re-reads the last 10 s only.
    f.clock.advance(1);
    await ns.getChanges(f.clock.time - 40_000);
    const steady = f.capacity.count();
    console.log("feed ask, steady refresh:", JSON.stringify(steady));
    expect(steady.requests).toBe(2);
  });

  it("a sweep writes the digest: one PutItem of 1 WCU", async () => {
    f.clock.advance(30_000);
    f.capacity.reset();
    await f.nameServer.sweep();
    const sweep = f.capacity.count();
    console.log("sweep:", JSON.stringify(sweep));
    expect(sweep.byOperation.PutLivenessDigest).toEqual({ requests: 1, rcu: 0, wcu: 1 });
  });
});
