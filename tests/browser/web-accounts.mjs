// Accounts in the web client (docs/accounts.md), in headless Chromium against
// real services started by web-accounts.sh: a new visitor signs up (after a
// taken name is refused with a clear message), creates a character, plays a
// few commands, reloads (still logged in, resumed), logs out, fails with a
// wrong password and logs back in.  Prints "RESULT <0|1> <description>"
// lines like web-client.mjs.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const HTTP = process.env.HTTP;
const WAIT = 20000;
const PASSWORD = "green hills far away";
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

const lines = (page) => page.locator("#output .line").allTextContents();
const waitLine = (page, re) =>
  page.waitForFunction((s) => [...document.querySelectorAll("#output .line")].some((l) => new RegExp(s).test(l.textContent)),
    re.source, { timeout: WAIT });
const online = (page) => page.waitForSelector("#conn[data-state=online]", { timeout: WAIT });
const errorIs = (page, sel, re) =>
  page.waitForFunction(([s, r]) => new RegExp(r).test(document.querySelector(s).textContent), [sel, re.source],
    { timeout: WAIT });

async function typeCommand(page, text) {
  await page.fill("#cmd", text);
  await page.press("#cmd", "Enter");
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let page;
try {
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  page = await ctx.newPage();
  page.on("pageerror", (e) => console.log(`# page error: ${e.message}`));
  await page.goto(HTTP + "/");

  await check("a new visitor gets the log-in page, and only it (no empty game panel)", async () => {
    await page.waitForSelector("#account-form", { state: "visible", timeout: WAIT });
    return !(await page.isVisible("#game")) && !(await page.isVisible("#room-name")) &&
      !(await page.isVisible("#hp-text")) && !(await page.isVisible("#picker"));
  });
  await check("the name field has the focus (keyboard first)", async () =>
    (await page.evaluate(() => document.activeElement && document.activeElement.id)) === "account-name");

  // A taken name: the world's Alice.
  await page.fill("#account-name", "Alice");
  await page.fill("#account-password", PASSWORD);
  await page.click("#signup-button");
  await check("a taken name shows a clear message", () => errorIs(page, "#account-error", /the name "Alice" is taken/));
  await page.fill("#account-password", "short");
  await page.fill("#account-name", "Newbie");
  await page.click("#signup-button");
  await check("a weak password shows a clear message", () => errorIs(page, "#account-error", /at least 8 characters/));

  await page.fill("#account-password", PASSWORD);
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter"); // focus is on "Sign up" now
  await check("signing up (keyboard only) opens the character picker", async () => {
    await page.waitForSelector("#picker", { state: "visible", timeout: WAIT });
    return (await page.textContent("#picker-account")) === "Newbie" && !(await page.isVisible("#login"));
  });
  await check("with no character yet, the new-character field has the focus", async () =>
    (await page.evaluate(() => document.activeElement && document.activeElement.id)) === "char-name");
  await page.fill("#char-name", "Alice");
  await page.press("#char-name", "Enter");
  await check("a taken character name shows a clear message", () => errorIs(page, "#picker-error", /is taken/));
  await page.fill("#char-name", "Sprout");
  await page.press("#char-name", "Enter");
  await check("the new character is listed", () =>
    page.waitForSelector('#char-list button.pick-char[data-name="Sprout"]', { timeout: WAIT }));
  await page.keyboard.press("1");
  await check("pressing 1 plays the first character: the game goes online", () => online(page));

  await typeCommand(page, "look");
  await check("look: the room panel shows the start room", () =>
    page.waitForFunction((n) => document.querySelector("#room-name").textContent === n, process.env.START_NAME,
      { timeout: WAIT }));
  await typeCommand(page, "say hello, I am new here");
  await check("say: the page shows it", () => waitLine(page, /^You say, 'hello, I am new here'$/));
  await typeCommand(page, "inventory");
  await check("inventory: the starting kit is there", () => waitLine(page, /bread/));

  await page.reload();
  await check("after a reload the page is still logged in and online", async () => {
    await online(page);
    return await page.isVisible("#game") && !(await page.isVisible("#login"));
  });
  await check("and resumed: the lines are there, once each", async () => {
    const all = await lines(page);
    return all.filter((t) => t === "You say, 'hello, I am new here'").length === 1;
  });
  await typeCommand(page, "say still here");
  await check("and playing goes on", () => waitLine(page, /^You say, 'still here'$/));

  await page.click("#logout");
  await check("log out returns to the log-in page and forgets the account", async () => {
    await page.waitForSelector("#account-form", { state: "visible", timeout: WAIT });
    return !(await page.isVisible("#game")) &&
      (await page.evaluate(() => localStorage.getItem("wr.account"))) === null;
  });
  await page.reload();
  await check("a reload after logging out stays logged out", () =>
    page.waitForSelector("#account-form", { state: "visible", timeout: WAIT }));

  await page.fill("#account-name", "newbie");
  await page.fill("#account-password", "not my password");
  await page.press("#account-password", "Enter");
  await check("a wrong password shows a clear message", () => errorIs(page, "#account-error", /wrong name or password/));
  await page.fill("#account-password", PASSWORD);
  await page.press("#account-password", "Enter");
  await check("logging back in shows the character picker with Sprout", () =>
    page.waitForSelector('#char-list button.pick-char[data-name="Sprout"]', { timeout: WAIT }));
  await page.keyboard.press("1");
  await check("and Sprout plays again", async () => {
    await online(page);
    await typeCommand(page, "say back again");
    await waitLine(page, /^You say, 'back again'$/);
  });

  const dir = process.env.ARTIFACT_DIR;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, "web-accounts.png"), fullPage: true });
  console.log(`# screenshot: ${join(dir, "web-accounts.png")}`);
} catch (e) {
  result(false, "the browser session ran to the end", e.stack);
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
