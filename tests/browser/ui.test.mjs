// The design system in a real browser: every page fits a phone, every text is readable,
// bad input keeps the page, tables sort, the playground explains an empty answer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { api, DESKTOP_UA, launchBrowser, signIn, startRtbcat } from "./harness.mjs";
import { contrastFailures, everyPage } from "./pages.mjs";

let app;
let browser;
let pages;

before(async () => {
  app = await startRtbcat();
  browser = await launchBrowser();
  pages = await everyPage(app);
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

async function signedInPage(width, userAgent) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, userAgent });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await signIn(page, app);
  return { page, errors, context };
}

test("no page scrolls sideways at 390 px; tables and charts scroll in their own box", async () => {
  const { page, errors, context } = await signedInPage(390);
  for (const [name, path] of pages) {
    await page.goto(`${app.baseUrl}${path}`);
    await page.waitForLoadState("load");
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth }));
    assert.ok(widths.page <= widths.view, `${name}: the page is ${widths.page} px wide at ${widths.view}`);
    // Navigation is reachable on every page (the menu button on phones).
    assert.ok(await page.locator(".nav-button").isVisible(), `${name}: menu button`);
  }
  // The analytics table's last column is reachable by scrolling its box, not the page.
  await page.goto(`${app.baseUrl}/app/popups/analytics`);
  const box = await page.evaluate(() => {
    const wrap = document.querySelector("#offer-table").closest(".table-wrap");
    return { scroll: wrap.scrollWidth, client: wrap.clientWidth, overflow: getComputedStyle(wrap).overflowX };
  });
  assert.equal(box.overflow, "auto");
  assert.ok(box.scroll > box.client, "the wide table scrolls inside its box");
  const chart = await page.evaluate(() => document.querySelector("svg.chart").getBoundingClientRect().width);
  assert.ok(chart >= 560, `chart keeps a readable size (${chart} px)`);
  assert.deepEqual(errors, []);
  await context.close();
});

test("text and buttons have at least 4.5:1 contrast on every page, the snippet included", async () => {
  const { page, errors, context } = await signedInPage(1366);
  for (const [name, path] of pages) {
    await page.goto(`${app.baseUrl}${path}`);
    await page.waitForLoadState("load");
    const failures = await page.evaluate(contrastFailures, 4.5);
    assert.deepEqual(failures, [], `${name}: low contrast`);
  }
  await page.goto(`${app.baseUrl}/app/properties/mff`);
  const snippet = await page.evaluate(() => {
    const el = document.querySelector("#snippet");
    const s = getComputedStyle(el);
    return { color: s.color, background: s.backgroundColor, text: el.textContent };
  });
  assert.match(snippet.text, /ModePopup\.init/);
  assert.equal(snippet.color, "rgb(226, 232, 240)");
  assert.equal(snippet.background, "rgb(15, 23, 42)");
  // Row actions are real buttons, not pale links.
  await page.goto(`${app.baseUrl}/app/offers`);
  const pause = page.locator("#offers-table button", { hasText: "Pause" }).first();
  assert.ok(await pause.isVisible());
  assert.deepEqual(await page.evaluate(contrastFailures, 4.5), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test("bad filters and unknown pages keep the navigation and say what is wrong", async () => {
  const { page, context } = await signedInPage(1366);
  for (const [path, says] of [
    ["/app/creatives?geo=Atlantis", /Country: unknown country/],
    ["/app/popups/analytics?from=2026-11-20&to=2026-11-01", /Showing the last 30 days/],
    ["/app/no-such-page", /There is no page/],
  ]) {
    await page.goto(`${app.baseUrl}${path}`);
    assert.ok(await page.locator("nav.sidebar a", { hasText: "Creatives" }).count(), `${path}: navigation`);
    assert.match(await page.textContent(".banner-error"), says);
  }
  // Through the filter form too (no reload): the error replaces the results, filters stay.
  await page.goto(`${app.baseUrl}/app/creatives`);
  await page.fill("input[name=geo]", "Narnia");
  await page.click("form[data-filters] button[type=submit]");
  await page.waitForSelector("#creative-results .banner-error");
  assert.ok(await page.locator("select[name=format]").isVisible());
  await context.close();
});

test("numbers have separators and align right; tables sort; totals add up", async () => {
  const { page, errors, context } = await signedInPage(1366);
  await page.goto(`${app.baseUrl}/app/creatives?view=table&period=30d`);
  const table = page.locator("#creatives-table");
  assert.equal(await table.locator("th.num").first().evaluate((th) => getComputedStyle(th).textAlign), "right");
  const impressions = await table.locator("tfoot td").nth(5).textContent();
  assert.match(impressions, /^\d{1,3}(,\d{3})+$/, `thousands separators: ${impressions}`);
  // Sort by clicks: largest first, then smallest first.
  const clicksHeader = table.locator("thead button", { hasText: "Clicks" });
  const clicks = async () => (await table.locator("tbody tr td:nth-child(8)").evaluateAll((cells) => cells.map((c) => c.getAttribute("data-value")))).filter((v) => v !== "").map(Number);
  await clicksHeader.click();
  let values = await clicks();
  assert.deepEqual(values, [...values].sort((a, b) => b - a));
  await clicksHeader.click();
  values = await clicks();
  assert.deepEqual(values, [...values].sort((a, b) => a - b));
  assert.equal(await table.locator("thead th").nth(7).getAttribute("aria-sort"), "ascending");
  // Totals of the analytics table are the sum of its rows.
  await page.goto(`${app.baseUrl}/app/popups/analytics`);
  const sums = await page.evaluate(() => {
    const t = document.querySelector("#offer-table");
    const rows = [...t.tBodies[0].rows].map((r) => Number(r.cells[1].getAttribute("data-value")));
    return { rows: rows.reduce((a, b) => a + b, 0), total: Number(t.tFoot.rows[0].cells[1].getAttribute("data-value")) };
  });
  assert.equal(sums.rows, sums.total);
  // "ZZ" is shown as Unknown; a missing RPM is a dash, not "$–".
  const html = await page.content();
  assert.doesNotMatch(html, /\$–|>ZZ</);
  // A table downloads as CSV.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-export-table=offer-table]")]);
  assert.equal(download.suggestedFilename(), "offer-table.csv");
  assert.deepEqual(errors, []);
  await context.close();
});

test("charts have axes, gridlines, the previous period and the partial day", async () => {
  const { page, context } = await signedInPage(1366);
  // Seven days, so the seven before are within the demo's history.
  await page.goto(`${app.baseUrl}/app/popups/analytics`);
  await page.click(".segmented a:has-text('7 days')");
  await page.waitForURL(/from=/);
  // The daily chart (the last-60-minutes chart below it has a bar a minute).
  assert.equal(await page.locator("svg.chart:not(.chart-minutes) .bar").count(), 7);
  const chart = await page.evaluate(() => {
    const svg = document.querySelector("svg.chart:not(.chart-minutes)");
    return {
      grid: svg.querySelectorAll(".grid").length,
      yLabels: [...svg.querySelectorAll(".axis-y")].map((t) => t.textContent),
      partial: svg.querySelectorAll(".bar.partial").length,
      previous: svg.querySelectorAll(".previous").length,
      legend: document.querySelector(".chart-legend").textContent,
    };
  });
  assert.ok(chart.grid >= 3, "gridlines");
  assert.ok(chart.yLabels.some((l) => /^\$\d/.test(l)), `money axis ${chart.yLabels}`);
  assert.equal(chart.partial, 1, "today is marked partial");
  assert.equal(chart.previous, 1, "previous period line");
  assert.match(chart.legend, /Previous period/);
  await context.close();
});

test("the playground says why nothing shows", async () => {
  await api(app, "POST", "/api/properties", { code: "empty-site", name: "Empty site", domains: ["empty.example"] });
  const { page, context } = await signedInPage(1366, DESKTOP_UA);
  await page.goto(`${app.baseUrl}/app/properties/empty-site/playground`);
  await page.waitForFunction(() => /No popup/.test(document.querySelector("#playground-status").textContent));
  assert.match(await page.textContent("#playground-status"), /no active offer runs on this property/);
  await context.close();
});

test("admin pages: create and revoke a token, change a role, read the audit log", async () => {
  const { page, errors, context } = await signedInPage(1366);
  page.on("dialog", (dialog) => dialog.accept());
  await page.goto(`${app.baseUrl}/app/tokens`);
  await page.fill("#token-form input[name=label]", "browser script");
  await page.click("#token-form button[type=submit]");
  await page.waitForSelector("#new-token:not([hidden])");
  assert.match(await page.textContent("#new-token-value"), /^rtbcat_/);
  await page.goto(`${app.baseUrl}/app/tokens`);
  const row = page.locator("#tokens-table tr", { hasText: "browser script" });
  await Promise.all([page.waitForEvent("load"), row.locator("button", { hasText: "Revoke" }).click()]);
  assert.equal(await page.locator("#tokens-table tr", { hasText: "browser script" }).count(), 0);

  await api(app, "POST", "/api/users", { email: "colleague@example.com", role: "viewer", password: "a long password" });
  await page.goto(`${app.baseUrl}/app/users`);
  const select = page.locator("select[aria-label='Role of colleague@example.com']");
  await Promise.all([page.waitForURL(/saved=role/), select.selectOption("editor")]);
  assert.equal(await page.locator("select[aria-label='Role of colleague@example.com']").inputValue(), "editor");
  await page.goto(`${app.baseUrl}/app/audit`);
  assert.ok(await page.locator("#audit-table td", { hasText: "token" }).count() > 0);
  await page.goto(`${app.baseUrl}/docs/`);
  assert.ok(await page.locator("a", { hasText: "Back to the app" }).isVisible());
  assert.deepEqual(errors, []);
  await context.close();
});

test("the Waste page: start page, funnel, sizes without creatives, recommendations with their change", async () => {
  const { page, errors, context } = await signedInPage(1366);
  await page.goto(`${app.baseUrl}/app`);
  await page.waitForURL(/\/app\/waste$/);
  assert.ok(await page.locator("nav.sidebar a.active", { hasText: "Waste" }).isVisible());
  // The funnel is drawn, widest first.
  const widths = await page.locator("svg.funnel .bar rect").evaluateAll((rects) => rects.map((r) => Number(r.getAttribute("width"))));
  assert.equal(widths.length, 7);
  for (let i = 1; i < widths.length; i++) assert.ok(widths[i] <= widths[i - 1], `funnel narrows at ${i}`);
  // Sizes with no creative lead the size table and carry their recommendation.
  const first = page.locator("#sizes-table tbody tr").first();
  assert.match(await first.textContent(), /no creative/);
  const size = await first.getAttribute("data-row");
  const recommendation = page.locator(".recommendation[data-kind=exclude_size]", { hasText: size });
  assert.ok(await recommendation.isVisible(), `a recommendation for ${size}`);
  assert.match(await recommendation.textContent(), new RegExp(`includedCreativeDimensions: remove ${size}`));
  assert.match(await recommendation.textContent(), /Evidence: .* requests for/);
  // The planted geo and publisher.
  assert.ok(await page.locator(".recommendation[data-kind=exclude_geo]", { hasText: "Vietnam" }).isVisible());
  assert.ok(await page.locator(".recommendation[data-kind=block_publisher]", { hasText: "pub-7734" }).isVisible());
  // A different window, kept in the links.
  await page.click(".page-head .segmented a:has-text('30 days')");
  await page.waitForURL(/days=30/);
  assert.match(await page.textContent(".page-head p"), /\(30 days, UTC\)/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("Campaigns: cards with thumbnails, the campaign page, rename and split off by hand", async () => {
  const { page, errors, context } = await signedInPage(1366);
  await page.goto(`${app.baseUrl}/app/campaigns?period=30d`);
  const cards = page.locator(".campaign-card");
  assert.ok((await cards.count()) >= 10, "the demo clusters into campaigns");
  assert.ok((await page.locator(".campaign-card").first().locator(".mini-thumb").count()) >= 1, "top creatives shown");
  // Sorted by name on request.
  await page.selectOption("select[name=sort]", "name");
  await page.click("form.toolbar button[type=submit]");
  await page.waitForURL(/sort=name/);
  const names = await page.locator(".campaign-name").allTextContents();
  assert.deepEqual(names, [...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
  // The biggest campaign: chart, creatives by spend, countries and devices.
  await page.goto(`${app.baseUrl}/app/campaigns?period=30d&view=table`);
  await page.locator("#campaigns-table tbody tr a").first().click();
  await page.waitForURL(/\/app\/campaigns\/\d+/);
  assert.ok(await page.locator("svg.daily-chart, svg").first().isVisible());
  assert.ok((await page.locator("#campaign-creatives tbody tr").count()) >= 2);
  assert.ok(await page.locator("#campaign-countries").isVisible());
  assert.ok(await page.locator("#campaign-devices").isVisible());
  // Rename: the new name shows with a saved banner.
  await page.fill("input[name=name] >> nth=0", "Renamed in the browser");
  await page.click("button:has-text('Rename')");
  await page.waitForSelector(".banner-notice");
  assert.equal((await page.textContent("h1")).trim(), "Renamed in the browser");
  // Split: a name is required, then the ticked creatives get a campaign of their own.
  const ticks = page.locator("#campaign-creatives input[type=checkbox]");
  await ticks.nth(0).check();
  await page.click("button:has-text('Split off')");
  await page.waitForSelector("#split-form [data-form-error]:not([hidden])");
  assert.match(await page.textContent("#split-form [data-form-error]"), /required/);
  await page.fill("#split-form input[name=name]", "Split by hand");
  await page.click("button:has-text('Split off')");
  await page.waitForFunction(() => document.querySelector("h1")?.textContent.includes("Split by hand"));
  assert.equal(await page.locator("#campaign-creatives tbody tr").count(), 1);
  assert.match(await page.textContent(".page-head p"), /Formed by manual/);
  // The creative's own page names its campaign.
  await page.locator("#campaign-creatives tbody tr a").first().click();
  await page.waitForURL(/\/creatives\//);
  assert.equal((await page.textContent("[data-campaign-link]")).trim(), "Split by hand");
  assert.deepEqual(errors, []);
  await context.close();
});

test("Opportunities and Geography: the planted pockets, snooze and reopen, the heat map", async () => {
  const { page, errors, context } = await signedInPage(1366);
  await page.goto(`${app.baseUrl}/app/opportunities`);
  const rows = page.locator("#opportunities-table tbody tr");
  // The demo's planted pockets (the Campaigns test before this one may have split one off).
  const before = await rows.count();
  assert.ok(before >= 2 && before <= 5, `${before} findings`);
  assert.match(await page.textContent("#opportunities-table"), /Undervalued geo/);
  assert.match(await page.textContent("#opportunities-table"), /Angola/);
  // Every row shows a creative: the neglected one itself, else its campaign's top creative.
  assert.equal(await page.locator("#opportunities-table tbody tr a.mini-thumb").count(), before);
  // Snooze the first: it leaves the open list and comes back with "Include …".
  await rows.first().locator("button:has-text('Snooze')").click();
  await page.waitForFunction((n) => document.querySelectorAll("#opportunities-table tbody tr").length === n - 1, before);
  await page.click("a:has-text('Include dismissed')");
  await page.waitForURL(/state=all/);
  const snoozed = page.locator("#opportunities-table tbody tr", { hasText: "snoozed" });
  assert.equal(await snoozed.count(), 1);
  await snoozed.locator("button:has-text('Reopen')").click();
  await page.waitForFunction(() => !document.body.textContent.includes("snoozed"));
  // Geography: a heat map with a row per campaign and the one pattern.
  await page.goto(`${app.baseUrl}/app/geography`);
  assert.ok((await page.locator("svg.heat-map g.heat-cell").count()) >= 100);
  const patterns = page.locator("#patterns li.pattern", { hasText: "FinWallet" });
  assert.equal(await patterns.count(), 1);
  assert.match(await patterns.first().textContent(), /Angola/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("Queries: an example runs into a table, a mistake gets a caret, a query is saved", async () => {
  const { page, errors, context } = await signedInPage(1366);
  await page.goto(`${app.baseUrl}/app/queries`);
  await page.click("a:has-text('Which formats do best on weekends')");
  await page.waitForSelector("#query-result");
  assert.ok((await page.locator("#query-result tbody tr").count()) >= 2);
  assert.match(await page.textContent("[data-query-summary]"), /match/);
  await page.fill("input[name=name]", "Weekend formats");
  await page.click("button:has-text('Save')");
  await page.waitForSelector(".banner-notice");
  assert.ok(await page.locator("a:has-text('Weekend formats')").isVisible());
  await page.fill("textarea[name=q]", "find campaigns where cpc[device=phone] > 1");
  await page.click("button:has-text('Run')");
  await page.waitForSelector("[data-query-caret]");
  assert.match(await page.textContent(".banner-error"), /at character 26: "phone" is not a device/);
  assert.deepEqual(errors, []);
  await context.close();
});
