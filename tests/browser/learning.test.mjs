// Offers that learn, and the forms around them, in a real browser: an A/B test created from
// the form and started (a second one on the same placement is refused with the reason), the
// rotation buttons, delivery rules on the offer form (a bad country named under its field),
// the real-time view refreshing by itself, a schedule for e-mailed reports, and a service
// account key uploaded as a file on the Seats page.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { DESKTOP_UA, api, launchBrowser, signIn, startRtbcat } from "./harness.mjs";

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

async function signedInPage() {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, app);
  return { context, page, errors };
}

async function mffAndItsOffers() {
  const properties = await api(app, "GET", "/api/properties");
  const mff = properties.find((p) => p.code === "mff");
  const offers = (await api(app, "GET", "/api/campaigns")).filter((o) => o.properties.includes("mff") && o.active);
  return { mff, offers };
}

test("an experiment from the form: create, start; a second on the placement is refused; rotation buttons", async () => {
  const { context, page, errors } = await signedInPage();
  const { mff, offers } = await mffAndItsOffers();
  assert.ok(offers.length >= 2, "the demo puts several offers on mff");
  const create = async (name) => {
    await page.goto(`${app.baseUrl}/app/experiments`);
    await page.fill("form[data-action='/api/experiments'] input[name=name]", name);
    await page.selectOption("select[name=property_id]", String(mff.id));
    await page.selectOption("select[name=placement]", "thankyou");
    await page.selectOption("select[name=offer_id][data-item='arms.0']", String(offers[0].id));
    await page.selectOption("select[name=offer_id][data-item='arms.1']", String(offers[1].id));
    await page.fill("input[name=title][data-item='arms.1']", "Last chance today");
    await Promise.all([page.waitForURL(/\/app\/experiments\/\d+/), page.click("button:has-text('Create (as a draft)')")]);
    assert.match(await page.textContent("main"), /draft/);
  };
  await create("Urgent title");
  await Promise.all([page.waitForEvent("load"), page.click("button:has-text('Start')")]);
  assert.match(await page.textContent("main"), /running/);
  const running = await api(app, "GET", "/api/experiments");
  assert.equal(running.find((e) => e.name === "Urgent title").arms[1].title, "Last chance today");

  await create("Another on the same placement");
  await page.click("button:has-text('Start')");
  await page.waitForSelector("[data-post-error]:not([hidden])");
  assert.match(await page.textContent("[data-post-error]:not([hidden])"), /running|one running|already/i);

  // The rotation buttons switch the property to learning and back.
  await page.goto(`${app.baseUrl}/app/experiments`);
  const section = page.locator(`[data-rotation='${mff.id}']`);
  await Promise.all([page.waitForEvent("load"), section.locator("button:has-text('Learn from revenue')").click()]);
  assert.match(await page.locator(`[data-rotation='${mff.id}']`).textContent(), /Learning/);
  assert.equal((await api(app, "GET", `/api/properties/${mff.id}/rotation`)).mode, "learning");
  await Promise.all([
    page.waitForEvent("load"),
    page.locator(`[data-rotation='${mff.id}'] button:has-text('Go back to priority')`).click(),
  ]);
  assert.equal((await api(app, "GET", `/api/properties/${mff.id}/rotation`)).mode, "priority");
  assert.deepEqual(errors, []);
  await context.close();
});

test("delivery rules on the offer form: a bad country is named, targeting and a total cap are saved", async () => {
  const { context, page, errors } = await signedInPage();
  const { offers } = await mffAndItsOffers();
  const offer = offers[0];
  await page.goto(`${app.baseUrl}/app/offers/${offer.id}`);
  await page.fill("input[name=countries]", "US, Atlantis");
  await page.click("button:has-text('Save offer')");
  await page.waitForSelector("[data-error-for=countries]:not(:empty)");
  assert.match(await page.textContent("[data-error-for=countries]"), /Atlantis/);
  await page.fill("input[name=countries]", "US, Canada");
  await page.check("input[name=devices][value=mobile]");
  await page.fill("input[name=total_impression_cap]", "50000");
  await Promise.all([page.waitForURL(/\/app\/offers\?saved=/), page.click("button:has-text('Save offer')")]);
  const saved = (await api(app, "GET", "/api/campaigns")).find((o) => o.id === offer.id);
  assert.deepEqual([saved.countries, saved.devices, saved.total_impression_cap], [["US", "CA"], ["mobile"], 50000]);
  await page.goto(`${app.baseUrl}/app/offers/${offer.id}`);
  assert.equal(await page.inputValue("input[name=countries]"), "US, CA");
  assert.ok(await page.isChecked("input[name=devices][value=mobile]"));
  assert.ok(!(await page.isChecked("input[name=devices][value=desktop]")));
  assert.deepEqual(errors, []);
  await context.close();
});

test("the real-time view refreshes by itself; a report schedule from its form", async () => {
  const { context, page, errors } = await signedInPage();
  // A property of its own (the demo's have traffic of their own in the last hour), on a
  // domain this test can send from.
  await api(app, "POST", "/api/properties", { code: "rt", name: "Real time", domains: ["127.0.0.1:9"] });
  const offers = await api(app, "GET", "/api/campaigns");
  const { id: _id, created_by: _by, created_at: _at, updated_at: _up, payout_micros, ...offer } = offers[0];
  await api(app, "POST", "/api/campaigns", {
    ...offer,
    name: "Real-time offer",
    payout: "1.00",
    properties: ["rt"],
    countries: [],
    devices: [],
    total_impression_cap: null,
    total_click_cap: null,
    daily_impression_cap: null,
    daily_click_cap: null,
    start_date: null,
    end_date: null,
    active: true,
  });
  // The page's timers run on Playwright's clock, so the test moves time on to the next beat
  // instead of waiting 15 real seconds for it.
  await page.clock.install();
  await page.goto(`${app.baseUrl}/app/popups/analytics?property=rt`);
  assert.equal(await page.textContent("#realtime-impressions"), "0");
  const headers = { origin: "http://127.0.0.1:9", "user-agent": DESKTOP_UA };
  for (let i = 0; i < 3; i++) {
    const served = await (await fetch(`${app.baseUrl}/api/offers/rt?placement=thankyou&session=rt${i}`, { headers })).json();
    const beacon = await fetch(`${app.baseUrl}/api/impression`, { method: "POST", headers, body: served.offer.token });
    assert.equal(beacon.status, 204);
  }
  // No reload: the section fetches itself again on its 15-second beat.
  await page.clock.fastForward(15_000);
  await page.waitForFunction(() => document.querySelector("#realtime-impressions")?.textContent === "3", null, {
    timeout: 10_000,
  });

  await page.click("a:has-text('Scheduled reports')");
  await page.waitForURL(/\/app\/popups\/reports/);
  await page.selectOption("#schedule-form select[name=property]", "mff");
  await page.selectOption("#schedule-form select[name=frequency]", "weekly");
  await page.fill("#schedule-form input[name=recipients]", "ops@example.com, nope");
  await page.click("button:has-text('Add schedule')");
  await page.waitForSelector("[data-error-for=recipients]:not(:empty)");
  assert.match(await page.textContent("[data-error-for=recipients]"), /nope/);
  await page.fill("#schedule-form input[name=recipients]", "ops@example.com, ceo@example.com");
  await Promise.all([page.waitForEvent("load"), page.click("button:has-text('Add schedule')")]);
  const row = page.locator("#schedule-table tbody tr").first();
  assert.match(await row.textContent(), /weekly from 06:00 UTC/);
  assert.match(await row.textContent(), /ops@example.com, ceo@example.com/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a service-account key uploaded as a file on the Seats page; a broken file is named", async () => {
  const { context, page, errors } = await signedInPage();
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = {
    type: "service_account",
    project_id: "browser-test",
    private_key_id: "0123456789abcdef",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
    client_email: "uploader@browser-test.iam.gserviceaccount.com",
    client_id: "1",
    token_uri: "https://oauth2.googleapis.com/token",
  };
  await page.goto(`${app.baseUrl}/app/seats`);
  const file = (name, text) => ({ name, mimeType: "application/json", buffer: Buffer.from(text) });
  await page.setInputFiles("input[type=file][data-fill=key]", file("broken.json", "{ not json"));
  await page.waitForFunction(() => document.querySelector("textarea[name=key]").value.length > 0);
  await page.click("button:has-text('Add key')");
  await page.waitForSelector("[data-form-error]:not([hidden])");
  assert.ok((await page.textContent("[data-form-error]:not([hidden])")).length > 0);
  await page.setInputFiles("input[type=file][data-fill=key]", file("key.json", JSON.stringify(key)));
  await page.waitForFunction(() => document.querySelector("textarea[name=key]").value.includes("uploader@"));
  await Promise.all([page.waitForEvent("load"), page.click("button:has-text('Add key')")]);
  assert.match(await page.textContent("main"), /uploader@browser-test\.iam\.gserviceaccount\.com/);
  assert.match(await page.textContent("main"), /0123456789abcdef/);
  assert.doesNotMatch(await page.content(), /BEGIN PRIVATE KEY/, "the private key is never shown");
  assert.deepEqual(errors, []);
  await context.close();
});
