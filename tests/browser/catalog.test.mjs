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

test("uploading a report on the Import page shows the report and re-sorts creatives by spend", async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, app);
  const ids = await page.locator(".creative-card").evaluateAll((cards) => cards.map((c) => c.getAttribute("data-creative")));
  const underdog = ids[ids.length - 1];
  assert.notEqual(ids[0], underdog);
  const day = new Date(Date.now() - 2 * 86400000).toISOString().slice(0, 10);
  const csv = `creative_id,date,impressions,clicks,spend,geography,device_type\n${underdog},${day},1000000,100,5000000.00,BR,ctv\nnot-a-creative,${day},10,20,1.00,BR,mobile\n`;

  await page.goto(`${app.baseUrl}/app/import`);
  await page.setInputFiles("#import-file", { name: "boost.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.click("#import-submit");
  await page.locator("#import-report").waitFor({ state: "visible" });
  const summary = await page.textContent("#import-summary");
  assert.match(summary, /performance CSV \(seed format\)/);
  assert.match(summary, /Imported \(new\)1/);
  assert.match(summary, /Skipped1/);
  assert.match(await page.textContent("#import-errors"), /clicks \(20\) exceed impressions \(10\)/);

  await page.goto(`${app.baseUrl}/app/creatives`);
  assert.equal(await page.locator(".creative-card").first().getAttribute("data-creative"), underdog, "the boosted creative now leads");
  await page.goto(`${app.baseUrl}/app/import`);
  assert.match(await page.textContent("#import-history"), /boost\.csv/, "the upload is in the history");
  await page.close();
});
