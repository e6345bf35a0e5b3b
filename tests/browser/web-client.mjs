// The web client in headless Chromium (playwright-core driving Debian's
// chromium), against real services started by web-client.sh.  Prints one
// "RESULT <0|1> <description>" line per check and "# ..." diagnostics; the
// shell script turns them into TAP.
//
// Environment: HTTP (the ingress serving web/ with --demo), CHROMIUM,
// ARTIFACT_DIR (the screenshot goes there), NORTH_NAME (the room north of
// the start room).
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const HTTP = process.env.HTTP;
const WAIT = 20000;
let failed = 0;

function result(pass, desc, diag) {
  if (!pass) failed++;
  console.log(`RESULT ${pass ? 0 : 1} ${desc}`);
  if (!pass && diag) for (const l of String(diag).split("\n")) console.log(`# ${l}`);
}

async function check(desc, fn) {
  try {
    const r = await fn();
    result(r !== false, desc, r === false ? "condition false" : "");
  } catch (e) {
    result(false, desc, e.message.split("\n").slice(0, 6).join("\n"));
  }
}

const lines = (page, sel = ".line") => page.locator("#output").locator(sel).allTextContents();
const count = async (page, text) => (await lines(page)).filter((t) => t === text).length;
const waitLine = (page, text, timeout = WAIT) =>
  page.waitForFunction(
    (t) => [...document.querySelectorAll("#output .line")].some((l) => l.textContent === t), text, { timeout });
const online = (page) => page.waitForSelector("#conn[data-state=online]", { timeout: WAIT });

async function say(page, text) {
  await page.fill("#cmd", "say " + text);
  await page.press("#cmd", "Enter");
}

async function login(context, name) {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.log(`# ${name} page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") console.log(`# ${name} console: ${m.text()}`); });
  await page.goto(HTTP + "/");
  await page.click(`#demo-chars button:text-is("${name}")`, { timeout: WAIT });
  await online(page);
  return page;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let alice, bob;
try {
  const ctxA = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const ctxB = await browser.newContext({ viewport: { width: 1100, height: 700 } });

  await check("Alice logs in as a demo character and the page goes online", async () => {
    alice = await login(ctxA, "Alice");
  });
  await check("Bob logs in in another browser context", async () => {
    bob = await login(ctxB, "Bob");
  });
  if (!alice || !bob) throw new Error("no pages to test");

  await check("the room panel shows the room, its exits as buttons and who is here", async () => {
    await alice.waitForFunction(() => document.querySelectorAll("#exits button.exit").length > 0 &&
      [...document.querySelectorAll("#here li")].some((l) => l.textContent === "Bob"), null, { timeout: WAIT });
    const name = await alice.textContent("#room-name");
    return name !== "" && name !== "Somewhere";
  });
  await check("the vitals bar shows hp from Score", async () => {
    await alice.waitForFunction(() => /^\d+ \/ \d+$/.test(document.querySelector("#hp-text").textContent),
      null, { timeout: WAIT });
    const w = await alice.$eval("#hp-fill", (e) => e.style.width);
    return w.endsWith("%") && parseFloat(w) > 0;
  });

  // One says hello, the other shows it.
  await say(alice, "hello from the browser");
  await check("Bob's page shows Alice's hello", () => waitLine(bob, "Alice says, 'hello from the browser'"));
  await check("Alice's page shows her own text (text_self)", () => waitLine(alice, "You say, 'hello from the browser'"));
  await check("say lines are coloured as speech", async () =>
    (await bob.locator(".line.ev-say").count()) >= 1 &&
    (await bob.$eval(".line.ev-say", (e) => getComputedStyle(e).color)) !==
    (await bob.$eval(".line.ev-notice, .line.ev-room", (e) => getComputedStyle(e).color)));
  await check("the input line keeps a history (up arrow)", async () => {
    await alice.press("#cmd", "ArrowUp");
    return (await alice.inputValue("#cmd")) === "say hello from the browser";
  });
  await alice.fill("#cmd", "");

  // Hostile text (issue 15): markup in what another player says is shown as
  // text, never parsed: no element is made and no script runs, on either page.
  const xss = "<img src=x onerror=window.__xss=1><script>window.__xss=2</script><b>bold</b>";
  await say(alice, xss);
  await check("an HTML payload in a say is shown literally on Bob's page", () => waitLine(bob, `Alice says, '${xss}'`));
  await check("and made no element and ran no script on either page", async () => {
    for (const [name, page] of [["Alice", alice], ["Bob", bob]]) {
      const bad = await page.evaluate(() => ({
        xss: window.__xss,
        img: document.querySelectorAll("img[src='x'], script:not([src]), b").length,
      }));
      if (bad.xss !== undefined || bad.img !== 0) throw new Error(`${name}: ${JSON.stringify(bad)}`);
    }
    return true;
  });

  // Reload: first with a gap for sure (Bob away while Alice talks), then a
  // plain reload racing Alice's words.
  for (let i = 1; i <= 3; i++) await say(alice, `r${i}`);
  await waitLine(bob, "Alice says, 'r3'");
  await bob.goto("about:blank");
  for (let i = 4; i <= 7; i++) await say(alice, `r${i}`);
  await waitLine(alice, "You say, 'r7'");
  await bob.goto(HTTP + "/");
  await check("Bob's page comes back online after leaving and returning", () => online(bob));
  const reload = bob.reload();
  for (let i = 8; i <= 12; i++) {
    await say(alice, `r${i}`);
    await new Promise((r) => setTimeout(r, 60));
  }
  await reload;
  await check("Bob's page resumes after a reload", async () => {
    await online(bob);
    await waitLine(bob, "Alice says, 'r12'");
  });
  await check("no line was lost or duplicated across the reloads", async () => {
    const all = await lines(bob);
    const said = all.filter((t) => /^Alice says, 'r\d+'$/.test(t));
    const want = Array.from({ length: 12 }, (_, i) => `Alice says, 'r${i + 1}'`);
    if (JSON.stringify(said) !== JSON.stringify(want)) throw new Error("got " + JSON.stringify(said));
    if ((await count(bob, "Alice says, 'hello from the browser'")) !== 1) throw new Error("hello not exactly once");
  });
  await check("the page did not report missed events", async () => {
    const all = await lines(bob, ".line.ev-notice");
    return !all.some((t) => /could not be replayed/.test(t));
  });

  // Ambiguous command: clickable candidates that re-send with the ref.
  await alice.fill("#cmd", "get small");
  await alice.press("#cmd", "Enter");
  await check("an ambiguous command shows clickable candidates", async () => {
    await alice.waitForSelector(".line.ev-cand button.candidate", { timeout: WAIT });
    return (await alice.locator(".line.ev-cand button.candidate").count()) >= 2;
  });
  const ref = await alice.locator(".line.ev-cand button.candidate").first().getAttribute("data-ref");
  await alice.locator(".line.ev-cand button.candidate").first().click();
  await check(`clicking a candidate sends the command with its ref (${ref})`, () => waitLine(alice, `> get ${ref}`));
  await check("and the world answers it", () =>
    alice.waitForFunction(() => [...document.querySelectorAll("#output .line.ev-item")]
      .some((l) => /^You get /.test(l.textContent)), null, { timeout: WAIT }));

  // Exit buttons move.
  await alice.click("#exits button.exit[data-dir=north]", { timeout: WAIT });
  await check("clicking the north exit moves Alice: the room panel shows the new room", () =>
    alice.waitForFunction((n) => document.querySelector("#room-name").textContent === n,
      process.env.NORTH_NAME, { timeout: WAIT }));
  await check("Bob sees Alice leave north", () => waitLine(bob, "Alice leaves north."));

  // Someone unseen (docs/protocol.md): an invisible Alice's say reaches her as
  // her own private copy first, then as the room's "Someone says"; her page
  // shows the line once.
  const sql = (q) => execFileSync("psql", [process.env.WR_DATABASE_URL, "-XAtqc", q]).toString().trim();
  sql("UPDATE characters SET flags = '{invisible}' WHERE name = 'Alice'");
  await say(alice, "unseen 1");
  await say(alice, "unseen 2");
  await check("an invisible Alice's page shows her own say once, not the room's 'Someone' copy", async () => {
    await waitLine(alice, "You say, 'unseen 2'");
    const all = await lines(alice);
    const mine = all.filter((t) => t === "You say, 'unseen 1'").length;
    const someone = all.filter((t) => t === "Someone says, 'unseen 1'").length;
    if (mine !== 1 || someone !== 0) throw new Error(`own ${mine}, Someone ${someone}`);
  });
  sql("UPDATE characters SET flags = '{}' WHERE name = 'Alice'");

  const mode = await alice.evaluate(() => document.body.dataset.commands || "none");
  console.log(`# commands went over: ${mode}`);

  const dir = process.env.ARTIFACT_DIR;
  mkdirSync(dir, { recursive: true });
  await check("a screenshot is saved", async () => {
    const path = join(dir, "web-client-alice.png");
    await alice.screenshot({ path, fullPage: true });
    await bob.screenshot({ path: join(dir, "web-client-bob.png"), fullPage: true });
    console.log(`# screenshot: ${path}`);
  });
} catch (e) {
  result(false, "the browser session ran to the end", e.stack);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
