// Live Authorized Buyers in a real browser against `rtbcat dev fake-google`: discover the
// seats, sync one, read the pretargeting configs, propose a change by hand, apply it through
// the confirmation, and roll it back from its snapshot.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser, signIn, startRtbcat } from "./harness.mjs";

let app;
let browser;

before(async () => {
  app = await startRtbcat({ fakeGoogle: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await app?.stop();
});

test("seats: discover, sync; pretargeting: propose, apply with confirmation, roll back", async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const dialogs = [];
  page.on("dialog", (dialog) => { dialogs.push(dialog.message()); dialog.accept(); });
  await signIn(page, app);

  await page.goto(`${app.baseUrl}/app/seats`);
  assert.match(await page.textContent("main"), /rtbcat-dev@fake-project/);
  await Promise.all([page.waitForEvent("load"), page.click("button:has-text('Discover seats')")]);
  const seatRow = page.locator("#seats-table tbody tr", { hasText: "7654321" });
  assert.match(await seatRow.textContent(), /Commerce Growth Seat/);
  await Promise.all([page.waitForEvent("load"), seatRow.locator("button:has-text('Sync now')").click()]);
  const history = page.locator("#sync-runs tbody tr").first();
  assert.match(await history.textContent(), /done/);
  assert.doesNotMatch(await page.locator("#seats-table tbody tr", { hasText: "7654321" }).textContent(), /never/);

  await page.goto(`${app.baseUrl}/app/pretargeting`);
  // The demo's configs are there already (snapshots), next to the demo's waste.
  assert.match(await page.textContent("main"), /Mobile apps \(111\)/);
  await Promise.all([page.waitForEvent("load"), page.click("button:has-text('Read configs from Google')")]);
  await page.selectOption("select[name=config]", "bidders/9000001/pretargetingConfigs/111");
  await page.selectOption("select[name=field]", "includedFormats");
  await page.selectOption("select[name=action]", "remove");
  await page.fill("input[name=values]", "VAST");
  await Promise.all([page.waitForURL(/saved=/), page.click("button:has-text('Dry run and propose')")]);
  const proposal = page.locator("#proposals-table tbody tr").first();
  assert.match(await proposal.textContent(), /includedFormats.*−VAST/);
  assert.match(await proposal.textContent(), /proposed/);
  // Emptying an include list is refused with the reason, in the form.
  await page.selectOption("select[name=field]", "includedEnvironments");
  await page.fill("input[name=values]", "APP");
  await page.click("button:has-text('Dry run and propose')");
  await page.waitForSelector("[data-form-error]:not([hidden])");
  assert.match(await page.textContent("[data-form-error]"), /empty/);

  await Promise.all([page.waitForEvent("load"), proposal.locator("button:has-text('Apply')").click()]);
  assert.match(dialogs.at(-1), /may cut QPS/);
  assert.match(await page.locator("#proposals-table tbody tr").first().textContent(), /applied/);
  const beforeApply = page.locator("#snapshots-table tbody tr", { hasText: "before apply" }).first();
  await Promise.all([page.waitForEvent("load"), beforeApply.locator("button:has-text('Roll back to this')").click()]);
  assert.match(await page.locator("#proposals-table tbody tr").first().textContent(), /rolled_back/);
  assert.ok((await page.locator("#snapshots-table tbody tr", { hasText: "after rollback" }).count()) === 1);
  assert.deepEqual(errors, []);
  await context.close();
});
