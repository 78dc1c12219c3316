// Screenshots of every page at 1366 px and 390 px, for a person to look at:
//   node tests/browser/screenshots.mjs /tmp/shots      (after `cargo build --release`)
// Not committed; not a test.
import { mkdirSync } from "node:fs";
import { DESKTOP_UA, launchBrowser, signIn, startRtbcat } from "./harness.mjs";
import { everyPage } from "./pages.mjs";

const out = process.argv[2] || "screenshots";
mkdirSync(out, { recursive: true });
const app = await startRtbcat();
const browser = await launchBrowser();
try {
  const pages = await everyPage(app);
  for (const width of [1366, 390]) {
    // A real browser's user agent: headless Chromium's own is (rightly) treated as a bot.
    const context = await browser.newContext({ viewport: { width, height: width > 800 ? 900 : 844 }, userAgent: DESKTOP_UA });
    const page = await context.newPage();
    await signIn(page, app);
    for (const [name, path] of pages) {
      await page.goto(`${app.baseUrl}${path}`);
      await page.waitForLoadState("load");
      await page.waitForTimeout(300);
      const file = `${out}/${name}-${width}.png`;
      await page.screenshot({ path: file, fullPage: true });
      console.log(file);
    }
    await context.close();
  }
} finally {
  await browser.close();
  await app.stop();
}
