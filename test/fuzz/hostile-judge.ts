/** Sending a hostile request over HTTP, and judging the answer against the one property. */
import { Agent, request as httpRequest } from "node:http";
import type { HostileRequest, HostileResponse } from "./hostile-common";

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export function send(baseUrl: string, r: HostileRequest, timeoutMs = 30_000): Promise<HostileResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.target,
        agent,
        headers: {
          ...r.headers,
          ...(r.body !== undefined ? { "content-length": String(r.body.length) } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

const CODES: Record<number, string[]> = {
  400: ["INVALID_REQUEST"],
  401: ["UNAUTHORIZED"],
  404: ["TOPIC_NOT_EXIST", "QUERY_NOT_FOUND", "NOT_FOUND"],
  405: ["METHOD_NOT_ALLOWED"],
  409: ["FULL_REGISTRATION_REQUIRED"],
  413: ["PAYLOAD_TOO_LARGE"],
  415: ["UNSUPPORTED_MEDIA_TYPE"],
};

/** What is wrong with an answer to a hostile request (empty: nothing). */
export function violationsOf(r: HostileRequest, res: HostileResponse): string[] {
  const problems: string[] = [];
  const acceptable = r.mayAccept
    ? res.status === 200 || res.status === 404 || (res.status >= 400 && res.status < 500)
    : res.status >= 400 && res.status < 500;
  if (!acceptable)
    problems.push(`status ${res.status}${res.status >= 500 ? " (a 5xx)" : ", expected a 4xx"}`);
  if (res.status < 400) return problems;
  const type = String(res.headers["content-type"] ?? "");
  if (!/^application\/json/i.test(type)) problems.push(`error Content-Type "${type}"`);
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    problems.push(`error body is not JSON: ${res.text.slice(0, 80)}`);
    return problems;
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (
    body === null ||
    typeof body !== "object" ||
    Object.keys(body).join() !== "error" ||
    typeof error !== "object" ||
    error === null
  ) {
    problems.push(`error body is not {"error": {...}}: ${res.text.slice(0, 120)}`);
    return problems;
  }
  const extra = Object.keys(error).filter((k) => !["code", "message", "details"].includes(k));
  if (extra.length > 0) problems.push(`error has extra fields ${extra}`);
  if (!(CODES[res.status] ?? []).includes(String(error.code)))
    problems.push(`status ${res.status} with code ${String(error.code)}`);
  if (typeof error.message !== "string" || error.message === "") problems.push("error.message missing");
  if (error.details !== undefined) {
    const ok =
      Array.isArray(error.details) &&
      error.details.length > 0 &&
      error.details.every(
        (d: unknown) =>
          typeof d === "object" &&
          d !== null &&
          typeof (d as { field?: unknown }).field === "string" &&
          typeof (d as { message?: unknown }).message === "string",
      );
    if (!ok) problems.push(`error.details malformed: ${JSON.stringify(error.details).slice(0, 120)}`);
  }
  if (res.status === 405 && res.headers.allow === undefined) problems.push("405 without Allow");
  return problems;
}

/** A request as a one-line description for a report (bodies cut short). */
export function describe(r: HostileRequest): string {
  const body =
    r.body === undefined
      ? ""
      : ` body(${r.body.length} B)=${JSON.stringify(r.body.subarray(0, 160).toString("latin1"))}`;
  return `[${r.label}] ${r.method} ${r.target.slice(0, 200)} ${JSON.stringify(r.headers)}${body}`;
}
