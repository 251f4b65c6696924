/**
 * The status page (`namesrv dashboard`): a small HTTP server that serves one static page
 * (lib/dashboard/static, plain HTML/CSS/JS, nothing to build) and answers the page's polling with a
 * snapshot read from the registry through the typed client. The registry's credentials (SigV4 for a
 * deployed API, the bearer token locally) stay in this process: the browser never sees them.
 *
 * Besides the snapshot the page reads the history of changes (`/api/history`, GET /history) and the
 * settings (`/api/config`, GET /config). Where this process may write (a token or IAM credentials:
 * `actions` on), the page offers the operator actions mqadmin has for the NameServer (write
 * permission, KV, order configuration, settings) as `POST /api/actions`; each goes to the registry
 * with these credentials, so the history records it. A POST must carry `x-namesrv-action: 1` and a
 * JSON body: a page of another origin cannot send that without a CORS preflight, which is never
 * answered.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as z from "zod";
import { NameServerClient } from "../client/name-server-client";
import { type Auth, regionFromUrl, Transport } from "../client/transport";
import { kvKeySchema, nameSchema, plainNameSchema, topicNameSchema } from "../domain/model";
import { compareRegistries, type RegistryView } from "./compare";
import { SnapshotSource } from "./snapshot";

export const DEFAULT_DASHBOARD_LISTEN = "127.0.0.1:8088";
/** The namespace RocketMQ itself uses (order topics); the page can watch more. */
export const DEFAULT_DASHBOARD_NAMESPACES = ["ORDER_TOPIC_CONFIG"] as const;
const MAX_NAMESPACES = 20;
/** Topics, routes and KV: RocketMQ clients refresh routes every 30 s too. */
export const DEFAULT_SLOW_REFRESH_MILLIS = 30_000;

export interface DashboardOptions {
  /** The registry's HTTP API (`http://127.0.0.1:9877`, `https://….execute-api.….amazonaws.com`). */
  apiUrl: string;
  /** `host:port` to serve the page on; port 0 picks a free one. */
  listen?: string;
  /** How the dashboard authenticates to the registry; see `defaultDashboardAuth` when omitted. */
  auth?: Auth;
  /** Read for NAMESRV_TOKEN when `auth` is omitted. */
  env?: Record<string, string | undefined>;
  /** Per-request timeout towards the registry. */
  timeoutMillis?: number;
  /** How often the page refreshes brokers and health. */
  pollIntervalMillis?: number;
  /** How often topics, routes and KV namespaces are read again (default 30 s). */
  slowRefreshMillis?: number;
  /** KV namespaces shown to every visitor (more can be added on the page). */
  namespaces?: readonly string[];
  /** For tests: a client other than one built from `apiUrl` and `auth`. */
  client?: NameServerClient;
  /** Offer the operator actions; default: on when the dashboard authenticates (token or SigV4). */
  actions?: boolean;
  /** More registries (every further `--url`), shown side by side with the first and what differs. */
  compareUrls?: readonly string[];
}

/** Topics whose routes are compared (a status page, not an audit: the first ones, sorted). */
const MAX_COMPARED_TOPICS = 200;

async function viewOf(url: string, client: NameServerClient): Promise<RegistryView> {
  try {
    const [config, info, topics] = await Promise.all([
      client.getConfig(),
      client.getBrokerClusterInfo(),
      client.getAllTopicList(),
    ]);
    const members: Record<string, string> = {};
    for (const broker of Object.values(info.brokerAddrTable)) {
      for (const [id, addr] of Object.entries(broker.brokerAddrs)) {
        members[`${broker.cluster}/${broker.brokerName}/${id}`] = addr;
      }
    }
    const routes: Record<string, string> = {};
    const names = [...topics].sort().slice(0, MAX_COMPARED_TOPICS);
    if (names.length > 0) {
      const answer = await client.getRoutes(names);
      for (const [topic, route] of Object.entries(answer.routes)) {
        routes[topic] = route.queueDatas
          .map((q) => `${q.brokerName}:${q.perm}:${q.readQueueNums}/${q.writeQueueNums}`)
          .sort()
          .join(", ");
      }
    }
    return { url, config, members, routes };
  } catch (error) {
    return { url, error: errorText(error), config: {}, members: {}, routes: {} };
  }
}

/** An operator action from the page: what mqadmin does to a NameServer. */
const actionSchema = z.discriminatedUnion("action", [
  z.object({ action: z.enum(["wipeWritePerm", "addWritePerm"]), broker: plainNameSchema }),
  z.object({
    action: z.literal("updateKvConfig"),
    namespace: nameSchema,
    key: kvKeySchema,
    value: z.string().min(1).max(65536),
  }),
  z.object({ action: z.literal("deleteKvConfig"), namespace: nameSchema, key: kvKeySchema }),
  z.object({
    action: z.literal("updateOrderConf"),
    topic: topicNameSchema,
    value: z.string().min(1).max(65536),
  }),
  z.object({
    action: z.literal("updateNamesrvConfig"),
    key: z.string().min(1).max(127),
    value: z.string().max(255),
  }),
]);
type Action = z.infer<typeof actionSchema>;

async function perform(client: NameServerClient, action: Action): Promise<string> {
  switch (action.action) {
    case "wipeWritePerm":
    case "addWritePerm": {
      const { affectedTopicCount } = await client.setWritePerm(
        action.broker,
        action.action === "addWritePerm",
      );
      return `${action.action} ${action.broker}: ${affectedTopicCount} topic(s)`;
    }
    case "updateKvConfig":
      await client.putKvConfig(action.namespace, action.key, action.value);
      return `${action.namespace}/${action.key} = ${action.value}`;
    case "deleteKvConfig":
      await client.deleteKvConfig(action.namespace, action.key);
      return `${action.namespace}/${action.key} deleted`;
    case "updateOrderConf":
      await client.putKvConfig("ORDER_TOPIC_CONFIG", action.topic, action.value);
      return `order conf of ${action.topic} = ${action.value}`;
    case "updateNamesrvConfig":
      await client.updateConfig({ [action.key]: action.value });
      return `${action.key} = ${action.value}`;
  }
}

function readBody(request: IncomingMessage, limit = 70_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error("body too large"));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, "application/json; charset=utf-8", JSON.stringify(body));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface Dashboard {
  /** The page's URL (`http://127.0.0.1:8088/`). */
  url: string;
  close(): Promise<void>;
}

/**
 * SigV4 with the standard AWS credential chain for an API Gateway URL (`*.execute-api.*`), the bearer
 * token of NAMESRV_TOKEN when set, and nothing otherwise. Other deployments (a custom domain) pass
 * `auth` (the CLI's --sigv4 / --profile / --region).
 */
export function defaultDashboardAuth(apiUrl: string, env: Record<string, string | undefined> = {}): Auth {
  if (regionFromUrl(apiUrl) !== undefined) return { kind: "sigv4" };
  const token = env.NAMESRV_TOKEN;
  if (token !== undefined && token !== "") return { kind: "bearer", token };
  return { kind: "none" };
}

/** `host:port`, `[v6]:port` or `:port`; throws a message naming the flag on anything else. */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen.trim());
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new Error(`--listen must be host:port (e.g. ${DEFAULT_DASHBOARD_LISTEN}), got '${listen}'`);
  }
  const host = match[1] ?? match[2] ?? "";
  return { host: host === "" ? "127.0.0.1" : host, port };
}

const STATIC_FILES: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/dashboard.js": { file: "dashboard.js", type: "text/javascript; charset=utf-8" },
  "/history.js": { file: "history.js", type: "text/javascript; charset=utf-8" },
  "/dashboard.css": { file: "dashboard.css", type: "text/css; charset=utf-8" },
};

/**
 * Where the page's files are: `static/` next to this module when run from source, or next to the
 * bundle that includes it (the package build copies lib/dashboard/static to dist/bin/static), or
 * `dashboard/static` beside the bundle's directory.
 */
const STATIC_DIRS = ["./static/", "../dashboard/static/"];

function loadStatic(): Map<string, { body: Buffer; type: string }> {
  const dir = STATIC_DIRS.map((d) => new URL(d, import.meta.url)).find((d) =>
    existsSync(new URL("index.html", d)),
  );
  if (dir === undefined) {
    throw new Error(
      `the status page's files are missing (looked in ${STATIC_DIRS.join(", ")} of ${import.meta.url})`,
    );
  }
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const [path, { file, type }] of Object.entries(STATIC_FILES)) {
    files.set(path, { body: readFileSync(new URL(file, dir)), type });
  }
  return files;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * On a loopback address, only requests naming a loopback host are answered: a web page elsewhere
 * cannot read the registry through this server by rebinding its own name to 127.0.0.1.
 */
function hostAllowed(request: IncomingMessage, boundHost: string): boolean {
  if (!LOOPBACK.has(boundHost) && !boundHost.startsWith("127.")) return true;
  const host = request.headers.host ?? "";
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
  return name !== undefined && (LOOPBACK.has(name) || name.startsWith("127."));
}

function namespacesOf(url: URL, defaults: readonly string[]): string[] {
  const extra = (url.searchParams.get("namespaces") ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "" && nameSchema.safeParse(n).success);
  return [...new Set([...defaults, ...extra])].slice(0, MAX_NAMESPACES);
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "content-security-policy":
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
  });
  response.end(body);
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { host, port } = parseListen(options.listen ?? DEFAULT_DASHBOARD_LISTEN);
  const apiUrl = options.apiUrl.replace(/\/+$/, "");
  const auth = options.auth ?? defaultDashboardAuth(apiUrl, options.env ?? {});
  const client =
    options.client ??
    new NameServerClient(
      apiUrl,
      new Transport({
        auth,
        ...(options.timeoutMillis === undefined ? {} : { timeoutMillis: options.timeoutMillis }),
      }),
    );
  const pollIntervalMillis = options.pollIntervalMillis ?? 2000;
  const source = new SnapshotSource({
    client,
    pollIntervalMillis,
    slowRefreshMillis: options.slowRefreshMillis ?? DEFAULT_SLOW_REFRESH_MILLIS,
    minIntervalMillis: Math.min(1000, pollIntervalMillis / 2),
  });
  const defaults = [...(options.namespaces ?? DEFAULT_DASHBOARD_NAMESPACES)];
  const actions = options.actions ?? auth.kind !== "none";
  const compared = [
    { url: apiUrl, client },
    ...(options.compareUrls ?? []).map((raw) => {
      const url = raw.replace(/\/+$/, "");
      const auth = options.auth ?? defaultDashboardAuth(url, options.env ?? {});
      return {
        url,
        client: new NameServerClient(
          url,
          new Transport({
            auth,
            ...(options.timeoutMillis === undefined ? {} : { timeoutMillis: options.timeoutMillis }),
          }),
        ),
      };
    }),
  ];
  const files = loadStatic();

  const server = createServer((request, response) => {
    if (!hostAllowed(request, host)) {
      send(response, 403, "text/plain; charset=utf-8", "Forbidden: use a loopback host name\n");
      return;
    }
    const url = new URL(request.url ?? "/", "http://dashboard");
    if (url.pathname === "/api/actions" && request.method === "POST") {
      if (!actions) {
        sendJson(response, 403, {
          error: "this status page has no write credentials (start it with a token or IAM)",
        });
        return;
      }
      if (
        request.headers["x-namesrv-action"] !== "1" ||
        !(request.headers["content-type"] ?? "").startsWith("application/json")
      ) {
        sendJson(response, 400, { error: "an action is a JSON POST with x-namesrv-action: 1" });
        return;
      }
      readBody(request)
        .then(async (text) => {
          let parsed: z.ZodSafeParseResult<Action>;
          try {
            parsed = actionSchema.safeParse(JSON.parse(text));
          } catch {
            sendJson(response, 400, { error: "the body is not JSON" });
            return;
          }
          if (!parsed.success) {
            sendJson(response, 400, {
              error: parsed.error.issues
                .map((i) => `${i.path.join(".") || "action"}: ${i.message}`)
                .join("; "),
            });
            return;
          }
          const done = await perform(client, parsed.data);
          source.invalidate();
          sendJson(response, 200, { ok: true, done });
        })
        .catch((error: unknown) => sendJson(response, 502, { error: errorText(error) }));
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.setHeader("allow", actions && url.pathname === "/api/actions" ? "POST" : "GET, HEAD");
      send(response, 405, "text/plain; charset=utf-8", "Method Not Allowed\n");
      return;
    }
    if (url.pathname === "/api/history") {
      const since = url.searchParams.get("since");
      client
        .getHistory({
          limit: 200,
          ...(since !== null && /^\d{1,13}$/.test(since) ? { since: Number(since) } : {}),
        })
        .then(
          (page) => sendJson(response, 200, page),
          (error: unknown) => sendJson(response, 502, { error: errorText(error) }),
        );
      return;
    }
    if (url.pathname === "/api/compare") {
      if (compared.length < 2) {
        sendJson(response, 200, { registries: [], differences: [] });
        return;
      }
      Promise.all(compared.map((c) => viewOf(c.url, c.client))).then((views) =>
        sendJson(response, 200, {
          registries: views.map((v) => ({
            url: v.url,
            ...(v.error === undefined ? {} : { error: v.error }),
          })),
          differences: compareRegistries(views),
        }),
      );
      return;
    }
    if (url.pathname === "/api/config") {
      client.getConfig().then(
        (config) => sendJson(response, 200, { config, actions }),
        (error: unknown) => sendJson(response, 502, { error: errorText(error) }),
      );
      return;
    }
    if (url.pathname === "/api/snapshot") {
      source.get(namespacesOf(url, defaults)).then(
        (snapshot) => send(response, 200, "application/json; charset=utf-8", JSON.stringify(snapshot)),
        (error: unknown) =>
          send(
            response,
            502,
            "application/json; charset=utf-8",
            JSON.stringify({ error: error instanceof Error ? error.message : String(error) }),
          ),
      );
      return;
    }
    const file = files.get(url.pathname);
    if (file === undefined) {
      send(response, 404, "text/plain; charset=utf-8", "Not Found\n");
      return;
    }
    send(response, 200, file.type, file.body);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
