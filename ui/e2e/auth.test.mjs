// Sign-in with a [server] token: the editor URL's one-time token becomes an HttpOnly, SameSite=Strict
// session cookie; writes need the CSRF header. Started by tests/ui/test_editor_browser.py.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";

const URL = process.env.WF_URL;
const LOGIN_URL = process.env.WF_LOGIN_URL;
const WAIT = { timeout: 15_000 };
let browser;

before(async () => {
  browser = await chromium.launch({ executablePath: process.env.WF_CHROMIUM, args: ["--no-sandbox"] });
});
after(async () => browser?.close());

test("without a session the editor asks for the token and the API refuses", async () => {
  const page = await browser.newPage();
  await page.goto(URL);
  await page.locator("form.login").waitFor(WAIT);
  assert.equal((await page.request.get(`${URL}/nodes`)).status(), 401);
  await page.close();
});

test("the one-time editor URL signs in with an HttpOnly SameSite=Strict cookie, once", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(LOGIN_URL);
  await page.locator(".palette-item").first().waitFor(WAIT);
  assert.ok(!page.url().includes("token="), "the token is removed from the address bar");
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "wwiseflowd_session");
  assert.ok(session?.httpOnly);
  assert.equal(session.sameSite, "Strict");
  assert.equal(await page.evaluate(() => document.cookie.includes("wwiseflowd_session")), false);
  // the page's own requests carry the CSRF header; a forged one without it is refused
  const status = await page.evaluate(async () => (await fetch("/workflows/validate", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ nodes: [] }),
  })).status);
  assert.equal(status, 401);
  await page.locator(".palette-item").first().waitFor(WAIT);
  await context.close();
  const again = await browser.newPage();
  await again.goto(LOGIN_URL);
  await again.locator("form.login").waitFor(WAIT);
  await again.close();
});
