/**
 * What `npm start` prints per request, so that a person can watch the registry work: one line per
 * HTTP request or RocketMQ remoting request, with the time, the method and path (or the request
 * code's name), the status (or response code), how long it took, and the broker or topic it was
 * about. `LOG_FORMAT=json` prints the same as one JSON object per line, for log tooling.
 */

export type LogFormat = "human" | "json";

export interface RequestLogEntry {
  /** When the request arrived (ms since the epoch). */
  time: number;
  protocol: "http" | "remoting";
  /** HTTP method, or the RocketMQ request code's name (`GET_ROUTEINFO_BY_TOPIC`, or `code 999`). */
  method: string;
  /** The path without the query (HTTP only). */
  path?: string;
  /** The HTTP status, or the remoting response code's name (`SUCCESS`, `TOPIC_NOT_EXIST`). */
  status: number | string;
  durationMs: number;
  broker?: string;
  topic?: string;
}

function clock(time: number): string {
  return new Date(time).toISOString().slice(11, 23);
}

/** `10:02:15.123 GET /topics/TopicTest/route 200 4 ms topic=TopicTest` */
export function formatRequestLine(entry: RequestLogEntry): string {
  const subject = [
    entry.broker === undefined ? "" : `broker=${entry.broker}`,
    entry.topic === undefined ? "" : `topic=${entry.topic}`,
  ]
    .filter((s) => s !== "")
    .join(" ");
  const target =
    entry.protocol === "http" ? `${entry.method} ${entry.path ?? ""}` : `remoting ${entry.method}`;
  return `${clock(entry.time)} ${target} ${entry.status} ${Math.round(entry.durationMs)} ms${subject === "" ? "" : ` ${subject}`}`;
}

export function formatRequestJson(entry: RequestLogEntry): string {
  return JSON.stringify({
    time: new Date(entry.time).toISOString(),
    level: "INFO",
    message: "request",
    protocol: entry.protocol,
    method: entry.method,
    ...(entry.path === undefined ? {} : { path: entry.path }),
    status: entry.status,
    durationMs: Math.round(entry.durationMs * 10) / 10,
    ...(entry.broker === undefined ? {} : { broker: entry.broker }),
    ...(entry.topic === undefined ? {} : { topic: entry.topic }),
  });
}

export function requestLogger(
  format: LogFormat,
  write: (line: string) => void,
): (entry: RequestLogEntry) => void {
  return (entry) => write(format === "json" ? formatRequestJson(entry) : formatRequestLine(entry));
}

/** How much of a body is searched for a broker name: heartbeats put it first, and bodies can be MBs. */
const BODY_PREFIX_BYTES = 4096;

function fromBody(body: Buffer | undefined, field: string): string | undefined {
  if (body === undefined || body.length === 0) return undefined;
  const text = body.subarray(0, BODY_PREFIX_BYTES).toString("utf8");
  const match = new RegExp(`"${field}"\\s*:\\s*"((?:[^"\\\\]|\\\\.){1,255})"`).exec(text);
  return match?.[1];
}

/**
 * The broker and topic an HTTP request is about: from the path parameters, the query, or the first
 * bytes of a JSON body (a heartbeat's `brokerName`, a batch's first topic is not guessed).
 */
export function subjectOfHttp(
  pathParameters: Readonly<Record<string, string | undefined>>,
  query: URLSearchParams,
  body: Buffer | undefined,
): { broker?: string; topic?: string } {
  const broker = pathParameters.brokerName ?? query.get("broker") ?? fromBody(body, "brokerName");
  const topic = pathParameters.topic ?? query.get("topic") ?? fromBody(body, "topic");
  return {
    ...(broker === undefined || broker === null ? {} : { broker }),
    ...(topic === undefined || topic === null ? {} : { topic }),
  };
}

/** The broker and topic of a remoting request, from its header fields. */
export function subjectOfRemoting(extFields: Readonly<Record<string, string>> | undefined): {
  broker?: string;
  topic?: string;
} {
  const broker = extFields?.brokerName;
  const topic = extFields?.topic;
  return { ...(broker === undefined ? {} : { broker }), ...(topic === undefined ? {} : { topic }) };
}
