/**
 * The documents that decide security and cost say what the stack does (README "Deploy on AWS",
 * docs/deploy.md): each check below fails when the stack changes and the sentence does not.
 * - the broker role's routes in the README and the hand-written broker-a policy in docs/deploy.md,
 *   evaluated as IAM policies against the ARNs a BrokerAgent's requests really carry;
 * - the outputs listed in both documents, against the synthesized outputs;
 * - the alarm count in docs/deploy.md's fixed costs, against the synthesized alarms;
 * - what `openReads` opens, against the route table's read routes;
 * - the table grants described in docs/deploy.md, against infra/table-grants.ts's LeadingKeys.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { brokerWriteRoutes } from "../../infra/api-access";
import { projectRoot } from "../../infra/namesrv-function";
import { BrokerAgent } from "../../lib/client/broker-agent";
import { routes } from "../../lib/http/routes";
import { FAKE, isAllowed, type Statement } from "../support/iam-evaluate";
import { synthNameServer } from "./synth";

const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
const deployMd = readFileSync(join(projectRoot, "docs/deploy.md"), "utf8");
const API_ID = "api1234567";
const GROUP = { cluster: "DefaultCluster", brokerName: "broker-a" };

const arnOf = (methodAndPath: string) =>
  `arn:${FAKE.partition}:execute-api:${FAKE.region}:${FAKE.account}:${API_ID}/$default/${methodAndPath}`;

/** The request paths a BrokerAgent of broker-a sends: register (first contact), then unregister. */
async function agentRequests(): Promise<string[]> {
  const seen: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    seen.push(`${request.method}${new URL(request.url ?? "/", "http://x").pathname}`);
    request.resume();
    response.writeHead(200, { "content-type": "application/json" });
    response.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new BrokerAgent({
    broker: {
      clusterName: GROUP.cluster,
      brokerName: GROUP.brokerName,
      brokerId: 0,
      brokerAddr: "127.0.0.1:10911",
    },
    nameServers: [`http://127.0.0.1:${port}`],
    topicState: () => ({ topicConfigTable: {}, dataVersion: { timestamp: 1, counter: 1 } }),
    // Generous: under a loaded CI machine a registration must not time out (it would not unregister).
    transport: { timeoutMillis: 30_000 },
  });
  const started = await agent.start();
  if (!started.registered)
    throw new Error(`the agent did not register: ${JSON.stringify(started.nameServers)}`);
  await agent.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return [...new Set(seen)];
}

describe("docs that decide security", { timeout: 120_000 }, () => {
  it("README: the broker role's routes are the scoped ones the agent sends, allowed, and nothing else", async () => {
    const listed = [...readme.matchAll(/`(POST\/clusters\/<cluster>\/brokers\/<brokerName>\/[a-z-]+)`/g)].map(
      (m) => (m[1] ?? "").replace("<cluster>", GROUP.cluster).replace("<brokerName>", GROUP.brokerName),
    );
    const scoped = brokerWriteRoutes().map((r) =>
      `${r.method}${r.path}`
        .replace("{clusterName}", GROUP.cluster)
        .replace("{brokerName}", GROUP.brokerName),
    );
    expect([...new Set(listed)].sort()).toEqual(scoped.sort());
    expect(readme).not.toMatch(/`POST\/brokers\/heartbeat`/);

    const policy: Statement[] = [
      { Effect: "Allow", Action: "execute-api:Invoke", Resource: listed.map(arnOf) },
    ];
    const requests = await agentRequests();
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const request of requests) {
      expect([
        request,
        isAllowed(policy, { action: "execute-api:Invoke", resource: arnOf(request) }),
      ]).toEqual([request, true]);
    }
  });

  it("docs/deploy.md: the hand-written broker-a policy allows the agent's requests and not broker-b's", async () => {
    const start = deployMd.indexOf("Written by hand, the policy of broker-a's role");
    const block = /```json\n([\s\S]*?)```/.exec(deployMd.slice(start))?.[1] ?? "";
    const document = JSON.parse(
      block
        .replaceAll("<region>", FAKE.region)
        .replaceAll("<account>", FAKE.account)
        .replaceAll("<api-id>", API_ID),
    ) as { Statement: Statement[] };
    const allowed = (request: string) =>
      isAllowed(document.Statement, { action: "execute-api:Invoke", resource: arnOf(request) });

    for (const request of await agentRequests()) expect([request, allowed(request)]).toEqual([request, true]);
    expect(allowed("POST/clusters/DefaultCluster/brokers/broker-b/heartbeat")).toBe(false);
    expect(allowed("POST/brokers/heartbeat")).toBe(false);
  });

  it("openReads: both documents say it opens every read route that is not a GET (POST /routes)", () => {
    const nonGetReads = routes.filter((r) => r.access === "read" && r.method !== "GET");
    expect(nonGetReads.length).toBeGreaterThan(0);
    const readmeSentence = /`-c openReads=true` opens[^.]*\./.exec(readme)?.[0] ?? "";
    const deployRow = /\| `openReads` \|[^\n]*/.exec(deployMd)?.[0] ?? "";
    for (const route of nonGetReads) {
      expect(readmeSentence).toContain(`${route.method} ${route.path}`);
      expect(deployRow).toContain(`${route.method} ${route.path}`);
    }
  });

  it("docs/deploy.md describes the per-function LeadingKeys grants, not grantReadData per route", () => {
    expect(deployMd).toMatch(/dynamodb:LeadingKeys/);
    expect(deployMd).not.toMatch(/routes get `grantReadData`/);
  });
});

describe("docs that state what the stack deploys", { timeout: 120_000 }, () => {
  const synth = synthNameServer();
  const template = synth.template.toJSON() as {
    Outputs: Record<string, unknown>;
    Resources: Record<string, { Type: string }>;
  };

  it("lists every output of the default stack in the README and docs/deploy.md", () => {
    const readmeOutputs = /Outputs: `ApiUrl`[\s\S]*?\n\n/.exec(readme)?.[0] ?? "";
    const deployOutputs = deployMd.slice(
      deployMd.indexOf("## Outputs"),
      deployMd.indexOf("## Calling the API"),
    );
    for (const id of Object.keys(template.Outputs)) {
      expect([id, readmeOutputs.includes(`\`${id}\``)]).toEqual([id, true]);
      expect([id, deployOutputs.includes(`\`${id}\``)]).toEqual([id, true]);
    }
  });

  it("counts the default stack's alarms in docs/deploy.md's fixed costs", () => {
    const alarms = Object.values(template.Resources).filter(
      (r) => r.Type === "AWS::CloudWatch::Alarm",
    ).length;
    expect(deployMd).toContain(`${alarms} alarms at $0.10`);
  });
});
