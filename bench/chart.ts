/**
 * The scaling chart (docs/bench/scaling.svg), hand-written SVG from the run's figures: three panels
 * over the table sizes (requests, capacity units, p50 latency), one line per hot path (the route query
 * twice: group cache off, and on as a warm instance has it).
 */
import type { ScalingPoint } from "./scenarios/scaling";

interface Series {
  name: string;
  color: string;
  dashed?: boolean;
  values: number[];
}

interface Panel {
  title: string;
  unit: string;
  series: Series[];
  /** Lowest upper bound of the y axis. */
  minMax: number;
}

const WIDTH = 1020;
const HEIGHT = 350;
const PANEL_WIDTH = 300;
const PLOT = { left: 44, right: 16, top: 44, bottom: 98 };
const COLORS = { heartbeat: "#1f6fb4", route: "#c0392b", routeCached: "#e08e0b", floor: "#7f7f7f" };

const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 1 : 0));

/** A "nice" axis maximum and step: 1, 2 or 5 times a power of ten. */
function niceAxis(max: number): { top: number; step: number } {
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return { top: Math.ceil(max / step) * step, step };
}

function panel(p: Panel, x0: number, labels: string[]): string {
  const w = PANEL_WIDTH - PLOT.left - PLOT.right;
  const h = HEIGHT - PLOT.top - PLOT.bottom;
  const max = Math.max(p.minMax, ...p.series.flatMap((s) => s.values)) * 1.1;
  const axis = niceAxis(max);
  const xOf = (i: number) => x0 + PLOT.left + (labels.length === 1 ? w / 2 : (i * w) / (labels.length - 1));
  const yOf = (v: number) => PLOT.top + h - (v / axis.top) * h;
  const out: string[] = [];
  out.push(`<text x="${x0 + PLOT.left}" y="22" class="title">${xml(p.title)}</text>`);
  out.push(`<text x="${x0 + PLOT.left}" y="36" class="unit">${xml(p.unit)}</text>`);
  for (let v = 0; v <= axis.top + 1e-9; v += axis.step) {
    const y = yOf(v).toFixed(1);
    out.push(`<line x1="${x0 + PLOT.left}" x2="${x0 + PLOT.left + w}" y1="${y}" y2="${y}" class="grid"/>`);
    out.push(
      `<text x="${x0 + PLOT.left - 6}" y="${y}" class="tick" text-anchor="end" dominant-baseline="middle">${fmt(v)}</text>`,
    );
  }
  labels.forEach((label, i) => {
    const [first, second] = label.split("\n");
    out.push(
      `<text x="${xOf(i).toFixed(1)}" y="${PLOT.top + h + 16}" class="tick" text-anchor="middle">${xml(first ?? "")}</text>`,
    );
    if (second !== undefined) {
      out.push(
        `<text x="${xOf(i).toFixed(1)}" y="${PLOT.top + h + 29}" class="tick" text-anchor="middle">${xml(second)}</text>`,
      );
    }
  });
  p.series.forEach((s, k) => {
    const points = s.values.map((v, i) => `${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`).join(" ");
    out.push(
      `<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ""}/>`,
    );
    s.values.forEach((v, i) => {
      out.push(
        `<circle cx="${xOf(i).toFixed(1)}" cy="${yOf(v).toFixed(1)}" r="3" fill="${s.color}"><title>${xml(`${s.name}: ${fmt(v)}`)}</title></circle>`,
      );
    });
    const ly = HEIGHT - 52 + Math.floor(k / 2) * 14;
    const lx = x0 + PLOT.left + (k % 2) * 130;
    out.push(
      `<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ""}/>`,
    );
    out.push(`<text x="${lx + 23}" y="${ly}" class="legend">${xml(s.name)}</text>`);
  });
  return out.join("\n  ");
}

export function scalingChart(points: readonly ScalingPoint[], caption: string): string {
  const labels = points.map(
    (p) =>
      `${p.topics >= 1000 ? `${Math.round(p.topics / 1000)}k` : p.topics} topics\n${p.groups.toLocaleString("en-US")} groups`,
  );
  const panels: Panel[] = [
    {
      title: "DynamoDB requests per operation",
      unit: "requests",
      minMax: 3,
      series: [
        {
          name: "steady heartbeat",
          color: COLORS.heartbeat,
          values: points.map((p) => p.steadyHeartbeat.requests),
        },
        { name: "route, cache off", color: COLORS.route, values: points.map((p) => p.route.requests) },
        {
          name: "route, cache on",
          color: COLORS.routeCached,
          values: points.map((p) => p.routeCached.requests),
        },
      ],
    },
    {
      title: "Capacity units per operation",
      unit: "WCU (heartbeat), RCU (route)",
      minMax: 2,
      series: [
        { name: "heartbeat WCU", color: COLORS.heartbeat, values: points.map((p) => p.steadyHeartbeat.wcu) },
        { name: "route RCU, off", color: COLORS.route, values: points.map((p) => p.route.rcu) },
        { name: "route RCU, on", color: COLORS.routeCached, values: points.map((p) => p.routeCached.rcu) },
      ],
    },
    {
      title: "Latency p50 (DynamoDB Local)",
      unit: "ms",
      minMax: 1,
      series: [
        {
          name: "steady heartbeat",
          color: COLORS.heartbeat,
          values: points.map((p) => p.steadyHeartbeat.p50Ms),
        },
        { name: "route, cache off", color: COLORS.route, values: points.map((p) => p.route.p50Ms) },
        {
          name: "route, cache on",
          color: COLORS.routeCached,
          values: points.map((p) => p.routeCached.p50Ms),
        },
        {
          name: "raw UpdateItem",
          color: COLORS.heartbeat,
          dashed: true,
          values: points.map((p) => p.updateItemP50Ms),
        },
        { name: "raw GetItem", color: COLORS.floor, dashed: true, values: points.map((p) => p.getItemP50Ms) },
      ],
    },
  ];
  const body = panels.map((p, i) => panel(p, 20 + i * (PANEL_WIDTH + 30), labels)).join("\n  ");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" role="img" aria-label="Hot paths as the registry grows">
  <title>${xml(caption)}</title>
  <style>
    .title { font-size: 13px; font-weight: 600; fill: #222; }
    .unit { font-size: 11px; fill: #666; }
    .tick { font-size: 10px; fill: #555; }
    .legend { font-size: 11px; fill: #333; }
    .grid { stroke: #e3e3e3; stroke-width: 1; }
  </style>
  <rect width="100%" height="100%" fill="#fff"/>
  ${body}
  <text x="${WIDTH - 10}" y="${HEIGHT - 6}" class="unit" text-anchor="end">${xml(caption)}</text>
</svg>
`;
}
