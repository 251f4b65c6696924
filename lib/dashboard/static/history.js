// The status page's history timeline, settings and operator actions (lib/dashboard/server.ts serves
// /api/history, /api/config and POST /api/actions). Loaded after dashboard.js, whose helpers
// ($, el, poll) it uses. Everything shown is set with textContent.

function describeCaller(caller) {
  const actor = caller.actor.kind === "iam" ? caller.actor.principal : caller.actor.kind;
  const remoting = caller.remoting
    ? ` via remoting ${caller.remoting.accessKey ?? "(unsigned)"}@${caller.remoting.remoteAddress}`
    : "";
  return `${actor}${caller.sourceIp ? ` from ${caller.sourceIp}` : ""}${remoting}`;
}

function describeTarget(target) {
  if (target.namespace !== undefined) return `${target.namespace}/${target.key ?? ""}`;
  if (target.topic !== undefined) return `topic ${target.topic}`;
  if (target.broker !== undefined) return `${target.cluster ?? "?"}/${target.broker}`;
  return "settings";
}

const show = (value) =>
  value === undefined ? "–" : typeof value === "string" ? value : JSON.stringify(value);

async function loadHistory() {
  try {
    const response = await fetch("api/history", { cache: "no-store" });
    if (!response.ok) return;
    const page = await response.json();
    const entries = [...page.entries].reverse();
    $("history-count").textContent = String(entries.length);
    $("timeline").replaceChildren(
      ...entries.map((entry) =>
        el(
          "li",
          { "data-action": entry.action, "data-target": describeTarget(entry.target) },
          el("time", { dateTime: new Date(entry.time).toISOString() }, new Date(entry.time).toLocaleString()),
          " ",
          el("strong", { class: "action" }, entry.action),
          " ",
          el("span", { class: "target" }, describeTarget(entry.target)),
          " ",
          el("span", { class: "muted" }, `by ${describeCaller(entry.caller)}`),
          el(
            "ul",
            { class: "changes" },
            ...entry.changes.map((c) => el("li", {}, `${c.field}: ${show(c.before)} → ${show(c.after)}`)),
          ),
        ),
      ),
    );
  } catch {
    // The snapshot's poll reports the registry being unreachable.
  }
}

async function loadConfig() {
  try {
    const response = await fetch("api/config", { cache: "no-store" });
    if (!response.ok) return;
    const { config, actions } = await response.json();
    $("config").replaceChildren(
      ...Object.keys(config)
        .sort()
        .map((key) => el("tr", { "data-setting": key }, el("td", {}, key), el("td", {}, config[key]))),
    );
    $("actions").hidden = !actions;
  } catch {
    // as above
  }
}

async function act(body) {
  const result = $("action-result");
  result.textContent = "…";
  try {
    const response = await fetch("api/actions", {
      method: "POST",
      headers: { "content-type": "application/json", "x-namesrv-action": "1" },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    result.textContent = response.ok ? `done: ${answer.done}` : `refused: ${answer.error}`;
    result.dataset.state = response.ok ? "ok" : "error";
  } catch (error) {
    result.textContent = `failed: ${error}`;
    result.dataset.state = "error";
  }
  await Promise.all([loadHistory(), loadConfig(), poll()]);
}

function startActions() {
  $("action-perm").addEventListener("submit", (event) => {
    event.preventDefault();
    const op = event.submitter?.value ?? "wipeWritePerm";
    act({ action: op, broker: $("perm-broker").value.trim() });
  });
  $("action-kv").addEventListener("submit", (event) => {
    event.preventDefault();
    const namespace = $("kv-put-namespace").value.trim();
    const key = $("kv-put-key").value.trim();
    const value = $("kv-put-value").value;
    act(
      value === ""
        ? { action: "deleteKvConfig", namespace, key }
        : { action: "updateKvConfig", namespace, key, value },
    );
  });
  $("action-order").addEventListener("submit", (event) => {
    event.preventDefault();
    act({
      action: "updateOrderConf",
      topic: $("order-topic").value.trim(),
      value: $("order-value").value.trim(),
    });
  });
  $("action-config").addEventListener("submit", (event) => {
    event.preventDefault();
    act({
      action: "updateNamesrvConfig",
      key: $("config-key").value.trim(),
      value: $("config-value").value.trim(),
    });
  });
  loadHistory();
  loadConfig();
  setInterval(loadHistory, 5000);
  setInterval(loadConfig, 30000);
}

async function loadComparison() {
  try {
    const response = await fetch("api/compare", { cache: "no-store" });
    if (!response.ok) return;
    const { registries, differences } = await response.json();
    $("compare").hidden = registries.length < 2;
    if (registries.length < 2) return;
    $("compare-count").textContent = String(differences.length);
    $("compare-head").replaceChildren(
      el("th", {}, "What"),
      el("th", {}, "Name"),
      ...registries.map((r) =>
        el("th", { title: r.error ?? "" }, r.error ? `${r.url} (unreachable)` : r.url),
      ),
    );
    $("differences").replaceChildren(
      ...differences.map((d) =>
        el(
          "tr",
          { "data-difference": `${d.kind}:${d.name}` },
          el("td", {}, d.kind),
          el("td", {}, d.name),
          ...d.values.map((v) => el("td", { class: v === null ? "muted" : "" }, v ?? "absent")),
        ),
      ),
    );
  } catch {
    // as above
  }
}

startActions();
loadComparison();
setInterval(loadComparison, 10000);
