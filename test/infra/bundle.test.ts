/**
 * The one infra test that bundles for real: NamesrvFunction's esbuild bundling (a synth with bundling
 * on), then each bundle loaded by a fresh `node` and invoked with a payload 2.0 event against DynamoDB
 * Local, with the environment the synthesized function gets, as Lambda's Node.js runtime would.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BundledFunction, bundleFunctions, invokeInFreshNode } from "../support/bundle-probe";
import { createTestTable, type TestTable } from "../support/dynamodb";
import { httpEvent } from "../support/http-event";

const registration = {
  clusterName: "BundleCluster",
  brokerName: "broker-bundle",
  brokerId: 0,
  brokerAddr: "10.0.0.9:10911",
  dataVersion: { stateVersion: 0, timestamp: 1_732_400_000_000, counter: 1 },
  topicConfigTable: {
    BundleTopic: {
      topicName: "BundleTopic",
      readQueueNums: 4,
      writeQueueNums: 4,
      perm: 6,
      topicSysFlag: 0,
      order: false,
    },
  },
};

describe("a real bundle, loaded the way Lambda loads it", () => {
  let table: TestTable;
  let outdir: string;
  let bundles: Map<string, BundledFunction>;
  let env: Record<string, string>;

  beforeAll(async () => {
    table = await createTestTable("bundle");
    outdir = mkdtempSync(path.join(tmpdir(), "namesrv-bundle-"));
    const built = bundleFunctions({
      handlerModules: ["register-broker", "get-route-info-by-topic"],
      awsSdk: "bundled",
      outdir,
    });
    bundles = new Map(built.map((fn) => [fn.handlerModule, fn]));
    env = {
      TABLE_NAME: table.tableName,
      DYNAMODB_ENDPOINT: table.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    };
  });

  afterAll(async () => {
    await table?.drop();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  const bundle = (handlerModule: string): BundledFunction => {
    const found = bundles.get(handlerModule);
    if (found === undefined) throw new Error(`${handlerModule} was not bundled`);
    return found;
  };

  it("is a self-contained, minified ESM file with its source map", () => {
    const fn = bundle("register-broker");
    expect(path.basename(fn.entryFile)).toBe("index.mjs");
    const code = readFileSync(fn.entryFile, "utf8");
    // The AWS SDK is bundled: nothing is left to import from node_modules at run time.
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(code).toMatch(/sourceMappingURL=index\.mjs\.map\s*$/);
    expect(fn.environment).toMatchObject({ NODE_OPTIONS: "--enable-source-maps" });
  });

  it("registers a broker through the bundled register-broker handler", async () => {
    const run = await invokeInFreshNode(
      bundle("register-broker"),
      httpEvent({
        method: "POST",
        path: "/brokers/heartbeat",
        routeKey: "POST /brokers/heartbeat",
        json: registration,
      }),
      env,
    );
    expect(run.result).toMatchObject({ statusCode: 200 });
    const body = JSON.parse((run.result as { body: string }).body);
    expect(body).toMatchObject({ topicConfigApplied: true });
  });

  it("serves that broker's route through the bundled get-route-info-by-topic handler", async () => {
    const run = await invokeInFreshNode(
      bundle("get-route-info-by-topic"),
      httpEvent({
        method: "GET",
        path: "/topics/BundleTopic/route",
        routeKey: "GET /topics/{topic}/route",
        pathParameters: { topic: "BundleTopic" },
      }),
      env,
    );
    expect(run.result).toMatchObject({ statusCode: 200 });
    const route = JSON.parse((run.result as { body: string }).body);
    expect(route.queueDatas).toEqual([
      expect.objectContaining({ brokerName: "broker-bundle", readQueueNums: 4, writeQueueNums: 4, perm: 6 }),
    ]);
    expect(route.brokerDatas).toEqual([
      expect.objectContaining({
        cluster: "BundleCluster",
        brokerName: "broker-bundle",
        brokerAddrs: { "0": "10.0.0.9:10911" },
      }),
    ]);
  });

  it("answers 404 TOPIC_NOT_EXIST for an unknown topic (errors mapped inside the bundle)", async () => {
    const run = await invokeInFreshNode(
      bundle("get-route-info-by-topic"),
      httpEvent({
        method: "GET",
        path: "/topics/NoSuchTopic/route",
        routeKey: "GET /topics/{topic}/route",
        pathParameters: { topic: "NoSuchTopic" },
      }),
      env,
    );
    expect(run.result).toMatchObject({ statusCode: 404 });
    expect(JSON.parse((run.result as { body: string }).body)).toMatchObject({
      error: { code: "TOPIC_NOT_EXIST" },
    });
  });
});
