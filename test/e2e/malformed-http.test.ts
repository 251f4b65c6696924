/** End to end: requests Node's HTTP parser refuses still get API.md's error shape. */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "../../lib/local/registry";
import { startE2eRegistry } from "../support/e2e";

let registry: LocalRegistry;
beforeAll(async () => {
  registry = await startE2eRegistry("malformed");
});
afterAll(async () => {
  await registry?.stop();
});

/** Sends raw bytes and returns the whole raw answer. */
function raw(request: string): Promise<string> {
  const { hostname, port } = new URL(registry.url);
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket = connect(Number(port), hostname, () => socket.write(request));
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe("malformed HTTP", () => {
  it("an unknown method gets a 400 with the error shape", async () => {
    const answer = await raw("FOO /health HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
    expect(body).toEqual({ error: { code: "INVALID_REQUEST", message: "Malformed HTTP request" } });
  });

  it("oversized headers get a 431 with the error shape", async () => {
    const answer = await raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(answer).toContain('"code":"INVALID_REQUEST"');
  });
});
