// The relay's viewer page (`GET /`) in headless Chromium: a webhook relayed while the page is open
// appears in the DOM, and a claim-checked one loads its body on click. Saves a screenshot to
// target/artifacts/viewer.png (or $ARTIFACTS/viewer.png).
//
// Needs a running relay (scripts/test-relay.sh starts one):
//   RELAY_URL                 e.g. http://127.0.0.1:8787
//   RELAY_GITHUB_SECRET       the value of the relay's GITHUB_WEBHOOK_SECRET
//   CHROMIUM_BIN              optional, default /usr/bin/chromium
// Run: node --test tests/viewer.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const ARTIFACTS = process.env.ARTIFACTS || join(ROOT, "target", "artifacts");
const RELAY_URL = process.env.RELAY_URL;
const SECRET = process.env.RELAY_GITHUB_SECRET;
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run",
];

/** POSTs a GitHub webhook signed like GitHub does (HMAC-SHA256 of the exact body). */
async function sendGithub(event, delivery, body) {
  const signature = createHmac("sha256", SECRET).update(body).digest("hex");
  const response = await fetch(`${RELAY_URL}/hooks/github`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-GitHub-Event": event,
      "X-GitHub-Delivery": delivery,
      "X-Hub-Signature-256": `sha256=${signature}`,
    },
    body,
  });
  const reply = await response.json();
  assert.equal(response.status, 200, JSON.stringify(reply));
  assert.equal(reply.status, "published");
  return reply;
}

test("a relayed webhook appears in the viewer, and a claim-checked body loads on click", async () => {
  assert.ok(RELAY_URL && SECRET,
    "set RELAY_URL and RELAY_GITHUB_SECRET (scripts/test-relay.sh starts a relay and sets them)");
  const profile = mkdtempSync(join(tmpdir(), "viewer-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 760 },
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const browserVersion = context.browser()?.version() ?? "(persistent context)";
    console.log(`viewer test running in Chromium ${browserVersion} from ${CHROMIUM}`);
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    // A topic of its own: `issues*` is in the github source's event filter.
    const event = `issues-viewer-${Date.now()}`;
    const topic = `github.${event}`;
    await page.goto(`${RELAY_URL}/?topic=${encodeURIComponent(topic)}`);
    assert.equal(await page.inputValue("#topics"), topic);
    await page.waitForSelector('#status[data-state="live"]', { timeout: 30_000 });

    // 1. A small webhook: shown with its source, event type, delivery id and body.
    const delivery = randomUUID();
    const marker = `hello-viewer-${delivery}`;
    const reply = await sendGithub(event, delivery,
      JSON.stringify({ action: "opened", issue: { title: marker } }));
    const item = page.locator(`li.event[data-source="github"][data-event-type="${event}"]`);
    await item.first().waitFor({ timeout: 30_000 });
    assert.equal(await item.count(), 1);
    assert.match(await item.getAttribute("data-event-id"), /^\d+:1$/);
    assert.equal(await item.getAttribute("data-envelope-id"), reply.id);
    assert.equal(await item.getAttribute("data-topic"), topic);
    assert.equal(await item.locator(".event-type").textContent(), event);
    assert.equal(await item.locator(".source").textContent(), "github · github");
    assert.ok((await item.locator(".id").textContent()).includes(delivery));
    assert.ok((await item.locator("pre.body").textContent()).includes(marker));
    assert.equal(await page.textContent("#summary"), "1 webhook received");

    // 2. Over 4 KB: published as a claim-check pointer; the page loads the body on click.
    const bigDelivery = randomUUID();
    const bigMarker = `big-viewer-${bigDelivery}`;
    const bigBody = JSON.stringify({ action: "edited", title: bigMarker, padding: "x".repeat(6000) });
    const bigReply = await sendGithub(event, bigDelivery, bigBody);
    assert.equal(bigReply.claim_check, true);
    const big = page.locator(`li.event[data-envelope-id="${bigReply.id}"]`);
    await big.waitFor({ timeout: 30_000 });
    assert.match(await big.getAttribute("data-event-id"), /^\d+:2$/);
    await big.locator("button", { hasText: "claim-checked" }).click();
    await big.locator("pre.body", { hasText: bigMarker }).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator("li.event[data-source]").count(), 2);
    assert.equal(await page.textContent("#summary"), "2 webhooks received");
    assert.deepEqual(pageErrors, []);

    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, "viewer.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot: ${screenshot}`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
