/**
 * The thin handlers of functions/ against a stand-in for the NameServer use cases (no DynamoDB at this
 * tier): what each route parses, which one call it makes, what it answers and which metrics it emits.
 */
import { beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import {
  FullRegistrationRequiredError,
  QueryNotFoundError,
  TopicNotExistError,
} from "../../lib/domain/errors";
import { logger, metrics } from "../../lib/observability";
import { gzipJsonEvent, httpEvent } from "../support/http-event";

const { nameServer } = await vi.hoisted(async () => {
  const { mockNameServer } = await import("../support/name-server-mock");
  return { nameServer: mockNameServer() };
});
vi.mock("../../lib/app/container", () => ({ nameServer, healthProbe: { get: () => nameServer.health() } }));

const registration = {
  clusterName: "DefaultCluster",
  brokerName: "broker-a",
  brokerId: 0,
  brokerAddr: "10.0.0.1:10911",
  dataVersion: { stateVersion: 0, timestamp: 1_732_400_000_000, counter: 7 },
  topicConfigTable: {
    TopicTest: {
      topicName: "TopicTest",
      readQueueNums: 4,
      writeQueueNums: 4,
      perm: 6,
      topicSysFlag: 0,
      order: false,
    },
  },
};

const bodyOf = (response: { body?: string }) => JSON.parse(response.body ?? "null");
let addMetric: MockInstance<typeof metrics.addMetric>;

beforeEach(() => {
  vi.clearAllMocks();
  addMetric = vi.spyOn(metrics, "addMetric");
  for (const level of ["info", "warn", "error"] as const)
    vi.spyOn(logger, level).mockImplementation(() => undefined);
});

function metricNames(): string[] {
  return addMetric.mock.calls.map((call) => String(call[0]));
}

describe("POST /brokers/heartbeat", async () => {
  const { handler } = await import("../../functions/register-broker");
  const post = (json: unknown) => httpEvent({ method: "POST", path: "/brokers/heartbeat", json });

  it("answers the outcome's response and counts a full registration", async () => {
    nameServer.registerBroker.mockResolvedValue({ kind: "full", response: { topicConfigApplied: true } });
    const response = await handler(post(registration));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ topicConfigApplied: true });
    expect(nameServer.registerBroker).toHaveBeenCalledWith(
      expect.objectContaining({
        brokerName: "broker-a",
        enableActingMaster: false,
        heartbeatTimeoutMillis: 120_000,
      }),
    );
    expect(metricNames()).toEqual(["Registrations"]);
  });

  it.each([
    ["steady", "SteadyHeartbeats"],
    ["light", "LightHeartbeats"],
  ])("counts a %s heartbeat as %s", async (kind, metric) => {
    nameServer.registerBroker.mockResolvedValue({ kind, response: { topicConfigApplied: false } });
    await handler(post(registration));
    expect(metricNames()).toEqual([metric]);
  });

  it("answers 409 and counts FullRegistrationRequired", async () => {
    nameServer.registerBroker.mockRejectedValue(new FullRegistrationRequiredError("unknown dataVersion"));
    const response = await handler(post({ ...registration, topicConfigTable: undefined }));
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response).error.code).toBe("FULL_REGISTRATION_REQUIRED");
    expect(metricNames()).toEqual(["FullRegistrationRequired"]);
  });

  it("accepts a gzip body", async () => {
    nameServer.registerBroker.mockResolvedValue({ kind: "full", response: { topicConfigApplied: true } });
    const response = await handler(
      gzipJsonEvent({ method: "POST", path: "/brokers/heartbeat" }, registration),
    );
    expect(response.statusCode).toBe(200);
  });

  it("refuses an invalid registration with 400 naming the field, without calling the use case", async () => {
    const bad = {
      ...registration,
      topicConfigTable: { TopicTest: { ...registration.topicConfigTable.TopicTest, perm: 8 } },
    };
    const response = await handler(post(bad));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details).toEqual([
      { field: "topicConfigTable.TopicTest.perm", message: expect.any(String) },
    ]);
    expect(nameServer.registerBroker).not.toHaveBeenCalled();
  });

  it("refuses a body that is not JSON with 415", async () => {
    const event = httpEvent({
      method: "POST",
      path: "/brokers/heartbeat",
      headers: { "content-type": "text/plain" },
      body: "hello",
    });
    expect((await handler(event)).statusCode).toBe(415);
  });

  it("turns an unexpected failure into a generic 500", async () => {
    nameServer.registerBroker.mockRejectedValue(new TypeError("cannot read properties of undefined"));
    const response = await handler(post(registration));
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response).error.code).toBe("INTERNAL_ERROR");
    expect(response.body).not.toContain("undefined");
  });
});

describe("POST /brokers/unregister", async () => {
  const { handler } = await import("../../functions/unregister-broker");

  it("answers {} and passes the four fields", async () => {
    nameServer.unregisterBroker.mockResolvedValue(undefined);
    const json = { clusterName: "c", brokerName: "b", brokerId: 1, brokerAddr: "10.0.0.2:10911" };
    const response = await handler(httpEvent({ method: "POST", path: "/brokers/unregister", json }));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({});
    expect(nameServer.unregisterBroker).toHaveBeenCalledWith(json);
  });
});

describe("GET /topics/{topic}/route", async () => {
  const { handler } = await import("../../functions/get-route-info-by-topic");
  const route = { queueDatas: [], brokerDatas: [], filterServerTable: {} };

  it("looks the topic up as handed over (decoded once by API Gateway), with its zone, and counts the query", async () => {
    nameServer.getRouteInfoByTopic.mockResolvedValue(route);
    const response = await handler(
      httpEvent({ pathParameters: { topic: "%RETRY%group-a" }, query: { zone: "az-1" } }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers.ETag).toBeDefined();
    expect(nameServer.getRouteInfoByTopic).toHaveBeenCalledWith("%RETRY%group-a", "az-1");
    expect(metricNames()).toEqual(["RouteQueries"]);
  });

  it("404 TOPIC_NOT_EXIST counts RouteNotFound", async () => {
    nameServer.getRouteInfoByTopic.mockRejectedValue(new TopicNotExistError("T"));
    const response = await handler(httpEvent({ pathParameters: { topic: "T" } }));
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response).error.message).toBe("No topic route info in name server for the topic: T");
    expect(metricNames()).toEqual(["RouteQueries", "RouteNotFound"]);
  });

  it("refuses an unknown query parameter", async () => {
    const response = await handler(httpEvent({ pathParameters: { topic: "T" }, query: { zne: "a" } }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details[0].field).toBe("query.zne");
    expect(nameServer.getRouteInfoByTopic).not.toHaveBeenCalled();
  });
});

describe("DELETE /topics/{topic}", async () => {
  const { handler } = await import("../../functions/delete-topic");

  it("deletes the whole topic, or only one cluster's queue data", async () => {
    nameServer.deleteTopic.mockResolvedValue(undefined);
    expect(bodyOf(await handler(httpEvent({ method: "DELETE", pathParameters: { topic: "T" } })))).toEqual(
      {},
    );
    expect(nameServer.deleteTopic).toHaveBeenLastCalledWith("T", undefined);
    await handler(httpEvent({ method: "DELETE", pathParameters: { topic: "T" }, query: { cluster: "C" } }));
    expect(nameServer.deleteTopic).toHaveBeenLastCalledWith("T", "C");
  });

  it("a typo in ?cluster= deletes nothing", async () => {
    const response = await handler(
      httpEvent({ method: "DELETE", pathParameters: { topic: "T" }, query: { clustr: "C" } }),
    );
    expect(response.statusCode).toBe(400);
    expect(nameServer.deleteTopic).not.toHaveBeenCalled();
  });
});

describe("listings, member group, write perm", async () => {
  const allTopics = (await import("../../functions/get-all-topic-list")).handler;
  const byCluster = (await import("../../functions/get-topics-by-cluster")).handler;
  const clusters = (await import("../../functions/get-broker-cluster-info")).handler;
  const listBrokers = (await import("../../functions/list-brokers")).handler;
  const memberGroup = (await import("../../functions/get-broker-member-group")).handler;
  const writePerm = (await import("../../functions/set-write-perm")).handler;

  it("wraps topic lists in {topicList}", async () => {
    nameServer.getAllTopicList.mockResolvedValue(["A", "B"]);
    nameServer.getTopicsByCluster.mockResolvedValue(["A"]);
    expect(bodyOf(await allTopics(httpEvent()))).toEqual({ topicList: ["A", "B"] });
    expect(bodyOf(await byCluster(httpEvent({ pathParameters: { clusterName: "C" } })))).toEqual({
      topicList: ["A"],
    });
    expect(nameServer.getTopicsByCluster).toHaveBeenCalledWith("C");
  });

  it("answers cluster info and member groups as the use case gives them", async () => {
    const info = { brokerAddrTable: {}, clusterAddrTable: {} };
    nameServer.getBrokerClusterInfo.mockResolvedValue(info);
    expect(bodyOf(await clusters(httpEvent()))).toEqual(info);
    const group = { cluster: "C", brokerName: "b", brokerAddrs: { "0": "10.0.0.1:10911" } };
    nameServer.getBrokerMemberGroup.mockResolvedValue(group);
    expect(
      bodyOf(await memberGroup(httpEvent({ pathParameters: { clusterName: "C", brokerName: "b" } }))),
    ).toEqual(group);
    const live = { now: 5, brokers: [] };
    nameServer.listBrokers.mockResolvedValue(live);
    expect(bodyOf(await listBrokers(httpEvent()))).toEqual(live);
  });

  it("sets the write perm from {writable}", async () => {
    nameServer.setWritePerm.mockResolvedValue({ affectedTopicCount: 3 });
    const response = await writePerm(
      httpEvent({ method: "PUT", pathParameters: { brokerName: "b" }, json: { writable: false } }),
    );
    expect(bodyOf(response)).toEqual({ affectedTopicCount: 3 });
    expect(nameServer.setWritePerm).toHaveBeenCalledWith("b", false);
    const bad = await writePerm(
      httpEvent({ method: "PUT", pathParameters: { brokerName: "b" }, json: { writable: "no" } }),
    );
    expect(bodyOf(bad).error.details[0].field).toBe("writable");
  });
});

describe("KV", async () => {
  const put = (await import("../../functions/put-kv-config")).handler;
  const get = (await import("../../functions/get-kv-config")).handler;
  const del = (await import("../../functions/delete-kv-config")).handler;
  const list = (await import("../../functions/get-kv-list")).handler;
  const params = { namespace: "ns", key: "k" };

  it("put, get, delete, list", async () => {
    nameServer.putKvConfig.mockResolvedValue(undefined);
    nameServer.getKvConfig.mockResolvedValue("v");
    nameServer.deleteKvConfig.mockResolvedValue(undefined);
    nameServer.getKvList.mockResolvedValue({ k: "v" });
    expect(
      bodyOf(await put(httpEvent({ method: "PUT", pathParameters: params, json: { value: "v" } }))),
    ).toEqual({});
    expect(nameServer.putKvConfig).toHaveBeenCalledWith("ns", "k", "v");
    expect(bodyOf(await get(httpEvent({ pathParameters: params })))).toEqual({ value: "v" });
    expect(bodyOf(await del(httpEvent({ method: "DELETE", pathParameters: params })))).toEqual({});
    expect(bodyOf(await list(httpEvent({ pathParameters: { namespace: "ns" } })))).toEqual({
      table: { k: "v" },
    });
  });

  it("404 QUERY_NOT_FOUND", async () => {
    nameServer.getKvConfig.mockRejectedValue(new QueryNotFoundError("ns", "k"));
    const response = await get(httpEvent({ pathParameters: params }));
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response).error).toEqual({
      code: "QUERY_NOT_FOUND",
      message: "No config item, Namespace: ns Key: k",
    });
  });
});

describe("health, $default, sweeper", async () => {
  const health = (await import("../../functions/health")).handler;
  const notFound = (await import("../../functions/not-found")).handler;
  const sweeper = (await import("../../functions/sweeper")).handler;

  it("health answers the report", async () => {
    nameServer.health.mockResolvedValue({ status: "ok", selfPreservation: { active: false } });
    const response = await health(httpEvent({ path: "/health" }));
    expect(bodyOf(response)).toEqual({ status: "ok", selfPreservation: { active: false } });
  });

  it("$default answers 404 or 405 with Allow", async () => {
    const missing = await notFound(httpEvent({ path: "/nope", routeKey: "$default" }));
    expect(missing.statusCode).toBe(404);
    expect(bodyOf(missing).error.code).toBe("NOT_FOUND");
    const wrongMethod = await notFound(
      httpEvent({ method: "DELETE", path: "/clusters", routeKey: "$default" }),
    );
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.Allow).toBe("GET");
    expect(bodyOf(wrongMethod).error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("the sweeper sweeps once and emits its metrics", async () => {
    nameServer.sweep.mockResolvedValue({
      groups: 2,
      liveInstances: 3,
      expiredInstances: 1,
      removedGroups: 1,
      preservedInstances: 0,
      selfPreservation: false,
      durationMs: 42,
    });
    const report = await sweeper();
    expect(report.expiredInstances).toBe(1);
    expect(addMetric.mock.calls.map((call) => [call[0], call[2]])).toEqual([
      ["SweepDurationMs", 42],
      ["SweepCount", 1],
      ["Evictions", 1],
      ["SelfPreservation", 0],
      ["SelfPreservationActive", 0],
      ["PreservedInstances", 0],
      ["SelfPreservationTimeouts", 0],
    ]);
  });

  it("a sweep that ends self-preservation at its maximum duration says so in a metric", async () => {
    nameServer.sweep.mockResolvedValue({
      groups: 10,
      liveInstances: 4,
      expiredInstances: 6,
      removedGroups: 6,
      preservedInstances: 0,
      selfPreservation: false,
      selfPreservationEvent: "timedOut",
      durationMs: 7,
    });
    addMetric.mockClear();
    await sweeper();
    const metricsOf = new Map(addMetric.mock.calls.map((call) => [call[0], call[2]]));
    expect(metricsOf.get("SelfPreservationTimeouts")).toBe(1);
    expect(metricsOf.get("SelfPreservationActive")).toBe(0);
  });
});

describe("issue 9 routes: touch, data-version, topics, config", async () => {
  const { handler: touch } = await import("../../functions/touch-broker");
  const { handler: dataVersion } = await import("../../functions/query-data-version");
  const { handler: registerTopic } = await import("../../functions/register-topic");
  const { handler: topicList } = await import("../../functions/get-all-topic-list");
  const { handler: getConfig } = await import("../../functions/get-namesrv-config");
  const { handler: updateConfig } = await import("../../functions/update-namesrv-config");
  const member = { clusterName: "DefaultCluster", brokerName: "broker-a", brokerAddr: "10.0.0.1:10911" };

  it("POST /brokers/touch touches by address and answers {}; an unknown member is 409", async () => {
    const response = await touch(httpEvent({ method: "POST", path: "/brokers/touch", json: member }));
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({});
    expect(nameServer.touchBroker).toHaveBeenCalledWith(member);
    expect(metricNames()).toEqual(["BrokerTouches"]);
    nameServer.touchBroker.mockRejectedValue(new FullRegistrationRequiredError("no member"));
    const unknown = await touch(httpEvent({ method: "POST", path: "/brokers/touch", json: member }));
    expect(unknown.statusCode).toBe(409);
  });

  it("POST /brokers/touch without brokerAddr is a 400 naming it", async () => {
    const { brokerAddr: _omitted, ...body } = member;
    const response = await touch(httpEvent({ method: "POST", path: "/brokers/touch", json: body }));
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.details.map((d: { field: string }) => d.field)).toEqual(["brokerAddr"]);
    expect(nameServer.touchBroker).not.toHaveBeenCalled();
  });

  it("POST /brokers/data-version answers changed and the stored dataVersion", async () => {
    const stored = { stateVersion: 0, timestamp: 1, counter: 2 };
    nameServer.queryDataVersion.mockResolvedValue({ changed: true, dataVersion: stored });
    const json = { ...member, brokerId: 0, dataVersion: { stateVersion: 0, timestamp: 1, counter: 1 } };
    const response = await dataVersion(httpEvent({ method: "POST", path: "/brokers/data-version", json }));
    expect(bodyOf(response)).toEqual({ changed: true, dataVersion: stored });
    expect(nameServer.queryDataVersion).toHaveBeenCalledWith(json);
  });

  it("POST /topics validates its queue datas", async () => {
    const qd = { brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 };
    const ok = await registerTopic(
      httpEvent({ method: "POST", path: "/topics", json: { topic: "T", queueDatas: [qd] } }),
    );
    expect(ok.statusCode).toBe(200);
    expect(nameServer.registerTopic).toHaveBeenCalledWith({ topic: "T", queueDatas: [qd] });
    const bad = await registerTopic(
      httpEvent({ method: "POST", path: "/topics", json: { topic: "T", queueDatas: [{ ...qd, perm: 9 }] } }),
    );
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).error.details[0].field).toBe("queueDatas.0.perm");
  });

  it("GET /topics?system=true and ?unit= call their lists; a bad value is a 400", async () => {
    nameServer.getSystemTopicList.mockResolvedValue({ topicList: ["C", "b"], brokerAddr: "10.0.0.1:10911" });
    nameServer.getUnitTopicList.mockResolvedValue(["U"]);
    const system = await topicList(httpEvent({ path: "/topics", query: { system: "true" } }));
    expect(bodyOf(system)).toEqual({ topicList: ["C", "b"], brokerAddr: "10.0.0.1:10911" });
    const unit = await topicList(httpEvent({ path: "/topics", query: { unit: "unit-sub" } }));
    expect(bodyOf(unit)).toEqual({ topicList: ["U"] });
    expect(nameServer.getUnitTopicList).toHaveBeenCalledWith("unit-sub");
    const bad: Array<Record<string, string>> = [
      { unit: "units" },
      { system: "false" },
      { system: "true", unit: "unit" },
    ];
    for (const query of bad) {
      expect((await topicList(httpEvent({ path: "/topics", query }))).statusCode).toBe(400);
    }
    expect(nameServer.getAllTopicList).not.toHaveBeenCalled();
  });

  it("GET /config wraps the settings; PUT /config passes them on", async () => {
    nameServer.getConfig.mockResolvedValue({ enableTopicList: "true" });
    expect(bodyOf(await getConfig(httpEvent({ path: "/config" })))).toEqual({
      config: { enableTopicList: "true" },
    });
    const response = await updateConfig(
      httpEvent({ method: "PUT", path: "/config", json: { config: { enableTopicList: "false" } } }),
    );
    expect(response.statusCode).toBe(200);
    expect(nameServer.updateConfig).toHaveBeenCalledWith({ enableTopicList: "false" });
    const bad = await updateConfig(
      httpEvent({ method: "PUT", path: "/config", json: { enableTopicList: false } }),
    );
    expect(bad.statusCode).toBe(400);
  });
});
