/**
 * End to end: real responses of the running API validate against openapi/openapi.yaml (JSON Schema
 * 2020-12, as OpenAPI 3.1 uses it).
 */
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { TopicRouteData } from "../../lib/domain/model";
import type { LocalRegistry } from "../../lib/local/registry";
import {
  type ApiResponse,
  type Client,
  client,
  registration,
  startE2eRegistry,
  topicConfig,
  topicPath,
} from "../support/e2e";

type Json = Record<string, unknown>;
const document = parse(readFileSync(new URL("../../openapi/openapi.yaml", import.meta.url), "utf8")) as Json;
const DOC_ID = "urn:namesrv:openapi";
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...document, $id: DOC_ID });

function resolve(node: Json): Json {
  const ref = node.$ref;
  if (typeof ref !== "string") return node;
  const target = ref
    .replace(/^#\//, "")
    .split("/")
    .reduce<unknown>((at, key) => (at as Json)[key.replace(/~1/g, "/").replace(/~0/g, "~")], document);
  return resolve(target as Json);
}

/** Rewrites the document-relative $refs of a schema taken out of the document so ajv resolves them. */
function anchored(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(anchored);
  if (schema === null || typeof schema !== "object") return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === "$ref" && typeof value === "string" && value.startsWith("#")
        ? `${DOC_ID}${value}`
        : anchored(value),
    ]),
  );
}

/** Validates a real response against the documented response of (method, path template, status). */
function expectConforms(method: string, pathTemplate: string, response: ApiResponse): void {
  const operation = ((document.paths as Json)[pathTemplate] as Json | undefined)?.[method.toLowerCase()] as
    | Json
    | undefined;
  expect(operation, `${method} ${pathTemplate} is documented`).toBeDefined();
  const responses = operation?.responses as Json;
  const documented = responses[String(response.status)] as Json | undefined;
  expect(documented, `${method} ${pathTemplate} documents status ${response.status}`).toBeDefined();
  const content = resolve(documented as Json).content as Json | undefined;
  if (content === undefined) {
    expect(response.text).toBe("");
    return;
  }
  const schema = ((content["application/json"] as Json).schema ?? {}) as Json;
  const validate = ajv.compile(anchored(schema) as Json);
  const valid = validate(response.body);
  expect(validate.errors ?? [], `${method} ${pathTemplate} ${response.status}: ${response.text}`).toEqual([]);
  expect(valid).toBe(true);
}

let registry: LocalRegistry;
let api: Client;

beforeAll(async () => {
  registry = await startE2eRegistry("openapi");
  api = client(registry.url);
});
afterAll(async () => {
  await registry?.stop();
});

describe("responses conform to openapi/openapi.yaml", () => {
  it("brokers: register (master, slave), member group, write perm, unregister", async () => {
    const table = { OaTopic: topicConfig("OaTopic"), "%RETRY%oa-group": topicConfig("%RETRY%oa-group") };
    const master = registration({
      brokerName: "bk-oa",
      brokerAddr: "10.90.0.1:10911",
      haServerAddr: "10.90.0.1:10912",
      zoneName: "az-1",
      filterServerList: ["10.90.0.1:30000"],
      topicConfigTable: table,
    });
    expectConforms("POST", "/brokers/heartbeat", await api.post("/brokers/heartbeat", master));
    const slave = registration({
      brokerName: "bk-oa",
      brokerId: 1,
      brokerAddr: "10.90.0.2:10911",
      topicConfigTable: table,
    });
    const slaveResponse = await api.post("/brokers/heartbeat", slave);
    expect(slaveResponse.body.masterAddr).toBe("10.90.0.1:10911");
    expectConforms("POST", "/brokers/heartbeat", slaveResponse);
    expectConforms(
      "POST",
      "/brokers/heartbeat",
      await api.post("/brokers/heartbeat", { ...master, topicConfigTable: undefined }),
    );
    expectConforms(
      "GET",
      "/brokers/{clusterName}/{brokerName}",
      await api.get("/brokers/DefaultCluster/bk-oa"),
    );
    const live = await api.get("/brokers");
    expect(live.body.brokers.map((b: { brokerAddr: string }) => b.brokerAddr)).toEqual(
      expect.arrayContaining(["10.90.0.1:10911", "10.90.0.2:10911"]),
    );
    expectConforms("GET", "/brokers", live);
    expectConforms(
      "PUT",
      "/brokers/{brokerName}/write-perm",
      await api.put("/brokers/bk-oa/write-perm", { writable: true }),
    );
  });

  it("routes, clusters and topic lists", async () => {
    await api.put("/kv/ORDER_TOPIC_CONFIG/OaTopic", { value: "bk-oa:4" });
    const route = await api.get(`${topicPath("OaTopic")}/route`);
    expect(route.body.orderTopicConf).toBe("bk-oa:4");
    expectConforms("GET", "/topics/{topic}/route", route);
    // the validator bites: a field the document does not know is refused
    const strict = ajv.compile({ $ref: `${DOC_ID}#/components/schemas/TopicRouteData` });
    expect(strict({ ...route.body, extra: 1 })).toBe(false);
    expectConforms(
      "GET",
      "/topics/{topic}/route",
      await api.get(`${topicPath("%RETRY%oa-group")}/route?zone=az-1`),
    );
    const notModified = await api.get(`${topicPath("OaTopic")}/route`, {
      headers: { "if-none-match": route.headers.get("etag") ?? "" },
    });
    expectConforms("GET", "/topics/{topic}/route", notModified);
    expectConforms("GET", "/clusters", await api.get("/clusters"));
    expectConforms("GET", "/topics", await api.get("/topics"));
    expectConforms("GET", "/clusters/{clusterName}/topics", await api.get("/clusters/DefaultCluster/topics"));
    expectConforms("GET", "/health", await api.get("/health"));
  });

  it("issue 9 routes: touch, data-version, topics, system and unit lists, config, static topics", async () => {
    const member = { clusterName: "DefaultCluster", brokerName: "bk-oa9", brokerAddr: "10.92.0.1:10911" };
    const dataVersion = { stateVersion: 0, timestamp: 1, counter: 1 };
    await api.put("/kv/ORDER_TOPIC_CONFIG/Oa9Topic", { value: "bk-oa9:4" });
    const heartbeat = await api.post(
      "/brokers/heartbeat",
      registration({
        ...member,
        dataVersion,
        topicConfigTable: { Oa9Topic: topicConfig("Oa9Topic", { topicSysFlag: 1 }) },
        topicQueueMappingInfoMap: { Oa9Topic: { topic: "Oa9Topic", bname: "bk-oa9", totalQueues: 4 } },
      }),
    );
    expect(heartbeat.body.orderTopicConfig.table.Oa9Topic).toBe("bk-oa9:4");
    expectConforms("POST", "/brokers/heartbeat", heartbeat);
    const route = await api.get(`${topicPath("Oa9Topic")}/route`);
    expect(route.body.topicQueueMappingByBroker["bk-oa9"].totalQueues).toBe(4);
    expectConforms("GET", "/topics/{topic}/route", route);
    expectConforms("POST", "/brokers/touch", await api.post("/brokers/touch", member));
    expectConforms(
      "POST",
      "/brokers/touch",
      await api.post("/brokers/touch", { ...member, brokerName: "none" }),
    );
    const query = { ...member, brokerId: 0, dataVersion };
    expectConforms("POST", "/brokers/data-version", await api.post("/brokers/data-version", query));
    expectConforms(
      "POST",
      "/brokers/data-version",
      await api.post("/brokers/data-version", { ...query, brokerAddr: "10.92.0.9:10911" }),
    );
    const qd = { brokerName: "bk-oa9", readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 };
    expectConforms("POST", "/topics", await api.post("/topics", { topic: "Oa9Other", queueDatas: [qd] }));
    expectConforms("GET", "/topics", await api.get("/topics?system=true"));
    expectConforms("GET", "/topics", await api.get("/topics?unit=unit"));
    expectConforms("GET", "/config", await api.get("/config"));
    expectConforms("PUT", "/config", await api.put("/config", { config: { enableTopicList: "true" } }));
    expectConforms("PUT", "/config", await api.put("/config", { config: { nope: "x" } }));
    await api.put("/config", { config: { enableAllTopicList: "false" } });
    expectConforms("GET", "/topics", await api.get("/topics"));
    await api.put("/config", { config: { enableAllTopicList: "true" } });
  });

  it("query forms and POST /routes", async () => {
    const route = await api.get("/route?topic=%25RETRY%25oa-group&zone=az-1");
    expectConforms("GET", "/route", route);
    expectConforms(
      "GET",
      "/route",
      await api.get("/route?topic=%25RETRY%25oa-group&zone=az-1", {
        headers: { "if-none-match": route.headers.get("etag") ?? "" },
      }),
    );
    expectConforms("GET", "/route", await api.get("/route?topic=NoSuchOaTopic"));
    expectConforms("GET", "/route", await api.get("/route"));
    const routes = await api.post("/routes", { topics: ["OaTopic", "%RETRY%oa-group", "Gone"] });
    expectConforms("POST", "/routes", routes);
    const known = { OaTopic: routes.body.etags.OaTopic };
    const unchanged = await api.post("/routes", { topics: ["OaTopic"], known });
    expect(unchanged.body.unchanged).toEqual(["OaTopic"]);
    expectConforms("POST", "/routes", unchanged);
    expectConforms("POST", "/routes", await api.post("/routes", { topics: ["A", "A"] }));
    // The opt-in extension: deadlines of the members of changed and unchanged routes alike.
    const withDeadlines = await api.post("/routes", {
      topics: ["OaTopic", "%RETRY%oa-group"],
      known,
      deadlines: true,
    });
    expect(withDeadlines.body.unchanged).toEqual(["OaTopic"]);
    const listed = [
      ...Object.values(withDeadlines.body.routes as Record<string, TopicRouteData>),
      routes.body.routes.OaTopic as TopicRouteData,
    ].flatMap((r) =>
      r.brokerDatas.flatMap((b) => Object.values(b.brokerAddrs).map((a) => `${b.brokerName} ${a}`)),
    );
    const timed = Object.entries(
      withDeadlines.body.deadlines as Record<string, Record<string, number>>,
    ).flatMap(([name, byAddr]) => Object.keys(byAddr).map((a) => `${name} ${a}`));
    expect(new Set(timed)).toEqual(new Set(listed));
    expectConforms("POST", "/routes", withDeadlines);
    expect(routes.body).not.toHaveProperty("deadlines");
    expectConforms("PUT", "/kv", await api.put("/kv?namespace=oa-ns&key=a%2Fb", { value: "v" }));
    expectConforms("GET", "/kv", await api.get("/kv?namespace=oa-ns&key=a%2Fb"));
    expectConforms("GET", "/kv", await api.get("/kv?namespace=oa-ns"));
    expectConforms("DELETE", "/kv", await api.delete("/kv?namespace=oa-ns&key=a%2Fb"));
    expectConforms("GET", "/kv", await api.get("/kv?namespace=oa-ns&key=a%2Fb"));
    expectConforms("DELETE", "/topics", await api.delete("/topics?topic=NoSuchOaTopic&cluster=Nope"));
    expectConforms("DELETE", "/topics", await api.delete("/topics?cluster=Nope"));
  });

  it("KV", async () => {
    expectConforms("PUT", "/kv/{namespace}/{key}", await api.put("/kv/oa-ns/k", { value: "v" }));
    expectConforms("GET", "/kv/{namespace}/{key}", await api.get("/kv/oa-ns/k"));
    expectConforms("GET", "/kv/{namespace}", await api.get("/kv/oa-ns"));
    expectConforms("DELETE", "/kv/{namespace}/{key}", await api.delete("/kv/oa-ns/k"));
    expectConforms("GET", "/kv/{namespace}/{key}", await api.get("/kv/oa-ns/k"));
    expectConforms("GET", "/kv/{namespace}", await api.get("/kv/oa-ns"));
  });

  it("errors", async () => {
    const invalid = await api.post("/brokers/heartbeat", registration({ brokerId: -1 }));
    expect(invalid.status).toBe(400);
    expectConforms("POST", "/brokers/heartbeat", invalid);
    const conflict = await api.post(
      "/brokers/heartbeat",
      registration({ brokerName: "bk-oa-none", brokerAddr: "10.91.0.1:10911", topicConfigTable: undefined }),
    );
    expect(conflict.status).toBe(409);
    expectConforms("POST", "/brokers/heartbeat", conflict);
    const media = await api.request("POST", "/brokers/heartbeat", {
      body: "x",
      headers: { "content-type": "text/plain" },
    });
    expectConforms("POST", "/brokers/heartbeat", media);
    expectConforms("GET", "/topics/{topic}/route", await api.get("/topics/NoSuchOaTopic/route"));
    expectConforms("DELETE", "/topics/{topic}", await api.delete(`${topicPath("OaTopic")}?clustr=x`));
    expectConforms("DELETE", "/topics/{topic}", await api.delete(`${topicPath("OaTopic")}?cluster=Nope`));
    expectConforms(
      "POST",
      "/brokers/unregister",
      await api.post("/brokers/unregister", {
        clusterName: "DefaultCluster",
        brokerName: "bk-oa",
        brokerId: 1,
        brokerAddr: "10.90.0.2:10911",
      }),
    );
    // 404 (no such path) and 405 are not operations; they still have the documented error shape
    const errorSchema = ajv.compile({ $ref: `${DOC_ID}#/components/schemas/Error` });
    for (const response of [await api.get("/nope"), await api.request("PATCH", "/topics")]) {
      expect(errorSchema(response.body), response.text).toBe(true);
    }
  });
});
