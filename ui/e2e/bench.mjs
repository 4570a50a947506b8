// Editor figures for bench/bench_editor.py (not a test): prints one JSON line.
import { chromium } from "playwright-core";

const URL = process.env.WF_URL;
const browser = await chromium.launch({ executablePath: process.env.WF_CHROMIUM, args: ["--no-sandbox"] });
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

const drawnRuns = [];
const interactiveRuns = [];
for (let run = 0; run < 5; run += 1) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  const started = Date.now();
  await page.goto(`${URL}/?workflow=bench-500`);
  await page.locator('[data-node-id="s0"]').waitFor({ timeout: 30_000 });
  drawnRuns.push(Date.now() - started);
  await page.locator('[data-node-id="s0"] .wf-node-title').click();
  await page.locator('[data-inspector-node="s0"]').waitFor({ timeout: 30_000 });
  interactiveRuns.push(Date.now() - started);
  await context.close();
}

const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
await page.goto(`${URL}/?workflow=bench-100`);
await page.locator('[data-node-id="s0"] .wf-node-title').click();
const field = page.locator('[data-inspector-node="s0"] #root_name');
await field.waitFor();
await page.evaluate(() => { window.__wfValidateMs = []; });
for (let edit = 0; edit < 40; edit += 1) {
  await field.fill(`Sound_edit_${edit}`);
  // wait past the debounce for this edit's answer
  await page.waitForFunction((n) => (window.__wfValidateMs ?? []).length >= n, edit + 1, { timeout: 10_000 });
}
const validate = await page.evaluate(() => window.__wfValidateMs);
await browser.close();
console.log(JSON.stringify({
  drawnMs: median(drawnRuns), drawnRuns, interactiveMs: median(interactiveRuns), interactiveRuns,
  validateP50: median(validate), validateP95: percentile(validate, 0.95), validateCount: validate.length,
}));
