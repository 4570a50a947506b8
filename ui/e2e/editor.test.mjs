// Browser tests of the web editor: Debian's chromium driven by playwright-core against a real daemon
// (emulator, engine, drop folder, REST) that tests/ui/test_editor_browser.py starts and describes in
// WF_* environment variables. Steps run in order and share one page, as a sound designer would.
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, afterEach, before, test } from "node:test";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests through pytest (tests/ui)`);
  return value;
};
const URL = env("WF_URL");
const SHOTS = process.env.WF_SCREENSHOTS || "";
const WAIT = { timeout: Number(process.env.WF_WAIT_MS || 15_000) };
const FLOW_ID = "editor-four-node";

let browser;
let page;
const pageErrors = [];

const node = (id) => page.locator(`[data-node-id="${id}"]`);
const shot = async (name) => { if (SHOTS) await page.screenshot({ path: join(SHOTS, name) }); };

// A drag from the palette as a person does it (playwright's mouse gesture). Playwright decides whether
// chromium started an HTML5 drag by racing a mousemove against dragstart, and on a busy machine it can
// lose that race: the mouse is released and no drop event ever fires (seen on CI, never here). Only
// then (no drop event seen, so never a second drop after a slow first one) are the events the
// browser would send dispatched in the page: dragstart on the item, dragover and drop on what lies
// under that point of the canvas, one DataTransfer; after checking that the canvas is what lies
// there and that it accepts the drop (cancels dragover), so the editor's own handlers still decide.
async function dropFromPalette(type, x, y) {
  const pane = page.locator(".react-flow__pane");
  const item = page.locator(`.palette-item[data-node-type="${type}"]`);
  assert.equal(await item.getAttribute("draggable"), "true");
  const placed = `[data-node-id^="${type}"]`;
  const before = await page.locator(placed).count();
  await page.evaluate(() => {
    window.wfDrops = 0;
    if (!window.wfDropSpy) document.addEventListener("drop", () => { window.wfDrops += 1; }, true);
    window.wfDropSpy = true;
  });
  await item.dragTo(pane, { targetPosition: { x, y } });
  const dropped = await page.waitForFunction(() => window.wfDrops > 0, null, { timeout: 2000 }).then(() => true, () => false);
  if (!dropped) {
    console.error(`# playwright's drag of ${type} was not taken as an HTML5 drag; dispatching its events`);
    const refused = await page.evaluate(([type, x, y]) => {
      const source = document.querySelector(`.palette-item[data-node-type="${type}"]`);
      const box = document.querySelector(".react-flow__pane").getBoundingClientRect();
      const at = { clientX: box.x + x, clientY: box.y + y, bubbles: true, cancelable: true };
      const under = document.elementFromPoint(at.clientX, at.clientY);
      if (!under?.closest(".canvas")) return `not the canvas at (${x}, ${y}) but ${under?.outerHTML.slice(0, 80)}`;
      const dataTransfer = new DataTransfer();
      source.dispatchEvent(new DragEvent("dragstart", { dataTransfer, bubbles: true, cancelable: true }));
      const over = new DragEvent("dragover", { dataTransfer, ...at });
      under.dispatchEvent(over);
      if (!over.defaultPrevented) return "the canvas does not accept the drop (dragover not cancelled)";
      under.dispatchEvent(new DragEvent("drop", { dataTransfer, ...at }));
      return "";
    }, [type, x, y]);
    assert.equal(refused, "");
  }
  await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length > n, [placed, before], WAIT);
  assert.equal(await page.locator(placed).count(), before + 1, `one ${type} added by the drop`);
}

async function connect(sourceId, output, targetId, input) {
  const from = node(sourceId).locator(output === "__order" ? ".react-flow__handle-bottom" : `[data-output="${output}"] .react-flow__handle`);
  const to = node(targetId).locator(input === "__order" ? ".react-flow__handle-top" : `[data-field="${input}"] .react-flow__handle`);
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

async function fill(nodeId, values) {
  await node(nodeId).locator(".wf-node-title").click();
  await page.locator(`[data-inspector-node="${nodeId}"]`).waitFor(WAIT);
  for (const [field, value] of Object.entries(values)) {
    await page.locator(`[data-inspector-node="${nodeId}"] #root_${field}`).fill(value);
  }
}

async function statuses(ids) {
  return Promise.all(ids.map((id) => node(id).getAttribute("data-status")));
}

async function waitStatuses(ids, wanted) {
  await page.waitForFunction(
    ([ids, wanted]) => ids.every((id) => wanted.includes(document.querySelector(`[data-node-id="${id}"]`)?.getAttribute("data-status"))),
    [ids, wanted], WAIT,
  );
}

const NODES = ["createSound1", "audioImport1", "setOutputBus1", "projectSave1"];

before(async () => {
  browser = await chromium.launch({ executablePath: env("WF_CHROMIUM"), args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("dialog", (dialog) => dialog.dismiss());
});

let step = 0;
afterEach(async () => {
  // WF_TRACE=<dir>: the page after each step, to see where a failing run went wrong
  step += 1;
  if (process.env.WF_TRACE) await page?.screenshot({ path: join(process.env.WF_TRACE, `editor-step-${step}.png`) }).catch(() => {});
});

after(async () => {
  await browser?.close();
});

test("the palette lists every node type GET /nodes returns", async () => {
  await page.goto(URL);
  await page.locator(".palette-item").first().waitFor(WAIT);
  const types = await (await page.request.get(`${URL}/nodes`)).json();
  for (const info of types) {
    assert.equal(await page.locator(`.palette-item[data-node-type="${info.type}"]`).count(), 1, info.type);
  }
  await page.locator(".palette-search").fill("import");
  assert.equal(await page.locator(".palette-item").count(), types.filter((t) => `${t.type} ${t.title} ${t.description}`.toLowerCase().includes("import")).length);
  await page.locator(".palette-search").fill("");
});

test("building the four-node workflow by drag and connect; validation errors appear and disappear", async () => {
  await dropFromPalette("createSound", 30, 150);
  await node("createSound1").waitFor(WAIT);
  // a createSound without name and parent is an error, shown on the node with its code and field
  await node("createSound1").locator("[data-error-code]").first().waitFor(WAIT);
  assert.equal(await node("createSound1").locator("[data-error-code]").first().getAttribute("data-error-code"), "INVALID_INPUT");
  assert.ok(await node("createSound1").locator(".field-error").count() >= 1);
  // one drop at a time, as a person does: each node is on the canvas (and its form open) before the next
  await dropFromPalette("audioImport", 300, 10);
  await node("audioImport1").waitFor(WAIT);
  await dropFromPalette("setOutputBus", 300, 460);
  await node("setOutputBus1").waitFor(WAIT);
  await dropFromPalette("projectSave", 600, 300);
  for (const id of NODES) await node(id).waitFor(WAIT);
  await fill("createSound1", { name: "EditorFootstep", parentPath: env("WF_TARGET") });
  await connect("createSound1", "objectId", "audioImport1", "objectId");
  await connect("createSound1", "objectId", "setOutputBus1", "objectId");
  // the file comes from the picker, which lists only the allowed roots
  await node("audioImport1").locator(".wf-node-title").click();
  const inspector = page.locator('[data-inspector-node="audioImport1"]');
  await inspector.locator("button.browse").first().click();
  await inspector.locator(`button.dir[data-path="${dirname(env("WF_WAV"))}"]`).click();
  await inspector.locator(`button.file[data-path="${env("WF_WAV")}"]`).click();
  assert.equal(await inspector.locator("#root_filePath").inputValue(), env("WF_WAV"));
  await fill("setOutputBus1", { busPath: env("WF_BUS") });
  await connect("audioImport1", "__order", "projectSave1", "__order");
  await connect("setOutputBus1", "__order", "projectSave1", "__order");
  await page.waitForFunction(() => document.querySelectorAll("[data-node-id] [data-error-code]").length === 0, null, WAIT);
  assert.equal(await page.locator(".react-flow__edge").count(), 4);
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await shot("editor-build.png");
});

test("undo and redo: Ctrl+Z takes back the last wire, Ctrl+Shift+Z puts it back; a deleted node returns with its wires", async () => {
  const edges = () => page.locator(".react-flow__edge").count();
  await page.keyboard.press("Control+z");
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 3, null, WAIT);
  await page.keyboard.press("Control+Shift+z");
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 4, null, WAIT);
  await node("projectSave1").locator(".wf-node-title").click();
  await page.keyboard.press("Delete");
  await node("projectSave1").waitFor({ state: "detached", ...WAIT });
  assert.equal(await edges(), 2);
  await page.keyboard.press("Control+z");
  await node("projectSave1").waitFor(WAIT);
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 4, null, WAIT);
  // the toolbar buttons do the same
  await page.locator("button.redo").click();
  await node("projectSave1").waitFor({ state: "detached", ...WAIT });
  await page.locator("button.undo").click();
  await node("projectSave1").waitFor(WAIT);
  assert.equal(await page.locator("button.redo").isDisabled(), false);
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
});

test("save writes the workflow file; a file changed on disk meanwhile is a conflict", async () => {
  await page.locator(".workflow-id").fill(FLOW_ID);
  await page.locator("button.save").click();
  await page.locator('[data-message="ok"]').waitFor(WAIT);
  assert.match(page.url(), new RegExp(`\\?workflow=${FLOW_ID}$`));
  const file = join(env("WF_WORKFLOWS"), `${FLOW_ID}.json`);
  const saved = JSON.parse(readFileSync(file, "utf8"));
  assert.deepEqual(saved.nodes.map((n) => n.type), ["createSound", "audioImport", "setOutputBus", "projectSave"]);
  assert.equal(saved.nodes[1].data.objectId, "$from:createSound1:$output:objectId");
  assert.ok(saved.nodes.every((n) => Number.isFinite(n.position.x)));
  // someone edits the file by hand; the editor's save is refused (the confirm to overwrite is dismissed)
  writeFileSync(file, JSON.stringify({ ...saved, name: "edited by hand" }, null, 2));
  await page.locator("button.save").click();
  await page.locator('[data-message="error"]').waitFor(WAIT);
  assert.match(await page.locator('[data-message="error"]').textContent(), /changed on disk/);
  assert.equal(JSON.parse(readFileSync(file, "utf8")).name, "edited by hand");
});

test("/?workflow=<id> opens the file; running it turns every node ok, re-running shows cached", async () => {
  await page.goto(`${URL}/?workflow=${FLOW_ID}`);
  for (const id of NODES) await node(id).waitFor(WAIT);
  assert.deepEqual(await statuses(NODES), ["idle", "idle", "idle", "idle"]);
  await page.locator("button.run").click();
  await waitStatuses(NODES, ["ok"]);
  await page.locator('.run-summary[data-run-status="succeeded"]').waitFor(WAIT);
  await shot("editor-run.png");
  const first = await page.locator(".run-summary a").textContent();
  await page.locator("button.run").click();
  // a second execution, whose memoised steps report cached
  await page.waitForFunction((id) => document.querySelector(".run-summary a")?.textContent !== id, first, WAIT);
  await waitStatuses(["createSound1", "audioImport1", "setOutputBus1"], ["cached"]);
  await page.locator('.run-summary[data-run-status="succeeded"]').waitFor(WAIT);
});

test("the execution history lists the runs, filtered by the server; opening one shows its graph coloured by its results", async () => {
  // a run from another front door, which the source filter leaves out
  await page.request.post(`${URL}/workflows/execute`, { data: { workflow: { id: "other-door", nodes: [{ id: "s", type: "projectSave" }] } } });
  await page.goto(`${URL}/executions`);
  const rows = page.locator("tr[data-execution-id]");
  await rows.first().waitFor(WAIT);
  const listed = async () => page.locator("tr[data-execution-id] td:nth-child(2)").allTextContents();
  assert.equal(await rows.first().locator("td").nth(1).textContent(), "other-door");
  await page.locator("select.filter-source").selectOption("editor");
  await page.waitForFunction(() => [...document.querySelectorAll("tr[data-execution-id] td:nth-child(4)")].every((td) => td.textContent === "editor")
    && document.querySelectorAll("tr[data-execution-id]").length === 2, null, WAIT);
  await page.locator("input.filter-workflow").fill("FOUR");
  await page.waitForFunction(() => document.querySelectorAll("tr[data-execution-id]").length === 2, null, WAIT);
  assert.deepEqual(await listed(), [FLOW_ID, FLOW_ID]);
  await page.locator("input.filter-workflow").fill("no-such-workflow");
  await page.locator("tr[data-execution-id]").first().waitFor({ state: "detached", ...WAIT });
  assert.equal(await page.locator("button.older").isDisabled(), true);
  await page.locator("input.filter-workflow").fill("four");
  await rows.first().waitFor(WAIT);
  await rows.first().locator("a").click();
  await page.waitForURL(/\/executions\/exec_/);
  for (const id of NODES) await node(id).waitFor(WAIT);
  await waitStatuses(["createSound1", "audioImport1", "setOutputBus1"], ["cached"]);
  await shot("editor-execution.png");
});

test("a run of a workflow never saved is drawn with its wires, from the document kept with the run", async () => {
  const saved = JSON.parse(readFileSync(join(env("WF_WORKFLOWS"), `${FLOW_ID}.json`), "utf8"));
  const unsaved = { ...saved, id: "never-saved", nodes: saved.nodes.map((n) => ({ ...n, position: { x: n.position.x + 40, y: n.position.y } })) };
  const answer = await page.request.post(`${URL}/workflows/execute`, { data: { workflow: unsaved }, headers: { "X-Wwiseflowd-Source": "editor" } });
  const { executionId } = await answer.json();
  await page.goto(`${URL}/executions/${executionId}`);
  for (const id of NODES) await node(id).waitFor(WAIT);
  await waitStatuses(NODES, ["ok", "cached"]);
  await page.waitForFunction(() => document.querySelectorAll(".react-flow__edge").length === 4, null, WAIT);
});

test("declaring a workflow input in its form: a wrong default is explained, a right one offers the input", async () => {
  await page.goto(URL);
  await page.locator(".inputs-form .btn-add").click();
  await page.locator("#decl_0_name").fill("take");
  await page.locator("#decl_0_type").selectOption("integer");
  await page.locator("#decl_0_default").fill("2.5");
  await page.locator("#decl_0_default__error").waitFor(WAIT);
  assert.match(await page.locator("#decl_0_default__error").textContent(), /whole number/);
  await shot("editor-inputs.png");
  await page.locator("#decl_0_name").fill("");
  await page.locator("#decl_0_name__error").waitFor(WAIT);
  await page.locator("#decl_0_name").fill("take");
  await page.locator("#decl_0_default").fill("2");
  await page.locator("#decl_0_default__error").waitFor({ state: "detached", ...WAIT });
  // the declared input is a wire source on the canvas and a field of the run form
  await page.locator(`[data-node-id="__inputs__"] [data-output="take"]`).waitFor(WAIT);
  assert.equal(await page.locator("#run_take").inputValue(), "2");
  await page.locator("#run_take").fill("2.5");
  await page.locator("#run_take__error").waitFor(WAIT);
  assert.equal(await page.locator("button.run").isDisabled(), true);
  // Ctrl+Z outside a text field undoes the declaration
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await page.keyboard.press("Control+z");
  await page.locator(`[data-node-id="__inputs__"] [data-output="take"]`).waitFor({ state: "detached", ...WAIT });
});

test("a WAV dropped into the drop folder appears on the drop-folder page; an incomplete one waits with its reason", async () => {
  await page.goto(`${URL}/drops`);
  await page.locator("table.rules tr[data-path]").first().waitFor(WAIT);
  // half a WAV whose header announces the whole: it waits, and the page says why and for how long
  const whole = readFileSync(env("WF_WAV"));
  const slow = join(env("WF_DROP"), "Slow_Copy.wav");
  writeFileSync(slow, whole.subarray(0, Math.floor(whole.length / 2)));
  const waiting = page.locator('table.waiting-files tr[data-waiting-file="Slow_Copy.wav"][data-reason="incomplete"]');
  await waiting.waitFor(WAIT);
  assert.match(await waiting.locator(".age").textContent(), /\d s$/);
  await shot("editor-drops-waiting.png");
  writeFileSync(slow, whole);
  await page.locator('table.files tr[data-path="Slow_Copy.wav"][data-state="done"]').waitFor(WAIT);
  await waiting.waitFor({ state: "detached", ...WAIT });
  copyFileSync(env("WF_WAV"), join(env("WF_DROP"), "Dropped_Footstep.wav"));
  await page.locator('table.files tr[data-path="Dropped_Footstep.wav"][data-state="done"]').waitFor(WAIT);
  await page.locator("table.batches tr").nth(1).waitFor(WAIT);
  await shot("editor-drops.png");
  // the drop folders' runs are in the history under their own source
  await page.goto(`${URL}/executions`);
  await page.locator("select.filter-source").selectOption("watch");
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll("tr[data-execution-id] td:nth-child(4)")];
    return rows.length >= 2 && rows.every((td) => td.textContent === "watch");
  }, null, WAIT);
});

test("the history shows the answer to the filters last chosen, whatever order the answers come in", async () => {
  // the page's first ask (no filter) is held back until the filtered one has been answered
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let heldUrl = null;
  const hold = async (route) => {
    const asked = new globalThis.URL(route.request().url());
    if (heldUrl === null && route.request().resourceType() === "fetch" && !asked.searchParams.get("source")) {
      heldUrl = route.request().url();
      await held;
    }
    await route.continue();
  };
  const listing = (url) => url.pathname === "/executions";
  await page.route(listing, hold);
  try {
    await page.goto(`${URL}/executions`);
    await page.waitForFunction(() => document.querySelector("select.filter-source") !== null, null, WAIT);
    await page.locator("select.filter-source").selectOption("watch");
    const watchOnly = () => {
      const rows = [...document.querySelectorAll("tr[data-execution-id] td:nth-child(4)")];
      return rows.length >= 2 && rows.every((td) => td.textContent === "watch");
    };
    await page.waitForFunction(watchOnly, null, WAIT);
    assert.notEqual(heldUrl, null);
    const stale = page.waitForResponse((response) => response.url() === heldUrl, WAIT);
    release();
    await stale;
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))));
    assert.equal(await page.evaluate(watchOnly), true, "the unfiltered answer, arriving last, replaced the filtered one");
  } finally {
    release();
    await page.unroute(listing, hold);
  }
});

test("no uncaught errors in the page", () => {
  assert.deepEqual(pageErrors, []);
});
