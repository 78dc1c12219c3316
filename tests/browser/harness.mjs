// Shared setup for browser tests: a real rtbcat release binary on a temporary SQLite
// database, and Debian's Chromium driven by playwright-core.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const repoRoot = resolve(import.meta.dirname, "..", "..");
export const binary = process.env.RTBCAT_BIN || join(repoRoot, "target", "release", "rtbcat");
export const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

function run(args, env) {
  const result = spawnSync(binary, args, { env, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`rtbcat ${args.join(" ")} failed (${result.status}): ${result.stderr}`);
  }
  return result.stdout;
}

/** Start a process and wait for a line matching `pattern` on its stdout; the first group. */
function startAndWait(args, env, pattern, what) {
  const child = spawn(binary, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const found = new Promise((resolveMatch, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${output}`)), 15000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(pattern);
      if (match) { clearTimeout(timer); resolveMatch(match[1]); }
    });
    child.stderr.on("data", (chunk) => { output += chunk; });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code}): ${output}`)); });
  });
  return { child, found };
}

/** Start rtbcat with demo data and one account per role; `{ fakeGoogle: true }` also runs
 * `rtbcat dev fake-google` and points rtbcat at it. */
export async function startRtbcat(options = {}) {
  if (!existsSync(binary)) {
    throw new Error(`rtbcat binary not found at ${binary}: run \`cargo build --release\` first or set RTBCAT_BIN`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), "rtbcat-browser-"));
  const env = { ...process.env, RTBCAT_DATA_DIR: dataDir, RUST_LOG: "warn" };
  delete env.DATABASE_URL;
  run(["demo"], env);
  const password = "browser-test-password";
  run(["user", "add", "admin@example.com", "--role", "admin"], { ...env, RTBCAT_PASSWORD: password });
  const token = run(["token", "create", "--user", "admin@example.com"], env).trim();
  let fake = null;
  if (options.fakeGoogle) {
    const keyFile = join(dataDir, "fake-google-key.json");
    fake = startAndWait(["dev", "fake-google", "--addr", "127.0.0.1:0", "--key-out", keyFile], env, /fake Google listening on (http:\/\/[0-9.:]+)/, "fake Google");
    const fakeUrl = await fake.found;
    env.RTBCAT_GOOGLE_KEY_FILE = keyFile;
    env.RTBCAT_GOOGLE_API_URL = `${fakeUrl}/`;
  }
  const started = startAndWait(["serve", "--addr", "127.0.0.1:0"], env, /listening on (http:\/\/[0-9.:]+)/, "rtbcat");
  const server = started.child;
  const baseUrl = await started.found;
  return {
    baseUrl,
    token,
    email: "admin@example.com",
    password,
    async stop() {
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
      if (fake) {
        fake.child.kill("SIGTERM");
        await new Promise((r) => fake.child.once("exit", r));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: apt-get install chromium, or set CHROMIUM`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}

/** Calls the rtbcat API with the admin's token; throws on a non-2xx answer. */
export async function api(app, method, path, body) {
  const response = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${app.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A desktop Chrome user agent: headless Chromium's own says "HeadlessChrome", a bot. */
export const DESKTOP_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

export async function signIn(page, app) {
  await page.goto(`${app.baseUrl}/app/creatives`);
  await page.waitForURL(/\/login/);
  await page.fill("input[name=email]", app.email);
  await page.fill("input[name=password]", app.password);
  await Promise.all([page.waitForURL(/\/app\/creatives/), page.click("button[type=submit]")]);
}
