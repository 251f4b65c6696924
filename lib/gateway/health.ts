/**
 * `namesrv gateway --health-port <p>`: `GET /health` for load balancers and Kubernetes probes. 200
 * when the registry answered its own `GET /health` recently, 503 when it did not (unreachable,
 * erroring, timing out) or while the gateway drains (SIGTERM): a task that cannot reach the registry
 * is taken out of the NLB, and a draining one gets no new connections.
 *
 * Probes are shared: one registry call answers every health check within `probeCacheMs` (10 s; the NLB's
 * nodes check every target every 10 s from each AZ; a call per check would be a bill of its own).
 */
import { createServer, type Server } from "node:http";

export interface HealthServerOptions {
  host: string;
  port: number;
  /** Resolves when the registry answers; rejects (with the reason) when it does not. */
  probe: () => Promise<unknown>;
  /** True once the gateway drains. */
  draining: () => boolean;
  /** Extra fields of the answer (connections, in flight). */
  details?: () => Record<string, number>;
  /** How long one probe's outcome answers health checks. Default 10 s (the NLB checks every 10 s). */
  probeCacheMs?: number;
  now?: () => number;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

interface ProbeOutcome {
  at: number;
  ok: boolean;
  reason?: string;
}

/** The probe with its outcome cached for `cacheMs`; concurrent callers share one call. */
export function cachedProbe(
  probe: () => Promise<unknown>,
  cacheMs: number,
  now: () => number = Date.now,
): () => Promise<ProbeOutcome> {
  let last: ProbeOutcome | undefined;
  let running: Promise<ProbeOutcome> | undefined;
  return () => {
    if (last !== undefined && now() - last.at < cacheMs) return Promise.resolve(last);
    running ??= probe()
      .then(
        (): ProbeOutcome => ({ at: now(), ok: true }),
        (error: unknown): ProbeOutcome => ({
          at: now(),
          ok: false,
          reason: error instanceof Error ? error.message : String(error),
        }),
      )
      .then((outcome) => {
        last = outcome;
        running = undefined;
        return outcome;
      });
    return running;
  };
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const check = cachedProbe(options.probe, options.probeCacheMs ?? 10_000, options.now);
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== "/health" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: "GET /health is the only route" }));
      return;
    }
    const answer = (status: number, body: Record<string, unknown>) => {
      response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      response.end(
        request.method === "HEAD" ? undefined : JSON.stringify({ ...body, ...options.details?.() }),
      );
    };
    if (options.draining()) {
      answer(503, { status: "draining" });
      return;
    }
    check().then((outcome) =>
      outcome.ok
        ? answer(200, { status: "ok", registry: "ok" })
        : answer(503, { status: "unavailable", registry: outcome.reason ?? "no answer" }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
