// The status page: polls /api/snapshot (served by lib/dashboard/server.ts) and renders it, never
// reloading. Heartbeat ages and times left tick every second between polls, on the registry's clock.
// Everything shown is set with textContent: names and KV values are data, never markup.

const EXTRA_NAMESPACES_KEY = "namesrv.dashboard.namespaces";
/** How long a member that left stays on the page, struck through. */
const KEEP_GONE_MILLIS = 60_000;
const EXPIRING_SHARE = 0.25;

const state = {
  snapshot: undefined,
  /** registry clock minus this browser's clock, from the last answer. */
  skew: 0,
  lastOkAt: undefined,
  failing: undefined,
  polls: 0,
  timer: undefined,
  /** key "cluster/broker/id" -> { clusterName, group, member, vanishedAt?, expired? } */
  members: new Map(),
  expandedTopics: new Set(),
};

const $ = (id) => document.getElementById(id);
const registryNow = () => Date.now() + state.skew;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("data-")) node.setAttribute(name, value);
    else node[name] = value;
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 180) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  return `${Math.round(min / 60)} h`;
}

/** RocketMQ's PermName.perm2String: R, W, X (inherit). */
function permString(perm) {
  return `${perm & 4 ? "R" : "-"}${perm & 2 ? "W" : "-"}${perm & 1 ? "X" : "-"}`;
}

function extraNamespaces() {
  try {
    const list = JSON.parse(localStorage.getItem(EXTRA_NAMESPACES_KEY) ?? "[]");
    return Array.isArray(list) ? list.filter((n) => typeof n === "string") : [];
  } catch {
    return [];
  }
}

function setExtraNamespaces(list) {
  localStorage.setItem(EXTRA_NAMESPACES_KEY, JSON.stringify([...new Set(list)]));
}

// ------------------------------------------------------------------------------------------------
// Polling

async function poll() {
  const query = encodeURIComponent(extraNamespaces().join(","));
  try {
    const response = await fetch(`api/snapshot?namespaces=${query}`, {
      cache: "no-store",
      signal: AbortSignal.timeout(15_000),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
    receive(body);
    state.failing = undefined;
  } catch (error) {
    state.failing = error instanceof Error ? error.message : String(error);
  }
  state.polls += 1;
  document.body.dataset.polls = String(state.polls);
  renderStatus();
  const interval = state.snapshot?.pollIntervalMillis ?? 2000;
  // One timer, however many polls were started (adding a namespace polls at once).
  clearTimeout(state.timer);
  state.timer = setTimeout(poll, interval);
}

function receive(snapshot) {
  state.skew = snapshot.registryNow - Date.now();
  if (snapshot.clusters !== undefined) state.lastOkAt = Date.now();
  const first = state.snapshot === undefined;
  const now = snapshot.registryNow;
  if (snapshot.clusters !== undefined) {
    const present = new Set();
    for (const cluster of snapshot.clusters) {
      for (const group of cluster.groups) {
        for (const member of group.members) {
          const key = `${cluster.clusterName}/${group.brokerName}/${member.brokerId}`;
          present.add(key);
          state.members.set(key, { clusterName: cluster.clusterName, group, member });
        }
      }
    }
    for (const [key, entry] of state.members) {
      if (present.has(key)) continue;
      if (entry.vanishedAt === undefined) {
        entry.vanishedAt = now;
        const { lastUpdateTimestamp, heartbeatTimeoutMillis } = entry.member;
        // Past its timeout: expired. Still inside it: unregistered (or removed by an operator).
        entry.expired =
          lastUpdateTimestamp !== undefined && lastUpdateTimestamp + heartbeatTimeoutMillis <= now;
      } else if (now - entry.vanishedAt > KEEP_GONE_MILLIS) {
        state.members.delete(key);
      }
    }
  }
  const topicsChanged = JSON.stringify(snapshot.topics) !== JSON.stringify(state.snapshot?.topics);
  const kvChanged = JSON.stringify(snapshot.kv) !== JSON.stringify(state.snapshot?.kv);
  state.snapshot = {
    ...snapshot,
    topics: snapshot.topics ?? state.snapshot?.topics,
    kv: snapshot.kv ?? state.snapshot?.kv,
  };
  $("api-url").textContent = snapshot.apiUrl;
  $("heartbeat-note").hidden = snapshot.heartbeats;
  renderBrokers();
  if (topicsChanged || first) renderTopics();
  if (kvChanged || first) renderKv();
}

// ------------------------------------------------------------------------------------------------
// Status and errors

function renderStatus() {
  const pill = $("health");
  const snapshot = state.snapshot;
  const health = snapshot?.health;
  if (state.failing !== undefined || snapshot === undefined) {
    pill.dataset.state = "down";
    pill.textContent = "dashboard unreachable";
  } else if (health === undefined) {
    pill.dataset.state = "down";
    pill.textContent = "registry unreachable";
  } else if (health.selfPreservation?.active) {
    pill.dataset.state = "preserving";
    const since = health.selfPreservation.since;
    pill.textContent =
      since === undefined
        ? "self-preservation"
        : `self-preservation since ${new Date(since).toLocaleTimeString()}`;
    pill.title =
      "A sweep would have expired too many brokers at once: nothing expires until heartbeats flow again.";
  } else {
    pill.dataset.state = "ok";
    pill.textContent = "OK";
    pill.title = "Self-preservation inactive: silent brokers expire after their heartbeat timeout.";
  }
  $("updated").textContent =
    state.lastOkAt === undefined ? "" : `updated ${duration(Date.now() - state.lastOkAt)} ago`;

  const messages = [];
  if (state.failing !== undefined) messages.push(`Cannot reach the dashboard server: ${state.failing}`);
  for (const error of snapshot?.errors ?? []) messages.push(`${error.part}: ${error.message}`);
  const box = $("errors");
  box.replaceChildren(...messages.map((m) => el("div", {}, m)));
  box.hidden = messages.length === 0;
}

// ------------------------------------------------------------------------------------------------
// Cluster

function memberState(entry, now) {
  if (entry.vanishedAt !== undefined) return entry.expired ? "expired" : "gone";
  const { lastUpdateTimestamp, heartbeatTimeoutMillis, preserved } = entry.member;
  if (preserved) return "preserved";
  if (lastUpdateTimestamp === undefined) return "live";
  const left = lastUpdateTimestamp + heartbeatTimeoutMillis - now;
  return left <= heartbeatTimeoutMillis * EXPIRING_SHARE ? "expiring" : "live";
}

function expiryCell(entry, memberStateName, now) {
  const { lastUpdateTimestamp, heartbeatTimeoutMillis } = entry.member;
  if (memberStateName === "expired") return `expired ${duration(now - entry.vanishedAt)} ago`;
  if (memberStateName === "gone") return `unregistered ${duration(now - entry.vanishedAt)} ago`;
  if (memberStateName === "preserved") return "kept (self-preservation)";
  if (lastUpdateTimestamp === undefined) return "–";
  const left = Math.max(0, lastUpdateTimestamp + heartbeatTimeoutMillis - now);
  const bar = el("span", { class: "bar" }, el("span"));
  bar.firstChild.style.width = `${Math.round((100 * left) / heartbeatTimeoutMillis)}%`;
  return el("span", {}, `${duration(left)} of ${duration(heartbeatTimeoutMillis)}`, bar);
}

function renderBrokers() {
  const now = registryNow();
  const clusters = new Map();
  for (const [key, entry] of state.members) {
    const groups = clusters.get(entry.clusterName) ?? new Map();
    clusters.set(entry.clusterName, groups);
    const members = groups.get(entry.group.brokerName) ?? [];
    groups.set(entry.group.brokerName, members);
    members.push({ key, entry });
  }
  const rows = [];
  let groupCount = 0;
  let memberCount = 0;
  for (const clusterName of [...clusters.keys()].sort()) {
    let firstOfCluster = true;
    const groups = clusters.get(clusterName);
    for (const brokerName of [...groups.keys()].sort()) {
      groupCount += 1;
      const members = groups
        .get(brokerName)
        .sort((a, b) => a.entry.member.brokerId - b.entry.member.brokerId);
      members.forEach(({ key, entry }, index) => {
        const memberStateName = memberState(entry, now);
        if (entry.vanishedAt === undefined) memberCount += 1;
        const { member, group } = entry;
        const heartbeat =
          member.lastUpdateTimestamp === undefined
            ? "–"
            : `${duration(now - member.lastUpdateTimestamp)} ago`;
        rows.push(
          el(
            "tr",
            {
              "data-member": key,
              "data-state": memberStateName,
              class: index === 0 ? "group-start" : undefined,
            },
            el("td", {}, firstOfCluster && index === 0 ? clusterName : ""),
            el("td", {}, index === 0 ? brokerName : ""),
            el("td", { class: "num" }, member.brokerId),
            el("td", {}, el("span", { class: "role", "data-role": member.role }, member.role)),
            el(
              "td",
              { title: member.haServerAddr ? `HA ${member.haServerAddr}` : undefined },
              member.brokerAddr,
            ),
            el("td", {}, group.zoneName ?? ""),
            el("td", { class: "num heartbeat" }, heartbeat),
            el("td", { class: "num left" }, expiryCell(entry, memberStateName, now)),
          ),
        );
        firstOfCluster = false;
      });
    }
  }
  if (rows.length === 0) {
    const known = state.snapshot?.clusters !== undefined;
    const text = known ? "No live broker." : "Not known yet: the registry has not answered.";
    rows.push(el("tr", {}, el("td", { colSpan: 8, class: "empty" }, text)));
  }
  $("brokers").replaceChildren(...rows);
  $("cluster-count").textContent =
    `${clusters.size} cluster${clusters.size === 1 ? "" : "s"}, ${groupCount} broker group${groupCount === 1 ? "" : "s"}, ${memberCount} live instance${memberCount === 1 ? "" : "s"}`;
}

// ------------------------------------------------------------------------------------------------
// Topic

function selectedKinds() {
  return new Set([...document.querySelectorAll('input[name="kind"]:checked')].map((i) => i.value));
}

function routeDetail(view) {
  if (view.route === undefined) return el("div", { class: "empty" }, view.error ?? "No route.");
  const queues = el(
    "table",
    {},
    el(
      "tr",
      {},
      el("th", {}, "Broker"),
      el("th", {}, "Read"),
      el("th", {}, "Write"),
      el("th", {}, "Perm"),
      el("th", {}, "Sys flag"),
    ),
    ...view.route.queueDatas.map((q) =>
      el(
        "tr",
        {},
        el("td", {}, q.brokerName),
        el("td", {}, q.readQueueNums),
        el("td", {}, q.writeQueueNums),
        el("td", {}, `${permString(q.perm)} (${q.perm})`),
        el("td", {}, q.topicSysFlag),
      ),
    ),
  );
  const brokers = el(
    "table",
    {},
    el(
      "tr",
      {},
      el("th", {}, "Cluster"),
      el("th", {}, "Broker"),
      el("th", {}, "No."),
      el("th", {}, "Address"),
      el("th", {}, "Zone"),
    ),
    ...view.route.brokerDatas.flatMap((b) =>
      Object.entries(b.brokerAddrs).map(([id, addr]) =>
        el(
          "tr",
          {},
          el("td", {}, b.cluster),
          el("td", {}, b.brokerName),
          el("td", {}, id),
          el("td", {}, addr),
          el("td", {}, b.zoneName ?? ""),
        ),
      ),
    ),
  );
  return el(
    "div",
    { class: "route-detail" },
    el("div", {}, el("h3", {}, "Queue data"), queues),
    el("div", {}, el("h3", {}, "Broker data"), brokers),
  );
}

function renderTopics() {
  const topics = state.snapshot?.topics ?? [];
  const filter = $("topic-filter").value.trim().toLowerCase();
  const kinds = selectedKinds();
  const shown = topics.filter(
    (t) => kinds.has(t.kind) && (filter === "" || t.topic.toLowerCase().includes(filter)),
  );
  const rows = [];
  for (const view of shown) {
    const queueDatas = view.route?.queueDatas ?? [];
    const perms = [...new Set(queueDatas.map((q) => q.perm))].sort().map((p) => `${permString(p)} (${p})`);
    const row = el(
      "tr",
      { class: "topic-row", "data-topic": view.topic },
      el("td", {}, view.topic),
      el("td", {}, view.kind.toUpperCase()),
      el(
        "td",
        {},
        view.route === undefined
          ? (view.error ?? "no route")
          : queueDatas.map((q) => q.brokerName).join(", "),
      ),
      el(
        "td",
        { class: "num" },
        view.route === undefined
          ? ""
          : `${queueDatas.reduce((n, q) => n + q.readQueueNums, 0)} / ${queueDatas.reduce((n, q) => n + q.writeQueueNums, 0)}`,
      ),
      el("td", { class: "perm" }, perms.join(", ")),
      el("td", {}, view.route?.orderTopicConf ?? ""),
    );
    row.addEventListener("click", () => {
      if (state.expandedTopics.has(view.topic)) state.expandedTopics.delete(view.topic);
      else state.expandedTopics.add(view.topic);
      renderTopics();
    });
    rows.push(row);
    if (state.expandedTopics.has(view.topic)) {
      rows.push(
        el(
          "tr",
          { class: "route-row", "data-route": view.topic },
          el("td", { colSpan: 6 }, routeDetail(view)),
        ),
      );
    }
  }
  if (rows.length === 0) {
    rows.push(
      el(
        "tr",
        {},
        el(
          "td",
          { colSpan: 6, class: "empty" },
          state.snapshot?.topics === undefined
            ? "Not known yet: the registry has not answered."
            : topics.length === 0
              ? "No topic."
              : "No topic matches the filter.",
        ),
      ),
    );
  }
  $("topics").replaceChildren(...rows);
  $("topic-count").textContent = `${shown.length} of ${topics.length}`;
}

// ------------------------------------------------------------------------------------------------
// KV config

function renderKv() {
  const extras = new Set(extraNamespaces());
  const blocks = (state.snapshot?.kv ?? []).map((ns) => {
    const entries = Object.entries(ns.table).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const remove = extras.has(ns.namespace)
      ? el(
          "button",
          { type: "button", title: "Stop watching this namespace", onclick: () => unwatch(ns.namespace) },
          "remove",
        )
      : undefined;
    const body =
      entries.length === 0
        ? el("p", { class: "empty" }, "No item in this namespace.")
        : el(
            "table",
            { class: "grid" },
            el("thead", {}, el("tr", {}, el("th", {}, "Key"), el("th", {}, "Value"))),
            el(
              "tbody",
              {},
              ...entries.map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, el("code", {}, v)))),
            ),
          );
    return el(
      "div",
      { class: "namespace", "data-namespace": ns.namespace },
      el(
        "h3",
        {},
        ns.namespace,
        el("span", { class: "count" }, `${entries.length} item${entries.length === 1 ? "" : "s"}`),
        remove,
      ),
      body,
    );
  });
  $("namespaces").replaceChildren(...blocks);
}

function unwatch(namespace) {
  setExtraNamespaces(extraNamespaces().filter((n) => n !== namespace));
  poll();
}

// ------------------------------------------------------------------------------------------------

function start() {
  $("topic-filter").addEventListener("input", renderTopics);
  for (const box of document.querySelectorAll('input[name="kind"]'))
    box.addEventListener("change", renderTopics);
  $("kv-add").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("kv-namespace");
    const name = input.value.trim();
    if (!/^[%|a-zA-Z0-9_-]{1,127}$/.test(name)) {
      input.setCustomValidity("A namespace matches ^[%|a-zA-Z0-9_-]+$ (at most 127 characters)");
      input.reportValidity();
      return;
    }
    input.setCustomValidity("");
    setExtraNamespaces([...extraNamespaces(), name]);
    input.value = "";
    poll();
  });
  setInterval(() => {
    if (state.snapshot === undefined) return;
    renderBrokers();
    renderStatus();
  }, 1000);
  poll();
}

start();
