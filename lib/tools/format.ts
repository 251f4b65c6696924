/**
 * Plain-text rendering for the `namesrv` CLI: aligned tables in mqadmin's spirit, RocketMQ's perm
 * letters, and one-line error messages that say what to do next.
 */

import type { BrokerMemberGroup } from "../client/name-server-client";
import { AllNameServersFailedError } from "../client/route-client";
import {
  CredentialsError,
  NameServerClientError,
  NameServerRequestError,
  NameServerUnreachableError,
} from "../client/transport";
import type { BrokerData, ClusterInfo, TopicRouteData } from "../domain/model";
import { PERM_INHERIT, PERM_READ, PERM_WRITE } from "../domain/perm";

/** Left-aligned columns separated by two spaces; `-` for empty cells. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const cells = [headers, ...rows].map((row) =>
    headers.map((_, i) => (row[i] === "" ? "-" : (row[i] ?? "-"))),
  );
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** RocketMQ's `PermName.perm2String`: R (read), W (write), X (inherit), e.g. 6 → `RW-`. */
export function permToString(perm: number): string {
  return `${perm & PERM_READ ? "R" : "-"}${perm & PERM_WRITE ? "W" : "-"}${perm & PERM_INHERIT ? "X" : "-"}`;
}

function sortedMembers(brokerAddrs: Record<string, string>): Array<[string, string]> {
  return Object.entries(brokerAddrs).sort(([a], [b]) => Number(a) - Number(b));
}

function brokerRows(brokerData: BrokerData): string[][] {
  return sortedMembers(brokerData.brokerAddrs).map(([id, addr]) => [
    brokerData.cluster,
    brokerData.brokerName,
    id,
    addr,
    brokerData.zoneName ?? "",
    String(brokerData.enableActingMaster),
  ]);
}

const BROKER_HEADERS = ["CLUSTER", "BROKER", "BID", "ADDR", "ZONE", "ACTING-MASTER"];

export function renderClusterList(info: ClusterInfo): string {
  const rows: string[][] = [];
  for (const cluster of Object.keys(info.clusterAddrTable).sort()) {
    for (const brokerName of [...(info.clusterAddrTable[cluster] ?? [])].sort()) {
      const brokerData = info.brokerAddrTable[brokerName];
      if (brokerData !== undefined) rows.push(...brokerRows({ ...brokerData, cluster }));
    }
  }
  return rows.length === 0 ? "(no live brokers)" : renderTable(BROKER_HEADERS, rows);
}

export function renderRoute(topic: string, route: TopicRouteData): string {
  const sections: string[] = [];
  sections.push(
    `Topic ${topic}${route.orderTopicConf === undefined ? "" : ` (orderTopicConf ${route.orderTopicConf})`}`,
  );
  const queueDatas = [...route.queueDatas].sort((a, b) => a.brokerName.localeCompare(b.brokerName));
  sections.push(
    renderTable(
      ["BROKER", "READ-QUEUES", "WRITE-QUEUES", "PERM", "SYSFLAG"],
      queueDatas.map((q) => [
        q.brokerName,
        String(q.readQueueNums),
        String(q.writeQueueNums),
        `${permToString(q.perm)} (${q.perm})`,
        String(q.topicSysFlag),
      ]),
    ),
  );
  const brokerDatas = [...route.brokerDatas].sort((a, b) => a.brokerName.localeCompare(b.brokerName));
  sections.push(renderTable(BROKER_HEADERS, brokerDatas.flatMap(brokerRows)));
  const filterServers = Object.entries(route.filterServerTable).filter(([, list]) => list.length > 0);
  if (filterServers.length > 0) {
    sections.push(
      renderTable(
        ["BROKER-ADDR", "FILTER-SERVERS"],
        filterServers.map(([addr, list]) => [addr, list.join(",")]),
      ),
    );
  }
  return sections.join("\n\n");
}

/**
 * mqadmin's `topicRoute -l`: one line per broker group (its cluster, addresses, queues and perm), and
 * the totals (groups, read and write queues).
 */
export function renderRouteList(route: TopicRouteData): string {
  const queues = new Map(route.queueDatas.map((q) => [q.brokerName, q]));
  const brokers = [...route.brokerDatas].sort((a, b) => a.brokerName.localeCompare(b.brokerName));
  let read = 0;
  let write = 0;
  const rows = brokers.map((b) => {
    const q = queues.get(b.brokerName);
    read += q?.readQueueNums ?? 0;
    write += q?.writeQueueNums ?? 0;
    const addrs = sortedMembers(b.brokerAddrs)
      .map(([id, addr]) => `${id}=${addr}`)
      .join(" ");
    return [
      b.cluster,
      b.brokerName,
      addrs,
      String(q?.readQueueNums ?? "-"),
      String(q?.writeQueueNums ?? "-"),
      q === undefined ? "-" : `${permToString(q.perm)} (${q.perm})`,
    ];
  });
  rows.push(["Total:", `${brokers.length} group(s)`, "", String(read), String(write), ""]);
  return renderTable(["CLUSTER", "BROKER", "ADDRESSES", "READ-QUEUES", "WRITE-QUEUES", "PERM"], rows);
}

export function renderBrokerMembers(group: BrokerMemberGroup): string {
  const members = sortedMembers(group.brokerAddrs);
  if (members.length === 0) return `(no live member of ${group.brokerName} in cluster ${group.cluster})`;
  return renderTable(
    ["CLUSTER", "BROKER", "BID", "ADDR"],
    members.map(([id, addr]) => [group.cluster, group.brokerName, id, addr]),
  );
}

/** A `host:port` address (RocketMQ's protocol) rather than an HTTP URL. */
function isHostPort(address: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(address);
}

function isLocal(url: string): boolean {
  try {
    const host = new URL(isHostPort(url) ? `tcp://${url}` : url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]" || host === "0.0.0.0";
  } catch {
    return false;
  }
}

function isAws(url: string): boolean {
  try {
    return new URL(url).hostname.endsWith(".amazonaws.com");
  } catch {
    return false;
  }
}

/** Where the CLI can be pointed instead (a registry on another PORT, a NameServer elsewhere). */
export const WHERE_HINT =
  "If it runs elsewhere (another PORT, another host), give its address: --url http://host:port (or NAMESRV_URL), or -n host:port (or NAMESRV_ADDR) for RocketMQ's protocol";

/** One line: what went wrong, and what to do about it. */
export function describeError(error: unknown, timeoutMillis?: number): string {
  if (error instanceof AllNameServersFailedError) {
    if (error.errors.length === 1 && error.errors[0] !== undefined) {
      return describeError(error.errors[0], timeoutMillis);
    }
    const urls = error.errors.map((e) => e.url).join(", ");
    const allLocalDown =
      error.errors.every((e) => e instanceof NameServerUnreachableError && e.reason === "network") &&
      error.errors.every((e) => isLocal(e.url));
    return allLocalDown
      ? `cannot reach any NameServer (${urls}): is \`npm start\` running? ${WHERE_HINT}`
      : `no NameServer answered: ${error.errors.map((e) => describeError(e, timeoutMillis)).join("; ")}`;
  }
  if (error instanceof NameServerUnreachableError) {
    if (error.reason === "timeout") {
      const after = timeoutMillis === undefined ? "" : ` within ${timeoutMillis} ms`;
      return `no answer from ${error.url}${after}: is it overloaded or far away? Retry, or raise --timeout`;
    }
    if (isHostPort(error.url)) {
      return `cannot reach ${error.url} (RocketMQ protocol): check the address (-n or NAMESRV_ADDR) and that a NameServer listens there`;
    }
    return isLocal(error.url)
      ? `cannot reach ${error.url}: is \`npm start\` running? ${WHERE_HINT}`
      : `cannot reach ${error.url}: check the URL (--url or NAMESRV_URL) and your network`;
  }
  if (error instanceof NameServerRequestError) {
    if (error.status === 401 || error.status === 403) {
      const hint = isAws(error.url)
        ? "sign the request with AWS credentials: pass --profile and/or --region (or --sigv4)"
        : "pass --token or set NAMESRV_TOKEN to the registry's NAMESRV_TOKEN";
      return `${error.url} refused the request (${error.status} ${error.code}: ${error.message}): ${hint}`;
    }
    const details = error.details.map((d) => `${d.field}: ${d.message}`).join("; ");
    const retry = error.status === 503 ? "; retry in a moment" : "";
    return `${error.url}: ${error.code}: ${error.message}${details === "" ? "" : ` (${details})`}${retry}`;
  }
  if (error instanceof CredentialsError) return error.message;
  if (error instanceof NameServerClientError) return `${error.url}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** What changed between two routes, one line per change (`+` appeared, `-` went, `~` changed). */
export function describeRouteChange(previous: TopicRouteData, route: TopicRouteData): string[] {
  const lines: string[] = [];
  const members = (r: TopicRouteData) =>
    new Map(
      r.brokerDatas.flatMap((b) =>
        sortedMembers(b.brokerAddrs).map(
          ([id, addr]) => [`${b.brokerName} ${id} ${addr}`, b.brokerName] as const,
        ),
      ),
    );
  const before = members(previous);
  const after = members(route);
  for (const key of before.keys()) if (!after.has(key)) lines.push(`- broker ${key}`);
  for (const key of after.keys()) if (!before.has(key)) lines.push(`+ broker ${key}`);
  const queues = (r: TopicRouteData) => new Map(r.queueDatas.map((q) => [q.brokerName, q]));
  const queuesBefore = queues(previous);
  const queuesAfter = queues(route);
  for (const [name, q] of queuesBefore) {
    const now = queuesAfter.get(name);
    if (now === undefined) lines.push(`- queue data of ${name}`);
    else if (
      now.perm !== q.perm ||
      now.readQueueNums !== q.readQueueNums ||
      now.writeQueueNums !== q.writeQueueNums
    ) {
      lines.push(
        `~ queue data of ${name}: ${q.readQueueNums}/${q.writeQueueNums} ${permToString(q.perm)} → ` +
          `${now.readQueueNums}/${now.writeQueueNums} ${permToString(now.perm)}`,
      );
    }
  }
  for (const name of queuesAfter.keys()) if (!queuesBefore.has(name)) lines.push(`+ queue data of ${name}`);
  if (previous.orderTopicConf !== route.orderTopicConf) {
    lines.push(`~ orderTopicConf: ${previous.orderTopicConf ?? "none"} → ${route.orderTopicConf ?? "none"}`);
  }
  return lines;
}
