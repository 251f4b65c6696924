/**
 * Measures what the `awsSdk` stack prop changes: bundle size and cold start, both ways.
 *
 *   npx tsx bench/measure-bundles.ts [runs]
 *
 * For each choice it bundles two functions exactly as the stack does (bench/bundle-probe.ts), then
 * starts a fresh `node` per run that imports the bundle and makes the first call against a table on
 * DynamoDB Local, as a Lambda cold start does. The "runtime" bundles resolve the SDK from this
 * project's node_modules, standing in for the runtime's /var/runtime/node_modules (the same CommonJS
 * builds, unminified). Prints a Markdown table for docs/deploy.md.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { deflateRawSync } from "node:zlib";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { type AwsSdkSource, projectRoot } from "../infra/namesrv-function";
import { startDynamoDbLocal } from "../lib/local/dynamodb-local";
import { createTableInput } from "../lib/store/table-definition";
import { assetSizes, type BundledFunction, bundleFunctions, invokeInFreshNode } from "./bundle-probe";

const runs = Number(process.argv[2] ?? "10");
const tableName = "measure-bundles";

const heartbeat = {
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

function event(method: string, routePath: string, routeKey: string, extra: Record<string, unknown> = {}) {
  return {
    version: "2.0",
    routeKey,
    rawPath: routePath,
    rawQueryString: "",
    headers: { host: "api.example", "content-type": "application/json" },
    requestContext: {
      accountId: "000000000000",
      apiId: "api",
      domainName: "api.example",
      domainPrefix: "api",
      http: { method, path: routePath, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "measure" },
      requestId: "measure",
      routeKey,
      stage: "$default",
      time: "01/Jan/2026:00:00:00 +0000",
      timeEpoch: 1_767_225_600_000,
    },
    isBase64Encoded: false,
    ...extra,
  };
}

const events: Record<string, unknown> = {
  "register-broker": event("POST", "/brokers/heartbeat", "POST /brokers/heartbeat", {
    body: JSON.stringify(heartbeat),
  }),
  "get-route-info-by-topic": event("GET", "/topics/TopicTest/route", "GET /topics/{topic}/route", {
    pathParameters: { topic: "TopicTest" },
  }),
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function zippedKiB(fn: BundledFunction): number {
  let bytes = 0;
  for (const name of Object.keys(assetSizes(fn.assetDir))) {
    bytes += deflateRawSync(readFileSync(path.join(fn.assetDir, name)), { level: 9 }).length;
  }
  return bytes / 1024;
}

/** Process start to first line of a bare `node`: the part of every figure that is not the bundle's. */
function nodeStartMs(): number {
  const result = spawnSync(process.execPath, ["-e", "process.stdout.write(String(performance.now()))"], {
    encoding: "utf8",
  });
  return Number(result.stdout);
}

async function main(): Promise<void> {
  const ddb = await startDynamoDbLocal({ dataDir: ":memory:" });
  try {
    const client = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    client.destroy();
    const env = {
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: ddb.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    };

    interface Variant {
      awsSdk: AwsSdkSource;
      fn: BundledFunction;
      sourceMaps: boolean;
      ready: number[];
      imports: number[];
      firstInvokes: number[];
    }
    const variants: Variant[] = [];
    for (const awsSdk of ["bundled", "runtime"] satisfies AwsSdkSource[]) {
      // Inside the project, so that "runtime" bundles find @aws-sdk/* in node_modules.
      const outdir = path.join(projectRoot, "cdk.out", `measure-${awsSdk}`);
      for (const fn of bundleFunctions({ handlerModules: Object.keys(events), awsSdk, outdir })) {
        for (const sourceMaps of [true, false]) {
          variants.push({ awsSdk, fn, sourceMaps, ready: [], imports: [], firstInvokes: [] });
        }
      }
    }
    // Round-robin over the variants, so that the load of a shared machine weighs on all of them alike.
    const baseline: number[] = [];
    for (let i = 0; i < runs; i++) {
      baseline.push(nodeStartMs());
      for (const variant of variants) {
        const { fn } = variant;
        const run = await invokeInFreshNode(fn, events[fn.handlerModule], {
          ...env,
          // The stack sets --enable-source-maps; "off" shows what that costs.
          NODE_OPTIONS: variant.sourceMaps ? (fn.environment.NODE_OPTIONS ?? "") : "",
        });
        const statusCode = (run.result as { statusCode?: number }).statusCode;
        if (statusCode !== 200) throw new Error(`${fn.handlerModule} answered ${JSON.stringify(run.result)}`);
        variant.ready.push(run.readyMs);
        variant.imports.push(run.importMs);
        variant.firstInvokes.push(run.firstInvokeMs);
      }
    }

    console.log(
      `Node ${process.version}, ${runs} fresh processes per row, median (min) in ms; ` +
        `bare \`node\` start: ${median(baseline).toFixed(0)} (${Math.min(...baseline).toFixed(0)})`,
    );
    console.log("");
    console.log(
      "| AWS SDK | function | source maps | index.mjs KiB | .map KiB | zip KiB | import | ready | first call |",
    );
    console.log("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    const cell = (values: number[]) => `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)})`;
    for (const { awsSdk, fn, sourceMaps, ready, imports, firstInvokes } of variants) {
      const sizes = assetSizes(fn.assetDir);
      const js = (sizes["index.mjs"] ?? 0) / 1024;
      const map = (sizes["index.mjs.map"] ?? 0) / 1024;
      console.log(
        `| ${awsSdk} | ${fn.handlerModule} | ${sourceMaps ? "on" : "off"} | ${js.toFixed(0)} | ${map.toFixed(0)} | ` +
          `${zippedKiB(fn).toFixed(0)} | ${cell(imports)} | ${cell(ready)} | ${cell(firstInvokes)} |`,
      );
    }
  } finally {
    await ddb.stop();
  }
}

await main();
