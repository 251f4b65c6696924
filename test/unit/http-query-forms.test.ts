/**
 * The query forms and POST /routes (API.md "Version 2 additions") with events built exactly as API
 * Gateway's HTTP API builds them: decoded path, encoded rawQueryString, queryStringParameters decoded
 * once. Names a path cannot carry (`%RETRY%`, `%DLQ%`, `|` topics; `/`, `%`, space, Unicode keys)
 * reach the use cases exactly as the client meant them; bad batches are 400s that call nothing.
 */
import { gunzipSync } from "node:zlib";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ServiceUnavailableError } from "../../lib/domain/errors";
import type { TopicRouteData } from "../../lib/domain/model";
import { logger } from "../../lib/observability";
import { apiGatewayEvent, httpEvent } from "../support/http-event";

const { nameServer } = await vi.hoisted(async () => {
  const { mockNameServer } = await import("../support/name-server-mock");
  return { nameServer: mockNameServer() };
});
vi.mock("../../lib/app/container", () => ({ nameServer }));

const getRoute = (await import("../../functions/get-route-info-by-topic")).handler;
const getRoutes = (await import("../../functions/get-routes")).handler;
const deleteTopic = (await import("../../functions/delete-topic")).handler;
const putKv = (await import("../../functions/put-kv-config")).handler;
const getKv = (await import("../../functions/get-kv")).handler;
const deleteKv = (await import("../../functions/delete-kv-config")).handler;

const bodyOf = (response: { body?: string; isBase64Encoded?: boolean }) =>
  JSON.parse(
    response.isBase64Encoded
      ? gunzipSync(Buffer.from(response.body ?? "", "base64")).toString("utf8")
      : (response.body ?? "null"),
  );
const fieldsOf = (response: { body?: string }) =>
  (bodyOf(response).error.details as { field: string }[]).map((d) => d.field);

function route(brokerName: string): TopicRouteData {
  return {
    queueDatas: [{ brokerName, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
    brokerDatas: [
      { cluster: "C", brokerName, brokerAddrs: { "0": "10.0.0.1:10911" }, enableActingMaster: false },
    ],
    filterServerTable: {},
  };
}

beforeEach(() => {
  vi.clearAllMocks();
});

const TOPICS = ["%RETRY%group-a", "%DLQ%group-a", "unit|sub|topic", "Plain_topic-1"];

describe("GET /route?topic= as API Gateway hands it over", () => {
  it.each(TOPICS)("reaches the use case as the topic %s, decoded exactly once", async (topic) => {
    nameServer.getRouteInfoByTopic.mockResolvedValue(route("broker-a"));
    const event = apiGatewayEvent({
      method: "GET",
      target: `/route?topic=${encodeURIComponent(topic)}&zone=az-1`,
      routeKey: "GET /route",
    });
    expect(event.rawQueryString).toContain(encodeURIComponent(topic));
    const response = await getRoute(event);
    expect(response.statusCode).toBe(200);
    expect(nameServer.getRouteInfoByTopic).toHaveBeenCalledWith(topic, "az-1");
  });

  it("answers what the path form answers, with the same ETag, and 304 for If-None-Match", async () => {
    nameServer.getRouteInfoByTopic.mockResolvedValue(route("broker-a"));
    const viaQuery = await getRoute(
      apiGatewayEvent({ method: "GET", target: "/route?topic=%25RETRY%25g", routeKey: "GET /route" }),
    );
    const viaPath = await getRoute(
      httpEvent({ routeKey: "GET /topics/{topic}/route", pathParameters: { topic: "%RETRY%g" } }),
    );
    expect(viaQuery.body).toBe(viaPath.body);
    expect(viaQuery.headers.ETag).toBe(viaPath.headers.ETag);
    const again = await getRoute(
      apiGatewayEvent({
        method: "GET",
        target: "/route?topic=%25RETRY%25g",
        routeKey: "GET /route",
        headers: { "if-none-match": viaQuery.headers.ETag ?? "" },
      }),
    );
    expect(again.statusCode).toBe(304);
    expect(again.body).toBeUndefined();
  });

  it("400 naming query.topic when the topic is missing, repeated or invalid; nothing is read", async () => {
    for (const target of ["/route", "/route?zone=az-1", "/route?topic=a&topic=b", "/route?topic=a%20b"]) {
      const response = await getRoute(apiGatewayEvent({ method: "GET", target, routeKey: "GET /route" }));
      expect(response.statusCode, target).toBe(400);
      expect(fieldsOf(response), target).toEqual(["query.topic"]);
    }
    expect(nameServer.getRouteInfoByTopic).not.toHaveBeenCalled();
  });
});

describe("DELETE /topics?topic=", () => {
  it("deletes the topic as meant, whole or one cluster's queue data; a typo deletes nothing", async () => {
    nameServer.deleteTopic.mockResolvedValue(undefined);
    const del = (target: string) =>
      deleteTopic(apiGatewayEvent({ method: "DELETE", target, routeKey: "DELETE /topics" }));
    expect((await del("/topics?topic=%25DLQ%25group-a")).statusCode).toBe(200);
    expect(nameServer.deleteTopic).toHaveBeenLastCalledWith("%DLQ%group-a", undefined);
    expect((await del("/topics?topic=a%7Cb&cluster=C")).statusCode).toBe(200);
    expect(nameServer.deleteTopic).toHaveBeenLastCalledWith("a|b", "C");
    const typo = await del("/topics?topic=T&clustr=C");
    expect(typo.statusCode).toBe(400);
    expect(fieldsOf(typo)).toEqual(["query.clustr"]);
    expect(nameServer.deleteTopic).toHaveBeenCalledTimes(2);
  });
});

describe("/kv?namespace=&key=", () => {
  const KEYS = ["a/b/c", "100%", "50%25off", "with space", "plus+sign", "ключ/値 ✓ 🚀", "?&=#"];

  it.each(KEYS)("PUT, GET, DELETE the key %s as meant", async (key) => {
    nameServer.putKvConfig.mockResolvedValue(undefined);
    nameServer.getKvConfig.mockResolvedValue("v");
    nameServer.deleteKvConfig.mockResolvedValue(undefined);
    const target = `/kv?namespace=ns&key=${encodeURIComponent(key)}`;
    const put = await putKv(
      apiGatewayEvent({ method: "PUT", target, routeKey: "PUT /kv", json: { value: "v" } }),
    );
    expect(put.statusCode).toBe(200);
    expect(nameServer.putKvConfig).toHaveBeenCalledWith("ns", key, "v");
    const got = await getKv(apiGatewayEvent({ method: "GET", target, routeKey: "GET /kv" }));
    expect(bodyOf(got)).toEqual({ value: "v" });
    expect(nameServer.getKvConfig).toHaveBeenCalledWith("ns", key);
    await deleteKv(apiGatewayEvent({ method: "DELETE", target, routeKey: "DELETE /kv" }));
    expect(nameServer.deleteKvConfig).toHaveBeenCalledWith("ns", key);
  });

  it("GET without key lists the namespace; a missing namespace is a 400 naming it", async () => {
    nameServer.getKvList.mockResolvedValue({ "a/b": "v" });
    const list = await getKv(
      apiGatewayEvent({ method: "GET", target: "/kv?namespace=ns", routeKey: "GET /kv" }),
    );
    expect(bodyOf(list)).toEqual({ table: { "a/b": "v" } });
    const missing = await putKv(
      apiGatewayEvent({ method: "PUT", target: "/kv?key=k", routeKey: "PUT /kv", json: { value: "v" } }),
    );
    expect(missing.statusCode).toBe(400);
    expect(fieldsOf(missing)).toEqual(["query.namespace"]);
    expect(nameServer.putKvConfig).not.toHaveBeenCalled();
  });
});

describe("POST /routes", () => {
  const post = (json: unknown, headers: Record<string, string> = {}) =>
    getRoutes(
      apiGatewayEvent({ method: "POST", target: "/routes", routeKey: "POST /routes", json, headers }),
    );

  it("answers routes with the ETags GET /route gives them, unchanged for known ETags, missing", async () => {
    nameServer.getRouteInfoByTopic.mockResolvedValue(route("broker-a"));
    const single = await getRoute(
      apiGatewayEvent({ method: "GET", target: "/route?topic=%25RETRY%25g", routeKey: "GET /route" }),
    );
    nameServer.getRoutes.mockResolvedValue({
      routes: new Map([
        ["%RETRY%g", route("broker-a")],
        ["T", route("broker-b")],
      ]),
      missing: ["Gone"],
    });
    const first = bodyOf(await post({ topics: ["%RETRY%g", "T", "Gone"], zone: "az-1" }));
    expect(nameServer.getRoutes).toHaveBeenCalledWith(["%RETRY%g", "T", "Gone"], "az-1");
    expect(first.routes).toEqual({ "%RETRY%g": route("broker-a"), T: route("broker-b") });
    expect(first.etags["%RETRY%g"]).toBe(single.headers.ETag);
    expect(first.missing).toEqual(["Gone"]);
    expect(first.unchanged).toEqual([]);

    const second = bodyOf(
      await post({
        topics: ["%RETRY%g", "T", "Gone"],
        known: { "%RETRY%g": first.etags["%RETRY%g"], T: '"old"' },
      }),
    );
    expect(second.unchanged).toEqual(["%RETRY%g"]);
    expect(Object.keys(second.routes)).toEqual(["T"]);
    expect(Object.keys(second.etags)).toEqual(["T"]);
  });

  it("carries deadlines only when asked with deadlines: true (the answer is API.md's otherwise)", async () => {
    const deadlines = { "broker-a": { "10.0.0.1:10911": 20_000 }, "broker-b": { "10.0.0.1:10911": 0 } };
    nameServer.getRoutes.mockResolvedValue({
      routes: new Map([
        ["%RETRY%g", route("broker-a")],
        ["T", route("broker-b")],
      ]),
      missing: [],
      deadlines,
    });
    const plain = bodyOf(await post({ topics: ["%RETRY%g", "T"] }));
    expect(Object.keys(plain).sort()).toEqual(["etags", "missing", "routes", "unchanged"]);
    expect(nameServer.getRoutes).toHaveBeenLastCalledWith(["%RETRY%g", "T"], undefined);
    const asked = bodyOf(
      await post({
        topics: ["%RETRY%g", "T"],
        known: { "%RETRY%g": plain.etags["%RETRY%g"] },
        deadlines: true,
      }),
    );
    expect(nameServer.getRoutes).toHaveBeenLastCalledWith(["%RETRY%g", "T"], undefined, { deadlines: true });
    // For the unchanged topic's members as well as the changed one's.
    expect(asked.unchanged).toEqual(["%RETRY%g"]);
    expect(asked.deadlines).toEqual(deadlines);
    const bad = await post({ topics: ["T"], deadlines: "yes" });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad)).toEqual(["deadlines"]);
  });

  it("counts distinct topics towards the 1,000 and answers a repeated topic once", async () => {
    const topics = Array.from({ length: 1000 }, (_, i) => `T${i}`);
    nameServer.getRoutes.mockResolvedValue({ routes: new Map(), missing: topics });
    const response = await post({ topics: [...topics, "T0", "T999", "T0"] });
    expect(response.statusCode).toBe(200);
    expect(nameServer.getRoutes).toHaveBeenCalledWith(topics, undefined);
    expect(bodyOf(response).missing).toEqual(topics);
  });

  it("gzip-encodes the answer when Accept-Encoding allows it, and only then", async () => {
    nameServer.getRoutes.mockResolvedValue({ routes: new Map([["T", route("broker-a")]]), missing: [] });
    const gzipped = await post({ topics: ["T"] }, { "accept-encoding": "gzip, deflate, br" });
    expect(gzipped.headers["Content-Encoding"]).toBe("gzip");
    expect(gzipped.isBase64Encoded).toBe(true);
    expect(bodyOf(gzipped).routes.T).toEqual(route("broker-a"));
    for (const acceptEncoding of [undefined, "identity", "gzip;q=0", "br"]) {
      const plain = await post(
        { topics: ["T"] },
        acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding },
      );
      expect(plain.headers["Content-Encoding"], acceptEncoding).toBeUndefined();
      expect(JSON.parse(plain.body ?? "").routes.T).toEqual(route("broker-a"));
    }
  });

  it("an answer too large for a Lambda is a 400 naming topics, and gzip makes the same answer fit", async () => {
    const big = route("broker-a");
    big.brokerDatas = Array.from({ length: 60 }, (_, i) => ({
      cluster: "C",
      brokerName: `broker-${i}`,
      brokerAddrs: { "0": `10.0.${i}.1:10911`, "1": `10.0.${i}.2:10911` },
      enableActingMaster: false,
    }));
    const topics = Array.from({ length: 1000 }, (_, i) => `T${i}`);
    nameServer.getRoutes.mockResolvedValue({ routes: new Map(topics.map((t) => [t, big])), missing: [] });
    const plain = await post({ topics });
    expect(plain.statusCode).toBe(400);
    expect(fieldsOf(plain)).toEqual(["topics"]);
    const gzipped = await post({ topics }, { "accept-encoding": "gzip" });
    expect(gzipped.statusCode).toBe(200);
    expect(Object.keys(bodyOf(gzipped).routes)).toHaveLength(1000);
  });

  it.each([
    ["more than 1,000 topics", { topics: Array.from({ length: 1001 }, (_, i) => `T${i}`) }, "topics"],
    [
      "more than 1,000 distinct topics among repeats",
      { topics: [...Array.from({ length: 1001 }, (_, i) => `T${i}`), "T0", "T1"] },
      "topics",
    ],
    ["more than 10,000 entries", { topics: Array.from({ length: 10_001 }, () => "T") }, "topics"],
    ["an invalid topic name", { topics: ["ok", "not ok"] }, "topics.1"],
    ["topics that are not an array", { topics: "A,B" }, "topics"],
    ["no topics field", { zone: "az-1" }, "topics"],
    ["an empty list", { topics: [] }, "topics"],
    ["known with a non-string value", { topics: ["A"], known: { A: 42 } }, "known.A"],
    ["known that is not an object", { topics: ["A"], known: ["x"] }, "known"],
    ["an invalid zone", { topics: ["A"], zone: "a b" }, "zone"],
    ["a negative changesSince", { topics: [], changesSince: -1 }, "changesSince"],
    ["a changesSince that is text", { topics: ["A"], changesSince: "x" }, "changesSince"],
    ["a changesSince with a fraction", { topics: ["A"], changesSince: 1.5 }, "changesSince"],
    ["a null changesSince", { topics: ["A"], changesSince: null }, "changesSince"],
  ])("400 for %s, naming %s, and reads nothing", async (_name, json, field) => {
    const response = await post(json);
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.code).toBe("INVALID_REQUEST");
    expect(fieldsOf(response)).toContain(field);
    expect(nameServer.getRoutes).not.toHaveBeenCalled();
    expect(nameServer.getChanges).not.toHaveBeenCalled();
  });

  describe("with changesSince (the change feed)", () => {
    const changes = {
      until: 1_800_000_060_000,
      complete: true,
      entries: [
        {
          id: "1800000050000-00000001",
          time: 1_800_000_050_000,
          action: "broker.registered",
          broker: "broker-a",
          topics: ["A"],
        },
      ],
      liveness: { sweptAgoMs: 2_000, deadlines: { "broker-a": { "10.0.0.1:10911": 45_000 } } },
    };

    it("adds `changes` to the answer, beside the routes asked", async () => {
      nameServer.getChanges.mockResolvedValue(changes);
      nameServer.getRoutes.mockResolvedValue({
        routes: new Map([["A", route("broker-a")]]),
        missing: [],
        deadlines: {},
      });
      const response = await post({ topics: ["A"], deadlines: true, changesSince: 1_800_000_020_000 });
      expect(response.statusCode).toBe(200);
      expect(nameServer.getChanges).toHaveBeenCalledWith(1_800_000_020_000);
      expect(nameServer.getRoutes).toHaveBeenCalledWith(["A"], undefined, { deadlines: true });
      expect(bodyOf(response)).toMatchObject({ routes: { A: route("broker-a") }, deadlines: {}, changes });
    });

    it("may name no topic: the feed alone, and no route read", async () => {
      nameServer.getChanges.mockResolvedValue(changes);
      const response = await post({ topics: [], changesSince: 0 });
      expect(response.statusCode).toBe(200);
      expect(nameServer.getRoutes).not.toHaveBeenCalled();
      expect(bodyOf(response)).toEqual({ routes: {}, etags: {}, unchanged: [], missing: [], changes });
    });

    it("without it the answer has no `changes` and the feed is not read", async () => {
      nameServer.getRoutes.mockResolvedValue({ routes: new Map([["A", route("broker-a")]]), missing: [] });
      const response = await post({ topics: ["A"] });
      expect(Object.keys(bodyOf(response))).toEqual(["routes", "etags", "unchanged", "missing"]);
      expect(nameServer.getChanges).not.toHaveBeenCalled();
    });

    it("a store that is down is a 503", async () => {
      vi.spyOn(logger, "warn").mockImplementation(() => undefined);
      nameServer.getChanges.mockRejectedValue(new ServiceUnavailableError("table unreachable"));
      const response = await post({ topics: [], changesSince: 0 });
      expect(response.statusCode).toBe(503);
    });
  });
});
