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

  // The history shows the upload at once, without a reload.
  await page.waitForFunction(() => /boost\.csv/.test(document.querySelector("#import-history-box").textContent));
  // The native file button is hidden; ours is the visible one.
  const input = await page.locator("#import-file").boundingBox();
  assert.ok(!input || (input.width <= 1 && input.height <= 1), `the native input is hidden: ${JSON.stringify(input)}`);
  assert.ok(await page.locator("#drop-zone .button", { hasText: "Choose a file" }).isVisible());

  // An unknown header is a red banner naming what was expected.
  await page.setInputFiles("#import-file", { name: "odd.csv", mimeType: "text/csv", buffer: Buffer.from("foo,bar\n1,2\n") });
  await page.click("#import-submit");
  await page.locator("#import-error").waitFor({ state: "visible" });
  assert.match(await page.textContent("#import-error"), /Not imported: .*expected one of/);
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector("#import-error")).color), "rgb(180, 35, 24)");

  // Old reports reopen from the history, with their errors by line.
  await Promise.all([page.waitForURL(/\/app\/import\/\d+$/), page.locator("#import-history tr", { hasText: "boost.csv" }).locator("a").click()]);
  assert.match(await page.textContent("#import-errors"), /clicks \(20\) exceed impressions \(10\)/);

  // A creatives export imports from the same drop zone.
  await page.goto(`${app.baseUrl}/app/import`);
  const creative = {
    name: "buyers/7654321/creatives/ui-import-1", accountId: "7654321", creativeId: "ui-import-1",
    advertiserName: "Uploaded Ads", declaredClickThroughUrls: ["https://uploaded.example/landing"],
    creativeServingDecision: { networkPolicyCompliance: { status: "APPROVED" } },
    html: { snippet: "<a href='%%CLICK_URL_UNESC%%https://uploaded.example/landing'>Hi</a>", width: 300, height: 250 },
  };
  await page.setInputFiles("#import-file", { name: "creatives.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify({ creatives: [creative] })) });
  await page.click("#import-submit");
  await page.locator("#import-report").waitFor({ state: "visible" });
  assert.match(await page.textContent("#import-summary"), /creatives \(Real-time Bidding API\).*New1/);
  const [sample] = await Promise.all([page.waitForEvent("download"), page.click("a[href='/app/import/sample.csv']")]);
  assert.equal(sample.suggestedFilename(), "rtbcat-sample.csv");

  await page.goto(`${app.baseUrl}/app/creatives`);
  assert.equal(await page.locator(".creative-card").first().getAttribute("data-creative"), underdog, "the boosted creative now leads");
  await page.close();
});

test("cards: tier badges, flat trends, disapproved spend flagged, country-only numbers, either order", async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await signIn(page, app);
  await page.goto(`${app.baseUrl}/app/creatives?period=30d`);
  const tiers = await page.locator("[data-tier-badge]").evaluateAll((b) => b.map((x) => x.getAttribute("data-tier-badge")));
  assert.ok(tiers.length >= 40 && tiers.includes("high"), `tier badges: ${tiers.length}`);
  assert.equal(await page.locator(".trend-down", { hasText: /▼ 0%/ }).count(), 0, "no red zero");
  // Disapproved creatives that still spend carry the flag.
  await page.goto(`${app.baseUrl}/app/creatives?period=30d&status=DISAPPROVED`);
  const flagged = await page.locator("[data-flag=disapproved-spending]").count();
  const spending = (await page.locator(".perf-spend strong").allTextContents()).filter((t) => !/\$0\.00$/.test(t)).length;
  assert.equal(flagged, spending, "every spending disapproved creative is flagged");
  // With a country filter the card says the numbers are that country's.
  await page.goto(`${app.baseUrl}/app/creatives?geo=BR`);
  assert.match(await page.locator(".creative-card .perf").first().textContent(), /in Brazil \(BR\) only/);
  // Lowest first: spend ascends.
  await page.goto(`${app.baseUrl}/app/creatives?order=asc&tier=high`);
  const spends = (await page.locator(".perf-spend strong").allTextContents()).map((t) => Number(t.replace(/[^0-9.]/g, "")));
  for (let i = 1; i < spends.length; i++) assert.ok(spends[i - 1] <= spends[i], `ascending at ${i}`);
  // The detail page's period can be chosen.
  await page.goto(`${app.baseUrl}/app/creatives`);
  await Promise.all([page.waitForURL(/\/creatives\/[^/]+$/), page.click(".creative-card .creative-id >> nth=0")]);
  await page.click(".segmented a:has-text('7 days')");
  await page.waitForURL(/days=7/);
  assert.equal(await page.locator("svg.chart .bar").count(), 7);
  await page.close();
});
