// Browser test of the dashboard: loads it in headless Debian chromium against a running server,
// posts traffic with attacks (two of them XSS payloads), and checks that the alerts appear,
// the charts update, and the payloads are shown as text and never run. Saves a screenshot.
//
// Usage: node dashboard.mjs <base-url> <screenshot.png>
// Run by ../tests/browser.rs, which starts the server; exits non-zero on any failed check.

import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, screenshot] = process.argv.slice(2);
if (!base || !screenshot) {
  console.error("usage: node dashboard.mjs <base-url> <screenshot.png>");
  process.exit(2);
}

const SCRIPT_PAYLOAD = "/search?q=<script>window.__pwned='script'</script>";
const IMG_PAYLOAD = "/profile?name=<img src=x onerror=\"window.__pwned='img'\">";
const ATTACKS = [
  { kind: "http", method: "GET", url: SCRIPT_PAYLOAD, client_ip: "198.51.100.23" },
  { kind: "http", method: "GET", url: IMG_PAYLOAD, client_ip: "198.51.100.23" },
  { kind: "http", method: "POST", url: "/login", body: "user=admin' or '1'='1&pass=x", client_ip: "203.0.113.7" },
  { kind: "http", method: "GET", url: "/download?file=../../../../etc/passwd", client_ip: "203.0.113.50" },
];
const BENIGN = ["/login/auth", "/api/balance/check", "/transfer/internal", "/support/ticket"];

function check(condition, message) {
  if (!condition) throw new Error("check failed: " + message);
  console.log("ok: " + message);
}

async function post(events) {
  const response = await fetch(base + "/analyze", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ events }),
  });
  if (response.status !== 200) throw new Error(`POST /analyze: HTTP ${response.status} ${await response.text()}`);
}

function benignBatch(n) {
  return Array.from({ length: n }, (_, i) => ({
    kind: "http", method: "GET", url: BENIGN[i % BENIGN.length] + "?id=" + i, client_ip: "10.0.0." + (i % 20),
  }));
}

const profile = mkdtempSync(join(tmpdir(), "goshawk-e2e-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.GOSHAWK_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1440, height: 900 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
try {
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(20000);
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));

  await page.goto(base + "/", { waitUntil: "domcontentloaded" });
  await page.waitForFunction(() => document.getElementById("conn").textContent === "live");
  check(true, "dashboard loaded and the live feed connected");

  // Benign traffic for a few seconds, attacks in the middle, so every chart has something.
  for (let second = 0; second < 6; second++) {
    await post(benignBatch(40 + 15 * second));
    if (second === 2) await post(ATTACKS);
    await new Promise((r) => setTimeout(r, 1000));
  }

  const tableHas = (text) => page.waitForFunction(
    (t) => document.querySelector("#alerts tbody").textContent.includes(t), text);
  await tableHas("<script>window.__pwned='script'</script>");
  check(true, "the <script> payload is displayed literally in the latest alerts");
  await tableHas("<img src=x onerror=\"window.__pwned='img'\">");
  check(true, "the <img onerror> payload is displayed literally in the latest alerts");
  await tableHas("/etc/passwd");
  await tableHas("203.0.113.7");
  check(true, "the SQL injection and path traversal alerts appear with their sources");

  const pwned = await page.evaluate(() => window.__pwned);
  check(pwned === undefined, "no payload ran (window.__pwned is undefined)");
  check(dialogs.length === 0, "no dialog was opened by a payload");
  const injected = await page.evaluate(() => document.querySelectorAll("#alerts img, #alerts script").length);
  check(injected === 0, "no element was created from traffic markup");

  // Charts: the rate line has points above zero, the panels show the attacks.
  await page.waitForFunction(() => Number(document.body.dataset.ticks || 0) >= 3);
  const peak = await page.evaluate(() => {
    const line = document.querySelector("#rate-chart polyline[data-series=events]");
    if (!line) return 0;
    const ys = line.getAttribute("points").trim().split(" ").map((p) => Number(p.split(",")[1]));
    return Math.max(...ys) - Math.min(...ys);
  });
  check(peak > 0, "the events/s chart moved");
  await page.waitForFunction(() => /xss/.test(document.getElementById("by-attack").textContent)
    && /sqli/.test(document.getElementById("by-attack").textContent));
  check(true, "attacks by type shows xss and sqli");
  await page.waitForFunction(() => document.getElementById("by-technique").textContent.includes("T1190"));
  check(true, "ATT&CK techniques shows T1190");
  await page.waitForFunction(() => document.getElementById("top-sources").textContent.includes("198.51.100.23"));
  check(true, "top sources shows the attacker");
  const threatBins = await page.evaluate(() => [...document.querySelectorAll("#scores rect.threat")]
    .reduce((n, r) => n + Number(r.getAttribute("data-count")), 0));
  check(threatBins >= ATTACKS.length, "the score distribution counts the attacks");
  const blocks = await page.evaluate(() => document.getElementById("by-action").textContent);
  check(/block/.test(blocks) && /monitor/.test(blocks), "verdicts by action shows block and monitor");
  check(pageErrors.length === 0, "no script error on the page: " + pageErrors.join("; "));

  await page.waitForTimeout(1200); // one more tick so the screenshot shows the latest second
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log("screenshot: " + screenshot);
} catch (err) {
  failed = true;
  console.error(String(err && err.stack || err));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
