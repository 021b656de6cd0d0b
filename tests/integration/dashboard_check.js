// Drives the dashboard in a real headless Chromium (Debian's chromium,
// playwright-core): log in with a token, open the running job from the jobs
// list, watch its log lines appear, see the verdict and the failed test, the
// agents page, and a refused token; a slow job page (its answer held by a
// route handler) replaces the previous page at once with a loading line, and
// its late answer is dropped once the user has moved on. Writes a screenshot
// of the job page and one of the fleet page; reruns the failed job from its
// page and cancels the rerun. With SERVICE_JOB (a finished job with a service "web"),
// its service's log is shown apart from the task's own under its tab.
// Usage: node dashboard_check.js URL TOKEN JOB SCREENSHOT [SERVICE_JOB]
"use strict";
const path = require("path");
const { execFileSync } = require("child_process");
const tools = process.env.ARENA_TOOLS_DIR || "/opt/arena-tools";
const { chromium } = require(path.join(tools, "node_modules", "playwright-core"));

const [url, token, job, screenshot, serviceJob] = process.argv.slice(2);

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// As a logged-in user: a bad image name's error beside its field; a job
// of one suite on amd64 and arm64 from the form, its log streaming, a
// timeline bar for each architecture (screenshot), Rerun failed making a
// job of arm64 only; a POST without the session's CSRF token refused.
async function submitFromForm(page, screenshot) {
  await page.click("#nav-submit");
  await page.waitForSelector("#submit-form", { timeout: 10000 });
  await page.check('input[name="arch"][value="arm64"]');
  await page.fill("#f-suites", 'unit=echo unit-on-$(uname -m); sleep 2; [ "$(uname -m)" = x86_64 ]');
  await page.fill("#f-image", "Bad Image!!");
  await page.click("#submit-job");
  await page.waitForFunction(() => document.getElementById("error-image").textContent.length > 0,
    null, { timeout: 10000 });
  const imageError = await page.textContent("#error-image");
  check(imageError.includes("is not a valid reference"), "the bad image's error beside it: " + imageError);
  console.log("ok - a bad image name's error is shown beside the image field: " + imageError);
  await page.fill("#f-image", "arena-test/busybox:{arch}");
  await page.click("#submit-job");
  await page.waitForSelector("#verdict", { timeout: 15000 });
  const formJob = decodeURIComponent(page.url().split("#/jobs/")[1]);
  await page.waitForFunction(() => (document.getElementById("log") || {}).textContent?.includes("unit-on-"),
    null, { timeout: 60000 });
  console.log("ok - the form's job opened and its log streams: " + formJob);
  await page.waitForFunction(() => document.getElementById("verdict").textContent.trim() === "failed",
    null, { timeout: 90000 });
  await page.waitForFunction(() => document.querySelectorAll("svg.timeline rect.bar").length >= 2,
    null, { timeout: 15000 });
  const titles = await page.$$eval("svg.timeline rect.bar title", (ts) => ts.map((t) => t.textContent));
  check(titles.some((t) => t.startsWith("amd64 unit: passed")) && titles.some((t) => t.startsWith("arm64 unit: failed")),
    "a timeline bar for each architecture: " + titles.join(" | "));
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-multiarch.png"), fullPage: true });
  console.log("ok - the timeline has a bar for each architecture: " + titles.join(" | "));
  const refused = await page.evaluate(async (id) =>
    (await fetch(`/api/v1/jobs/${id}/rerun`, { method: "POST", body: "{}" })).status, formJob);
  check(refused === 403, "a POST without the CSRF token was answered " + refused);
  console.log("ok - a session's POST without its CSRF token is refused (403)");
  await page.click("#rerun-failed");
  await page.waitForSelector("#rerun-of", { timeout: 10000 });
  const archs = await page.$$eval("table.matrix th", (ths) => ths.map((t) => t.textContent.trim()).filter(Boolean));
  check(archs.join(",") === "arm64", "rerun failed runs arm64 only: " + archs.join(","));
  console.log("ok - Rerun failed makes a job of the failed suite on arm64 only");
  return formJob;
}

async function loginAs(page, url, user, password) {
  await page.goto(url + "/#/login", { timeout: 15000 });
  await page.waitForSelector("#password-form", { timeout: 10000 });
  await page.evaluate(() => { document.getElementById("password-error").textContent = ""; });
  await page.fill("#username", user);
  await page.fill("#password", password);
  await page.click("#password-form button");
}

// A submitter's session cannot open another's job; five wrong passwords
// lock a user, even against the right one.
async function submitterAndLockout(browser, url, job) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  await loginAs(page, url, process.env.SUB_USER, process.env.SUB_PASSWORD);
  await page.waitForSelector("#jobs", { timeout: 10000 });
  check(await page.$(`tr[data-job="${job}"]`) === null, "a submitter's jobs list shows another's job");
  await page.goto(url + "/#/jobs/" + job, { timeout: 15000 });
  await page.waitForSelector("p.error", { timeout: 10000 });
  const denied = await page.textContent("p.error");
  check(denied.includes("submitted by another"), "another's job page: " + denied);
  console.log("ok - a submitter's session cannot see another's job: " + denied);
  for (let i = 1; i <= 5; i++) {
    await loginAs(page, url, process.env.LOCK_USER, "wrong-password-" + i);
    await page.waitForFunction(() => document.getElementById("password-error").textContent.length > 0,
      null, { timeout: 10000 });
  }
  await loginAs(page, url, process.env.LOCK_USER, process.env.LOCK_PASSWORD);
  await page.waitForFunction(() => document.getElementById("password-error").textContent.includes("too many"),
    null, { timeout: 10000 });
  console.log("ok - five wrong passwords lock the user: " + await page.textContent("#password-error"));
  await context.close();
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(url + "/", { timeout: 15000 });
    await page.waitForSelector("#login-form", { timeout: 10000 });
    await page.fill("#token", "not-a-token");
    await page.click("#login-form button");
    await page.waitForFunction(() => document.getElementById("login-error").textContent.length > 0,
      null, { timeout: 10000 });
    console.log("ok - a wrong token is refused: " + await page.textContent("#login-error"));

    await page.fill("#token", token);
    await page.click("#login-form button");
    await page.waitForSelector(`tr[data-job="${job}"]`, { timeout: 10000 });
    console.log("ok - logged in; the jobs list shows " + job);
    await page.click(`tr[data-job="${job}"]`);
    await page.waitForSelector("#verdict", { timeout: 10000 });
    await page.waitForFunction(() => (document.getElementById("log") || {}).textContent?.includes("first-line"),
      null, { timeout: 20000 });
    const verdictWhileFirst = (await page.textContent("#verdict")).trim();
    check(verdictWhileFirst === "running",
      `the first log line should appear while the job runs, verdict was "${verdictWhileFirst}"`);
    console.log("ok - first log line shown while the job is running");
    // The job waits for this (a file in its container) before it goes on,
    // so a slow browser start cannot let it end before the page has looked.
    const containers = execFileSync("docker", ["ps", "-q", "--filter", `label=arena.job=${job}`])
      .toString().split("\n").filter((id) => id.length > 0);
    check(containers.length === 1, "one running container for the job: " + containers.join(","));
    execFileSync("docker", ["exec", containers[0], "touch", "/tmp/go"]);
    await page.waitForFunction(() => document.getElementById("log").textContent.includes("second-line"),
      null, { timeout: 20000 });
    await page.waitForFunction(() => document.getElementById("verdict").textContent.trim() === "failed",
      null, { timeout: 20000 });
    console.log("ok - the log grew to the second line and the verdict turned to failed");
    await page.waitForSelector("#results", { timeout: 10000 });
    const results = await page.textContent("#results");
    check(results.includes("checkout::total") && results.includes("off by one"),
      "the failed test and its message are listed: " + results);
    check((await page.textContent("#test-counts")).includes("1 failed"), "test counts");
    console.log("ok - per-test results show the failure");
    const digest = await page.getAttribute("code.digest", "title");
    check(/sha256:[0-9a-f]{64}/.test(digest || ""), "the attempt shows the image digest it ran: " + digest);
    console.log("ok - the attempt row shows the image digest it ran");
    await page.waitForSelector("svg.timeline rect.bar.s-failed", { timeout: 10000 });
    const bar = await page.textContent("svg.timeline rect.bar title");
    check(bar.includes("command: failed"), "the timeline's bar names the attempt and its end: " + bar);
    const caption = await page.getAttribute("svg.timeline", "aria-label");
    check(/^1 attempt on 1 slot over /.test(caption || ""), "the timeline's text alternative: " + caption);
    console.log("ok - the timeline draws the attempt as a failed bar with a text alternative: " + caption);
    await page.screenshot({ path: screenshot, fullPage: true });

    // A test's history from its row in the results, then the fleet.
    await page.click('a.test-link:has-text("checkout::total")');
    await page.waitForSelector("svg.history rect.bar.s-failed", { timeout: 10000 });
    const runCaption = await page.getAttribute("svg.history", "aria-label");
    check(/^1 run in 1 job: 1 failed; flaky in 0 \(0%\)/.test(runCaption || ""),
      "the test history's text alternative: " + runCaption);
    check((await page.textContent("#history-runs")).includes(job), "the run's job is listed");
    console.log("ok - a test's history draws its run as a failed bar: " + runCaption);
    await page.click("#nav-fleet");
    await page.waitForSelector('figure.fleet[data-arch="amd64"] svg.slots path.busy', { timeout: 10000 });
    const fleetCaption = await page.textContent('figure.fleet[data-arch="amd64"] figcaption');
    check(/^amd64: 1 slot on 1 agent now; busy [01] to 1 \(/.test(fleetCaption),
      "the fleet picture's text alternative: " + fleetCaption);
    const sample = await page.textContent('figure.fleet[data-arch="amd64"] svg.slots rect.hover title');
    check(/amd64: \d of 1 slots busy, 0 unavailable, \d queued/.test(sample), "a sample's hover text: " + sample);
    await page.screenshot({ path: screenshot.replace(/\.png$/, "-fleet.png"), fullPage: true });
    console.log("ok - the fleet page draws amd64's slots and queue: " + fleetCaption);

    await page.click("#nav-agents");
    await page.waitForSelector("#agents", { timeout: 10000 });
    const agents = await page.textContent("#agents");
    check(agents.includes("online") && agents.includes("amd64") && agents.includes("healthy"),
      "agents page: " + agents);
    console.log("ok - agents page lists the agent online and healthy with its platforms");

    // A slow job page: every answer to GET /api/v1/jobs/JOB is held 3 s.
    const jobPath = "/api/v1/jobs/" + job;
    const slow = (u) => u.pathname === jobPath;
    let held = 0;
    await page.route(slow, async (route) => {
      held++;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await route.continue().catch(() => { /* the page has gone */ });
    });
    await page.click("#nav-jobs");
    await page.waitForSelector(`tr[data-job="${job}"]`, { timeout: 10000 });
    await page.click(`tr[data-job="${job}"]`);
    await page.waitForSelector("#loading", { timeout: 1000 });
    check(await page.$("#jobs") === null, "the jobs list stays on screen while the job page loads");
    check(await page.$("#verdict") === null, "a verdict is shown before the job has loaded");
    const loading = await page.textContent("#loading");
    check(loading.includes("Loading job") && loading.includes(job), "loading line: " + loading);
    console.log("ok - opening a slow job page replaces the jobs list at once: " + loading.trim());
    await page.waitForSelector("#verdict", { timeout: 15000 });
    check(held >= 1, "the job request did not go through the slow route");
    console.log("ok - the job page replaces the loading line when its answer comes");

    // Leave the slow page before its answer comes: the late answer is dropped.
    await page.click("#nav-jobs");
    await page.waitForSelector(`tr[data-job="${job}"]`, { timeout: 10000 });
    const before = held;
    await page.click(`tr[data-job="${job}"]`);
    await page.waitForSelector("#loading", { timeout: 1000 });
    await page.click("#nav-agents");
    await page.waitForSelector("#agents", { timeout: 10000 });
    await page.waitForTimeout(4500);  // the held answer has been released by now
    check(held > before, "the second job request did not go through the slow route");
    check(await page.$("#verdict") === null && await page.$("#agents") !== null,
      "a late answer for the job page the user left replaced the agents page");
    console.log("ok - a late answer for a page already left is dropped; the agents page stays");
    await page.unroute(slow);

    // Rerun what failed from the job page, then cancel the rerun there.
    await page.goto(url + "/#/jobs/" + job, { timeout: 15000 });
    await page.waitForSelector("#rerun-failed", { timeout: 10000 });
    check(await page.$("#cancel") === null, "an ended job offers no cancel");
    await page.click("#rerun-failed");
    await page.waitForSelector("#rerun-of", { timeout: 10000 });
    check((await page.textContent("#rerun-of")).includes(job), "the rerun's page names its job");
    const rerun = decodeURIComponent(page.url().split("#/jobs/")[1]);
    check(rerun !== job && rerun.startsWith("job-"), "the rerun's own page opened: " + page.url());
    await page.waitForSelector("#cancel", { timeout: 10000 });
    await page.click("#cancel");
    await page.waitForFunction(() => document.getElementById("verdict").textContent.trim() === "cancelled",
      null, { timeout: 20000 });
    await page.goto(url + "/#/jobs/" + job, { timeout: 15000 });
    await page.waitForSelector("#reruns", { timeout: 10000 });
    check((await page.textContent("#reruns")).includes(rerun), "the job names its rerun");
    console.log("ok - rerun failed from the job page opens the new job, which names its job and is cancelled there: " + rerun);

    if (serviceJob) {
      await page.goto(url + "/#/jobs/" + serviceJob, { timeout: 15000 });
      await page.waitForFunction(() => (document.getElementById("log") || {}).textContent?.includes("task-says-hi"),
        null, { timeout: 15000 });
      await page.click('button[data-channel="service:web"]');
      await page.waitForFunction(() => document.getElementById("log").textContent.includes("web-says-hi"),
        null, { timeout: 15000 });
      check(!(await page.textContent("#log")).includes("task-says-hi"), "the service tab shows the task's log");
      console.log("ok - a service's log has its own tab, apart from the task's");
    }
    if (process.env.DASH_USER) {
      // Log out of the token; log in with a user's password: a session cookie.
      await page.click("#logout");
      await page.waitForSelector("#password-form", { timeout: 10000 });
      await page.fill("#username", process.env.DASH_USER);
      await page.fill("#password", "not-the-password");
      await page.click("#password-form button");
      await page.waitForFunction(() => document.getElementById("password-error").textContent.length > 0,
        null, { timeout: 10000 });
      check((await page.textContent("#password-error")).includes("wrong user name or password"),
        "a wrong password's message: " + await page.textContent("#password-error"));
      await page.fill("#password", process.env.DASH_PASSWORD);
      await page.click("#password-form button");
      await page.waitForSelector(`tr[data-job="${job}"]`, { timeout: 10000 });
      const who = await page.textContent("#who");
      check(who.includes(process.env.DASH_USER + " (operator)"), "the header names the user: " + who);
      const cookies = await context.cookies();
      const session = cookies.find((c) => c.name === "__Host-arena_session");
      check(session && session.httpOnly && session.secure && session.sameSite === "Strict",
        "the session cookie is HttpOnly, Secure, SameSite=Strict: " + JSON.stringify(session));
      check(await page.evaluate(() => localStorage.getItem("arenaToken")) === null, "no token kept");
      check(await page.evaluate(() => document.cookie.includes("arena_session")) === false,
        "the script cannot read the session cookie");
      console.log("ok - a wrong password is refused; a password login opens the jobs as " + who.trim());
      await submitFromForm(page, screenshot);
      await page.click("#logout");
      await page.waitForSelector("#password-form", { timeout: 10000 });
      const after = await page.evaluate(async () => (await fetch("/api/v1/jobs")).status);
      check(after === 401, "the session still works after logout: " + after);
      console.log("ok - logout ends the session on the controller (the next call is 401)");
      await submitterAndLockout(browser, url, job);
    }
    check(errors.length === 0, "page errors: " + errors.join("; "));
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error("FAIL: " + e.message);
  process.exit(1);
});
