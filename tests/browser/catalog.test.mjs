// The creative catalog as a person uses it: sign in, browse, filter, preview.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, signIn, startRtbcat } from "./harness.mjs";

let app;
let browser;

before(async () => {
  app = await startRtbcat();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

test("pages redirect to login, and a wrong password is refused", async () => {
  const page = await browser.newPage();
  await page.goto(`${app.baseUrl}/app/creatives`);
  assert.match(page.url(), /\/login\?next=%2Fapp%2Fcreatives/);
  await page.fill("input[name=email]", app.email);
  await page.fill("input[name=password]", "not the password");
  await page.click("button[type=submit]");
  await page.waitForSelector(".alert-error");
  assert.match(await page.textContent(".alert-error"), /Wrong email or password/);
  await page.close();
});

test("sign in, filter by format, open a preview", async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const consoleErrors = [];
  page.on("pageerror", (err) => consoleErrors.push(err.message));
  await signIn(page, app);

  const cards = page.locator(".creative-card");
  assert.equal(await cards.count(), 48, "first page holds 48 cards");
  assert.match(await page.textContent(".result-count"), /1–48 of 652 creatives/);

  await page.selectOption("select[name=format]", "VIDEO");
  await page.waitForURL(/format=VIDEO/);
  await page.waitForFunction(() => !document.querySelector("#creative-results.loading"));
  const formats = await page.locator(".creative-card .badge-format").allTextContents();
  assert.ok(formats.length > 0, "some video creatives");
  assert.deepEqual([...new Set(formats)], ["VIDEO"], "only VIDEO cards after filtering");
  const total = Number((await page.textContent(".result-count")).match(/of (\d+)/)[1]);
  assert.ok(total > 0 && total < 652, `filtered total ${total}`);

  const first = page.locator(".creative-card").first();
  const creativeId = await first.getAttribute("data-creative");
  await first.locator("[data-preview]").click();
  const dialog = page.locator("#preview-dialog");
  await dialog.waitFor({ state: "visible" });
  assert.match(await page.textContent("#preview-title"), new RegExp(creativeId));
  assert.match(await page.getAttribute("#preview-frame", "src"), /\/preview$/);
  if (process.env.SCREENSHOT_DIR) {
    await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/preview.png` });
  }
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test("the creative detail page shows destinations and the raw JSON", async () => {
  const page = await browser.newPage();
  await signIn(page, app);
  await page.click(".creative-card .creative-id >> nth=0");
  await page.waitForURL(/\/app\/seats\/\d+\/creatives\//);
  assert.ok(await page.locator("text=Destinations").isVisible());
  assert.ok(await page.locator("summary", { hasText: "Raw API JSON" }).isVisible());
  await page.close();
});

test("cards carry spend badges and sorting by spend orders them", async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, app);
  const spends = async () =>
    (await page.locator(".perf-spend strong").allTextContents()).map((t) => Number(t.replace(/[^0-9.]/g, "")));
  const bySpend = await spends();
  assert.ok(bySpend.length >= 10, "spend badges on the first page");
  for (let i = 1; i < bySpend.length; i++) {
    assert.ok(bySpend[i - 1] >= bySpend[i], `spend order at ${i}: ${bySpend[i - 1]} >= ${bySpend[i]}`);
  }
  const firstBySpend = await page.locator(".creative-card").first().getAttribute("data-creative");
  await page.selectOption("select[name=sort]", "recent");
  await page.waitForURL(/sort=recent/);
  await page.waitForFunction(() => !document.querySelector("#creative-results.loading"));
  const firstByRecent = await page.locator(".creative-card").first().getAttribute("data-creative");
  assert.notEqual(firstByRecent, firstBySpend, "the order changes with the sort");
  await page.selectOption("select[name=sort]", "spend");
  await page.waitForURL(/sort=spend/);
  await page.waitForFunction(() => !document.querySelector("#creative-results.loading"));
  assert.equal(await page.locator(".creative-card").first().getAttribute("data-creative"), firstBySpend);
  await page.close();
});
