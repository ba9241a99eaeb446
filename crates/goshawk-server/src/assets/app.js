// goshawk dashboard. Initial state from /stats and /alerts, then live over SSE (/events).
// SECURITY: everything that came from traffic (URLs, sources, explanations, labels) is put in
// the page with textContent / createTextNode only. This file never parses markup.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const ACTIONS = ["monitor", "investigate", "alert", "block"];
const MAX_ROWS = 100;
const MAX_POINTS = 300;

const state = {
  ticks: [],              // {t_ms, events, alerts}
  byAction: {},           // action -> count (24 h, store + live)
  byAttack: {},           // attack type -> count
  byTechnique: {},        // ATT&CK technique -> count
  sources: {},            // source -> alerts
  scoreHistogram: new Array(10).fill(0),
  totalEvents: 0,
  totalAlerts: 0,
  uptimeBase: 0,
  loadedAt: Date.now(),
  seenAlerts: new Set(),
};

// ---- DOM helpers (text only) ------------------------------------------------------------
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  return node;
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
function fmt(n) {
  if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
  if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
  return String(Math.round(n));
}
function add(map, key, n) { if (key) map[key] = (map[key] || 0) + n; }

// ---- charts ---------------------------------------------------------------------------------
function drawBars(container, entries, { limit = 8, classOf = () => "" } = {}) {
  clear(container);
  const rows = entries.filter(([, v]) => v > 0).slice(0, limit);
  if (rows.length === 0) { container.appendChild(el("div", "empty", "nothing yet")); return; }
  const max = Math.max(...rows.map(([, v]) => v));
  for (const [label, value] of rows) {
    const name = el("div", "bar-label", label);
    name.title = String(label);
    const track = el("div", "bar-track");
    const fill = el("div", "bar-fill " + classOf(label));
    fill.style.width = (100 * value / max).toFixed(1) + "%";
    track.appendChild(fill);
    container.append(name, track, el("div", "bar-value", fmt(value)));
  }
}
function sorted(map) { return Object.entries(map).sort((a, b) => b[1] - a[1]); }

function drawRateChart() {
  const box = document.getElementById("rate-chart");
  const w = Math.max(box.clientWidth, 300), h = Math.max(box.clientHeight, 120);
  const pad = { l: 44, r: 8, t: 8, b: 18 };
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": "events and alerts per second" });
  const ticks = state.ticks.slice(-MAX_POINTS);
  const max = Math.max(1, ...ticks.map((t) => t.events));
  const x = (i) => pad.l + (w - pad.l - pad.r) * (ticks.length <= 1 ? 1 : i / (ticks.length - 1));
  const y = (v) => h - pad.b - (h - pad.t - pad.b) * (v / max);
  svg.appendChild(svgEl("line", { x1: pad.l, y1: h - pad.b, x2: w - pad.r, y2: h - pad.b, class: "axis" }));
  svg.appendChild(svgEl("line", { x1: pad.l, y1: pad.t, x2: pad.l, y2: h - pad.b, class: "axis" }));
  for (const v of [0, max / 2, max]) {
    const label = svgEl("text", { x: pad.l - 4, y: y(v) + 3, "text-anchor": "end", class: "axis-label" });
    label.textContent = fmt(v);
    svg.appendChild(label);
  }
  const ago = svgEl("text", { x: pad.l, y: h - 4, class: "axis-label" });
  ago.textContent = ticks.length ? `${ticks.length}s ago` : "waiting for data";
  svg.appendChild(ago);
  const now = svgEl("text", { x: w - pad.r, y: h - 4, "text-anchor": "end", class: "axis-label" });
  now.textContent = "now";
  svg.appendChild(now);
  for (const [key, cls] of [["events", "series-events"], ["alerts", "series-alerts"]]) {
    const points = ticks.map((t, i) => `${x(i).toFixed(1)},${y(t[key]).toFixed(1)}`).join(" ");
    svg.appendChild(svgEl("polyline", { points, class: cls, "data-series": key }));
  }
  clear(box);
  box.appendChild(svg);
}

function drawScores() {
  const box = document.getElementById("scores");
  const w = Math.max(box.clientWidth, 200), h = Math.max(box.clientHeight, 100);
  const pad = { l: 6, r: 6, t: 6, b: 16 };
  const svg = svgEl("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": "score distribution" });
  const counts = state.scoreHistogram;
  // Square root scale: benign traffic dwarfs attacks; both stay visible.
  const max = Math.max(1, ...counts.map(Math.sqrt));
  const bw = (w - pad.l - pad.r) / counts.length;
  counts.forEach((c, i) => {
    const bh = (h - pad.t - pad.b) * Math.sqrt(c) / max;
    const rect = svgEl("rect", {
      x: pad.l + i * bw + 1, y: h - pad.b - bh, width: bw - 2, height: bh,
      class: "hist-bar" + (i >= 5 ? " threat" : ""), "data-count": c,
    });
    const tip = svgEl("title");
    tip.textContent = `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}: ${c}`;
    rect.appendChild(tip);
    svg.appendChild(rect);
    if (i % 2 === 0) {
      const label = svgEl("text", { x: pad.l + i * bw, y: h - 3, class: "axis-label" });
      label.textContent = (i / 10).toFixed(1);
      svg.appendChild(label);
    }
  });
  clear(box);
  box.appendChild(svg);
}

function drawPanels() {
  drawBars(document.getElementById("by-action"),
    ACTIONS.map((a) => [a, state.byAction[a] || 0]).reverse(),
    { classOf: (a) => a });
  drawBars(document.getElementById("by-attack"), sorted(state.byAttack), { classOf: () => "block" });
  drawBars(document.getElementById("by-technique"), sorted(state.byTechnique), { classOf: () => "alert" });
  drawBars(document.getElementById("top-sources"), sorted(state.sources));
  drawScores();
}

function drawKpis(last) {
  document.getElementById("kpi-eps").textContent = fmt(last ? last.events : 0);
  document.getElementById("kpi-aps").textContent = fmt(last ? last.alerts : 0);
  document.getElementById("kpi-events").textContent = fmt(state.totalEvents);
  document.getElementById("kpi-alerts").textContent = fmt(state.totalAlerts);
  const up = state.uptimeBase + Math.floor((Date.now() - state.loadedAt) / 1000);
  const hms = [Math.floor(up / 3600), Math.floor(up / 60) % 60, up % 60]
    .map((n) => String(n).padStart(2, "0")).join(":");
  document.getElementById("kpi-uptime").textContent = hms;
}

function drawModels(info) {
  const box = document.getElementById("models");
  clear(box);
  const dl = el("dl");
  const row = (k, v) => { dl.append(el("dt", "", k), el("dd", "", v)); };
  const models = (info && Array.isArray(info.models)) ? info.models : [];
  if (models.length === 0) row("models", "none loaded");
  for (const m of models) {
    const version = m.version || m.checksum || "?";
    row(`model ${m.kind || "?"}`, `${version}${m.trained_at ? " · trained " + m.trained_at : ""}`);
  }
  const rules = info && info.rules;
  if (rules && typeof rules === "object") {
    row("rules", String(rules.total ?? "?"));
    if (rules.by_kind && typeof rules.by_kind === "object") {
      row("rules by kind", Object.entries(rules.by_kind).map(([k, v]) => `${k} ${v}`).join(", "));
    }
  }
  if (info && Array.isArray(info.device_types)) row("device types", info.device_types.join(", "));
  box.appendChild(dl);
}

// ---- alerts table ----------------------------------------------------------------------------
function describeEvent(ev) {
  if (!ev || typeof ev !== "object") return "";
  switch (ev.kind) {
    case "http": return `${ev.method || ""} ${ev.url || ""}${ev.body ? "  body: " + ev.body : ""}`.trim();
    case "sessions": return `session ${ev.session_id} · ${ev.protocol_type} · failed logins ${ev.failed_logins} · reputation ${ev.ip_reputation_score}`;
    case "iot": return `${ev.device_type} ${ev.device_id} · cpu ${ev.cpu_usage}% · failed auth ${ev.failed_auth_attempts} · ${ev.packet_rate} pkt/s`;
    case "zeek": return `${ev["id.orig_h"]}:${ev["id.orig_p"]} → ${ev["id.resp_h"]}:${ev["id.resp_p"]} ${ev.proto} ${ev.conn_state || ""}`;
    default: return JSON.stringify(ev);
  }
}

function techniquesOf(verdict) {
  const out = [];
  for (const f of (verdict && verdict.findings) || []) {
    const candidates = [...(f.labels || []), ...(f.tags || []).filter((t) => t.startsWith("attack.")).map((t) => t.slice(7))];
    for (const c of candidates) {
      const up = String(c).toUpperCase();
      if (/^T\d{4}/.test(up) && !out.includes(up)) out.push(up);
    }
  }
  return out;
}

function alertRow(alert, fresh) {
  const v = alert.verdict || {};
  const tr = el("tr", fresh ? "fresh" : "");
  tr.dataset.key = String(alert.idempotency_key);
  const time = new Date(alert.time_ms);
  const cells = [
    el("td", "", time.toLocaleTimeString()),
    (() => { const td = el("td"); td.appendChild(el("span", "tag " + (v.action === "block" ? "block" : "alert"), v.action)); return td; })(),
    el("td", "", alert.kind),
    el("td", "", alert.source || "–"),
    el("td", "", [v.attack_type, ...techniquesOf(v)].filter(Boolean).join(" · ") || "–"),
    el("td", "", typeof v.score === "number" ? v.score.toFixed(2) : "–"),
    el("td", "event", describeEvent(alert.event)),
    el("td", "explanation", (v.explanation || []).join("; ")),
  ];
  tr.append(...cells);
  return tr;
}

function addAlert(alert, fresh) {
  if (state.seenAlerts.has(alert.idempotency_key)) return false;
  state.seenAlerts.add(alert.idempotency_key);
  const body = document.querySelector("#alerts tbody");
  body.insertBefore(alertRow(alert, fresh), body.firstChild);
  while (body.rows.length > MAX_ROWS) {
    const last = body.rows[body.rows.length - 1];
    state.seenAlerts.delete(last.dataset.key);
    body.removeChild(last);
  }
  return true;
}

// ---- data --------------------------------------------------------------------------------------
async function fetchJson(path) {
  const response = await fetch(path, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function loadStats() {
  const stats = await fetchJson("/stats");
  const day = stats.last_24h || {};
  state.byAction = { ...(day.by_action || {}) };
  state.byAttack = { ...(day.by_attack_type || {}) };
  state.byTechnique = { ...(day.by_technique || {}) };
  state.sources = {};
  for (const s of day.top_sources || []) state.sources[s.source] = s.alerts;
  const live = stats.live || {};
  if (state.ticks.length === 0) state.ticks = (live.history || []).map((t) => ({ t_ms: t.t_ms, events: t.events, alerts: t.alerts }));
  if (Array.isArray(live.score_histogram)) state.scoreHistogram = live.score_histogram.slice();
  state.totalEvents = live.total_events || 0;
  state.totalAlerts = live.total_alerts || 0;
  state.uptimeBase = stats.uptime_s || 0;
  state.loadedAt = Date.now();
  drawModels(stats.info);
}

async function loadAlerts() {
  const data = await fetchJson("/alerts?limit=50");
  const alerts = (data.alerts || []).slice().reverse();
  for (const a of alerts) addAlert(a, false);
}

function redraw() {
  drawRateChart();
  drawPanels();
  drawKpis(state.ticks[state.ticks.length - 1]);
  document.body.dataset.ticks = String(state.ticks.length);
}

function connect() {
  const conn = document.getElementById("conn");
  const source = new EventSource("/events");
  source.onopen = () => { conn.textContent = "live"; conn.className = "pill on"; };
  source.onerror = () => { conn.textContent = "reconnecting…"; conn.className = "pill off"; };
  source.addEventListener("stats", (e) => {
    let msg;
    try { msg = JSON.parse(e.data); } catch { return; }
    const t = msg.tick || {};
    state.ticks.push({ t_ms: t.t_ms, events: t.events || 0, alerts: t.alerts || 0 });
    if (state.ticks.length > MAX_POINTS) state.ticks.splice(0, state.ticks.length - MAX_POINTS);
    (t.by_action || []).forEach((n, i) => add(state.byAction, ACTIONS[i], n));
    for (const [k, n] of Object.entries(t.attacks || {})) add(state.byAttack, k, n);
    if (Array.isArray(msg.score_histogram)) state.scoreHistogram = msg.score_histogram;
    state.totalEvents = msg.total_events || state.totalEvents;
    state.totalAlerts = msg.total_alerts || state.totalAlerts;
    redraw();
  });
  source.addEventListener("alert", (e) => {
    let alert;
    try { alert = JSON.parse(e.data); } catch { return; }
    if (addAlert(alert, true)) {
      for (const t of techniquesOf(alert.verdict)) add(state.byTechnique, t, 1);
      if (alert.source) add(state.sources, alert.source, 1);
    }
  });
}

async function start() {
  try { await loadStats(); } catch (err) { console.warn(err); }
  try { await loadAlerts(); } catch (err) { console.warn(err); }
  redraw();
  connect();
  // Re-read the stored aggregates now and then, so counts the live feed skipped catch up.
  setInterval(() => { loadStats().then(redraw).catch((err) => console.warn(err)); }, 15000);
  window.addEventListener("resize", redraw);
}

document.addEventListener("DOMContentLoaded", start);
