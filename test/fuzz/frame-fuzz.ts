/**
 * The frame half of `npm run fuzz`: hostile frames (hostile-frames.ts) against a remoting gateway in
 * front of the fuzzed registry, in batches, with the table dumped after each batch and a probe
 * request on a fresh connection proving the gateway still serves. Crashes (uncaught exceptions and
 * unhandled rejections in this process, where the gateway runs) are counted as violations.
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { NameServerClient } from "../../lib/client/name-server-client";
import { Transport } from "../../lib/client/transport";
import { startRemotingGateway } from "../../lib/gateway/gateway";
import { registryApiOf } from "../../lib/gateway/registry-api";
import { RequestCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { dumpTable } from "../support/table-dump";
import { describeFrame, type FrameCase, frameViolations, hostileFrame, sendFrame } from "./hostile-frames";

export interface FrameFuzzOptions {
  registryUrl: string;
  ddb: DynamoDBDocumentClient;
  tableName: string;
  runs: number;
  seed: number;
  concurrency: number;
  batchSize: number;
  log: (line: string) => void;
}

export interface FrameFuzzReport {
  cases: number;
  outcomes: Map<string, number>;
  labels: Map<string, number>;
  /** Response codes of the answers. */
  codes: Map<number, number>;
  violations: string[];
  closeLogLines: number;
}

export async function runFrameFuzz(options: FrameFuzzOptions): Promise<FrameFuzzReport> {
  const violations: string[] = [];
  const onCrash = (error: unknown) => violations.push(`crash: ${String(error)}`);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  let closeLogLines = 0;
  const gateway = await startRemotingGateway({
    port: 0,
    client: registryApiOf(
      new NameServerClient(options.registryUrl, new Transport({ timeoutMillis: 20_000 })),
    ),
    requestTimeoutMs: 20_000,
    log: (line) => {
      if (/decode error/.test(line)) closeLogLines++;
      else options.log(`  gateway: ${line}`);
    },
  });
  const outcomes = new Map<string, number>();
  const labels = new Map<string, number>();
  const codes = new Map<number, number>();
  let cases = 0;
  try {
    let expected = JSON.stringify(await dumpTable(options.ddb, options.tableName));
    const batches = Math.ceil(options.runs / options.batchSize);
    for (let b = 0; b < batches; b++) {
      const batch: FrameCase[] = fc.sample(hostileFrame(), {
        numRuns: Math.min(options.batchSize, options.runs - b * options.batchSize),
        seed: options.seed + b,
      });
      let next = 0;
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < batch.length) {
            const c = batch[next++] as FrameCase;
            const outcome = await sendFrame(gateway.port, c.bytes);
            outcomes.set(outcome.kind, (outcomes.get(outcome.kind) ?? 0) + 1);
            const kind = c.label.split(" ")[0] as string;
            labels.set(kind, (labels.get(kind) ?? 0) + 1);
            if (outcome.kind !== "undecodable-answer") {
              for (const r of outcome.responses) codes.set(r.code, (codes.get(r.code) ?? 0) + 1);
            }
            for (const v of frameViolations(outcome)) violations.push(`${v}\n    ${describeFrame(c)}`);
            cases++;
          }
        }),
      );
      const probe = new RemotingClient(`127.0.0.1:${gateway.port}`, { timeoutMs: 20_000 });
      try {
        const answer = await probe.invoke(RequestCode.GET_BROKER_CLUSTER_INFO, {});
        if (answer.code !== 0)
          violations.push(`probe after batch ${b} answered ${answer.code} ${answer.remark}`);
      } catch (error) {
        violations.push(`the gateway stopped serving after batch ${b}: ${String(error)}`);
      } finally {
        probe.close();
      }
      const after = JSON.stringify(await dumpTable(options.ddb, options.tableName));
      if (after !== expected) {
        violations.push(
          `the table changed during frame batch ${b} (sample seed ${options.seed + b}); its frames:\n    ${batch.map(describeFrame).join("\n    ")}`,
        );
        expected = after;
      }
      if (b % 10 === 9 || b === batches - 1) {
        options.log(`  ${cases} frames, ${violations.length} violations`);
      }
    }
  } finally {
    await gateway.close();
    process.removeListener("uncaughtException", onCrash);
    process.removeListener("unhandledRejection", onCrash);
  }
  return { cases, outcomes, labels, codes, violations, closeLogLines };
}
