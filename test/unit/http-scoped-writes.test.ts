/**
 * Scoped write routes (README "Security"): a path that names the broker group or KV namespace it
 * writes, so an IAM policy on the route ARN binds the caller. The body must say what the path says
 * (400 naming the field, nothing written); cluster and broker names are plain; the unscoped forms keep
 * working for callers allowed everything.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { NameServer } from "../../lib/app/name-server";
import { matchRoute } from "../../lib/http/route-match";
import { httpEvent } from "../support/http-event";

const nameServer = vi.hoisted(() => ({
  registerBroker: vi.fn(),
  unregisterBroker: vi.fn(),
  putKvConfig: vi.fn(),
  deleteKvConfig: vi.fn(),
  touchBroker: vi.fn(),
  queryDataVersion: vi.fn(),
})) satisfies Partial<Record<keyof NameServer, unknown>>;
vi.mock("../../lib/app/container", () => ({ nameServer }));

const registration = {
  clusterName: "DefaultCluster",
  brokerName: "broker-a",
  brokerId: 0,
  brokerAddr: "10.0.0.1:10911",
  dataVersion: { stateVersion: 0, timestamp: 1_732_400_000_000, counter: 7 },
  topicConfigTable: {},
};
const bodyOf = (response: { body?: string }) => JSON.parse(response.body ?? "null");

beforeEach(() => {
  vi.clearAllMocks();
  nameServer.registerBroker.mockResolvedValue({ kind: "full", response: { topicConfigApplied: true } });
});

function scoped(action: string, pathParameters: Record<string, string>, json: unknown) {
  return httpEvent({
    method: "POST",
    path: `/clusters/${pathParameters.clusterName}/brokers/${pathParameters.brokerName}/${action}`,
    routeKey: `POST /clusters/{clusterName}/brokers/{brokerName}/${action}`,
    pathParameters,
    json,
  });
}

describe("POST /clusters/{clusterName}/brokers/{brokerName}/heartbeat", async () => {
  const { handler } = await import("../../functions/register-broker");
  const group = { clusterName: "DefaultCluster", brokerName: "broker-a" };

  it("registers when the body names the path's group", async () => {
    const response = await handler(scoped("heartbeat", group, registration));
    expect(response.statusCode).toBe(200);
    expect(nameServer.registerBroker).toHaveBeenCalledWith(expect.objectContaining(group));
  });

  it.each([
    ["brokerName", { ...registration, brokerName: "broker-b" }],
    ["clusterName", { ...registration, clusterName: "OtherCluster" }],
  ])(
    "refuses a body whose %s differs from the path's with 400 naming it, writing nothing",
    async (field, body) => {
      const response = await handler(scoped("heartbeat", group, body));
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).error).toMatchObject({
        code: "INVALID_REQUEST",
        details: [{ field, message: expect.stringContaining("must equal the path's") }],
      });
      expect(nameServer.registerBroker).not.toHaveBeenCalled();
    },
  );

  it("refuses a path name that is not plain with 400 naming path.brokerName", async () => {
    const response = await handler(
      scoped("heartbeat", { ...group, brokerName: "%RETRY%b" }, { ...registration, brokerName: "%RETRY%b" }),
    );
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details[0].field).toBe("path.brokerName");
    expect(nameServer.registerBroker).not.toHaveBeenCalled();
  });

  it("accepts a host name as brokerName (RocketMQ's default), dots included", async () => {
    const host = { clusterName: "DefaultCluster", brokerName: "ip-10-0-0-1.ec2.internal" };
    const response = await handler(scoped("heartbeat", host, { ...registration, ...host }));
    expect(response.statusCode).toBe(200);
  });
});

describe("cluster and broker names are plain on every form", async () => {
  const { handler } = await import("../../functions/register-broker");
  const unscoped = (json: unknown) => httpEvent({ method: "POST", path: "/brokers/heartbeat", json });

  it.each([
    ["brokerName", "b%41"],
    ["brokerName", "a|b"],
    ["brokerName", ".."],
    ["clusterName", ".hidden"],
    ["clusterName", "a/b"],
  ])("refuses %s %j with 400 naming it", async (field, value) => {
    const response = await handler(unscoped({ ...registration, [field]: value }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details[0].field).toBe(field);
    expect(nameServer.registerBroker).not.toHaveBeenCalled();
  });

  it("keeps the unscoped form working for plain names", async () => {
    expect((await handler(unscoped(registration))).statusCode).toBe(200);
  });
});

describe("POST /clusters/{clusterName}/brokers/{brokerName}/unregister", async () => {
  const { handler } = await import("../../functions/unregister-broker");
  const body = { clusterName: "c", brokerName: "b", brokerId: 1, brokerAddr: "10.0.0.2:10911" };

  it("unregisters when the body names the path's group", async () => {
    nameServer.unregisterBroker.mockResolvedValue(undefined);
    const response = await handler(scoped("unregister", { clusterName: "c", brokerName: "b" }, body));
    expect(response.statusCode).toBe(200);
    expect(nameServer.unregisterBroker).toHaveBeenCalledWith(body);
  });

  it("refuses another group's member with 400 naming brokerName", async () => {
    const response = await handler(scoped("unregister", { clusterName: "c", brokerName: "a" }, body));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details).toEqual([{ field: "brokerName", message: expect.any(String) }]);
    expect(nameServer.unregisterBroker).not.toHaveBeenCalled();
  });
});

describe.each([
  ["touch", "../../functions/touch-broker", { brokerAddr: "10.0.0.1:10911" }, "touchBroker"],
  [
    "data-version",
    "../../functions/query-data-version",
    { brokerId: 0, brokerAddr: "10.0.0.1:10911", dataVersion: { stateVersion: 0, timestamp: 1, counter: 1 } },
    "queryDataVersion",
  ],
] as const)("POST /clusters/{clusterName}/brokers/{brokerName}/%s", (action, module, fields, useCase) => {
  const group = { clusterName: "DefaultCluster", brokerName: "broker-a" };

  it("serves the path's group and refuses another's with 400 naming brokerName", async () => {
    const { handler } = await import(module);
    nameServer[useCase].mockResolvedValue({ changed: false, dataVersion: null });
    expect((await handler(scoped(action, group, { ...group, ...fields }))).statusCode).toBe(200);
    expect(nameServer[useCase]).toHaveBeenCalledTimes(1);
    const other = await handler(scoped(action, group, { ...group, ...fields, brokerName: "broker-b" }));
    expect(other.statusCode).toBe(400);
    expect(bodyOf(other).error.details[0].field).toBe("brokerName");
    expect(nameServer[useCase]).toHaveBeenCalledTimes(1);
  });
});

describe("PUT and DELETE /namespaces/{namespace}/kv?key=K", async () => {
  const put = (await import("../../functions/put-kv-config")).handler;
  const del = (await import("../../functions/delete-kv-config")).handler;
  const event = (method: string, query: Record<string, string> | undefined, json?: unknown) =>
    httpEvent({
      method,
      path: "/namespaces/ns-a/kv",
      routeKey: `${method} /namespaces/{namespace}/kv`,
      pathParameters: { namespace: "ns-a" },
      ...(query === undefined ? {} : { query }),
      ...(json === undefined ? {} : { json }),
    });

  it("writes the key of the query in the path's namespace, any printable key included", async () => {
    const response = await put(event("PUT", { key: "a/b c%25" }, { value: "v" }));
    expect(response.statusCode).toBe(200);
    expect(nameServer.putKvConfig).toHaveBeenCalledWith("ns-a", "a/b c%25", "v");
    expect((await del(event("DELETE", { key: "k" }))).statusCode).toBe(200);
    expect(nameServer.deleteKvConfig).toHaveBeenCalledWith("ns-a", "k");
  });

  it("requires ?key= (400 naming query.key) and refuses unknown parameters", async () => {
    const missing = await put(event("PUT", undefined, { value: "v" }));
    expect(missing.statusCode).toBe(400);
    expect(bodyOf(missing).error.details[0].field).toBe("query.key");
    const unknown = await del(event("DELETE", { key: "k", namespace: "other" }));
    expect(unknown.statusCode).toBe(400);
    expect(bodyOf(unknown).error.details[0].field).toBe("query.namespace");
    expect(nameServer.putKvConfig).not.toHaveBeenCalled();
    expect(nameServer.deleteKvConfig).not.toHaveBeenCalled();
  });
});

describe("the route table", () => {
  it("matches the scoped paths to the handlers of their unscoped forms", () => {
    const match = matchRoute;
    expect(match("POST", "/clusters/C/brokers/b.example/heartbeat")).toMatchObject({
      route: { handler: "register-broker" },
      pathParameters: { clusterName: "C", brokerName: "b.example" },
    });
    expect(match("POST", "/clusters/C/brokers/b/unregister")).toMatchObject({
      route: { handler: "unregister-broker" },
    });
    expect(match("PUT", "/namespaces/ns/kv")).toMatchObject({ route: { handler: "put-kv-config" } });
    expect(match("DELETE", "/namespaces/ns/kv")).toMatchObject({ route: { handler: "delete-kv-config" } });
  });
});
