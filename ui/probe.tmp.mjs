import { chromium } from "playwright-core";
const url = process.argv[2];
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.on("pageerror", (e) => console.log("pageerror:", e.message));
await page.goto(url);
await page.waitForSelector(".palette-item");
const pane = page.locator(".react-flow__pane");
for (const [t, x, y] of [["createSound", 120, 200], ["audioImport", 480, 80], ["setOutputBus", 480, 380], ["projectSave", 820, 230]]) {
  await page.locator(`.palette-item[data-node-type="${t}"]`).dragTo(pane, { targetPosition: { x, y } });
  await page.waitForTimeout(300);
}
await page.waitForTimeout(800);
await page.screenshot({ path: "/tmp/probe2.png" });
for (const id of ["createSound1","audioImport1"]) console.log(id, JSON.stringify(await page.locator(`[data-node-id="${id}"]`).boundingBox()));
await browser.close();
