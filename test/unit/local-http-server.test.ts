/**
 * The local HTTP server's own defences, with stub handlers (no DynamoDB): the token is checked before
 * the body is read, a declared oversize body is refused before it is read, and slow clients are cut
 * off by header, request and idle timeouts.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalHttpServer, type LambdaHttpHandler } from "../../lib/local/http-server";

const TOKEN = "unit-token-0123456789";
let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const calls: string[] = [];
const stub: LambdaHttpHandler = async (event) => {
  calls.push(event.routeKey);
  return { statusCode: 200, headers: { "content-type": "application/json" }, body: "{}" };
};
/** Every handler module name maps to the stub. */
const handlers = new Proxy({}, { get: () => stub }) as Record<string, LambdaHttpHandler>;

async function start(options: Parameters<typeof createLocalHttpServer>[0]): Promise<number> {
  server = createLocalHttpServer(options);
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Writes `request`, then waits for the server to answer and/or close; resolves with what it sent. */
function exchange(
  port: number,
  request: string,
  waitMs = 5_000,
): Promise<{ answer: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    sockets.push(socket);
    const timer = setTimeout(() => resolve({ answer, closed: false }), waitMs);
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ answer, closed: true });
    });
    socket.on("error", reject);
  });
}

describe("local HTTP server", () => {
  it("answers 401 before reading the body: a client without the token cannot make it wait or buffer", async () => {
    const port = await start({ handlers, token: TOKEN });
    calls.length = 0;
    // Declares 1 MB, sends 10 bytes and stops: a server that read the body first would wait for it.
    const { answer, closed } = await exchange(
      port,
      "POST /brokers/heartbeat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        "Content-Length: 1048576\r\n\r\n0123456789",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toMatch(/connection: close/i);
    expect(closed).toBe(true);
    expect(calls).toEqual([]);
  });

  it("refuses a declared body over the limit with 413 before reading it", async () => {
    const port = await start({ handlers, maxRequestBytes: 1000 });
    const { answer } = await exchange(
      port,
      "POST /brokers/heartbeat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain("PAYLOAD_TOO_LARGE");
  });

  it("still serves a protected route with the token and its body", async () => {
    const port = await start({ handlers, token: TOKEN });
    const body = '{"a":1}';
    const { answer } = await exchange(
      port,
      `POST /brokers/heartbeat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });

  it("closes a connection whose headers never finish (slowloris)", async () => {
    const port = await start({ handlers, timeouts: { headersMs: 300, requestMs: 600 } });
    const started = Date.now();
    const { closed } = await exchange(port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: a", 5_000);
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("closes a connection whose body never finishes", async () => {
    const port = await start({ handlers, timeouts: { headersMs: 300, requestMs: 600 } });
    const { answer, closed } = await exchange(
      port,
      "PUT /kv/ns/key HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
      5_000,
    );
    expect(closed).toBe(true);
    expect(answer).not.toMatch(/^HTTP\/1\.1 200 /);
  });

  it("closes an idle connection", async () => {
    const port = await start({ handlers, timeouts: { idleMs: 300 } });
    const { closed } = await exchange(port, "", 5_000);
    expect(closed).toBe(true);
  });
});
