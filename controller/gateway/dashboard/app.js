// Arena's dashboard: plain JavaScript over the REST API (/api/v1), no build
// step. A user logs in with a name and password: the session is an HttpOnly
// cookie the script never sees, and the session's CSRF token (kept in this
// tab's sessionStorage) goes out as X-CSRF-Token on every request that
// changes something. An API token (automation, or the controller's
// admin.token) still works: it lives in localStorage and goes out only as
// an Authorization header to this controller.
"use strict";

const view = document.getElementById("view");
let timer = null;  // the current view's refresh
// Every navigation (and every re-render it starts) takes a new number; an
// answer that arrives for an older number is for a page the user has left
// and is dropped.
let generation = 0;
let shown = null;  // the hash whose page is on screen (or loading)

function current(gen) { return gen === generation; }

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function token() { return localStorage.getItem("arenaToken") || ""; }
function csrf() { return sessionStorage.getItem("arenaCsrf") || ""; }
function loggedIn() { return token() !== "" || csrf() !== ""; }

function forgetLogin() {
  localStorage.removeItem("arenaToken");
  sessionStorage.removeItem("arenaCsrf");
  sessionStorage.removeItem("arenaUser");
}

async function api(path, options = {}) {
  const auth = token() ? { Authorization: "Bearer " + token() }
    : (options.method || "GET") !== "GET" ? { "X-CSRF-Token": csrf() } : {};
  const headers = Object.assign(auth, options.headers || {});
  const res = await fetch(path, Object.assign({ credentials: "same-origin" }, options, { headers }));
  if (!res.ok) {
    let message = res.statusText;
    try { message = (await res.json()).error || message; } catch (e) { /* not JSON */ }
    if (res.status === 401 && !options.login) {  // no token or session: back to the login form
      forgetLogin();
      if (location.hash !== "#/login") location.hash = "#/login";
    }
    throw new Error(message);
  }
  return options.raw ? res.arrayBuffer() : res.json();
}

// A session this browser already has (another tab, a reload): its CSRF token.
async function resumeSession() {
  if (loggedIn()) return;
  try {
    const info = await api("/api/v1/session", { login: true });
    sessionStorage.setItem("arenaCsrf", info.csrf_token);
    sessionStorage.setItem("arenaUser", `${info.user} (${info.role})`);
  } catch (e) { /* no session: the login form */ }
}

function stateName(state) { return String(state || "").toLowerCase(); }

function badge(state, extra) {
  const s = stateName(state);
  return `<span class="badge s-${esc(s)}">${esc(s.replace("_", " "))}</span>` + (extra || "");
}

function ago(ms) {
  ms = Number(ms || 0);
  if (!ms) return "-";
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 60) return `${Math.max(s, 0)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

function duration(start, end) {
  start = Number(start || 0);
  if (!start) return "-";
  const ms = (Number(end || 0) || Date.now()) - start;
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60000)}m${Math.round((ms % 60000) / 1000)}s`;
}

function taskName(t) {
  if (t.kind === "TASK_KIND_SUITE") return t.suite;
  if (t.kind === "TASK_KIND_TEST") return t.test_id;
  if (t.kind === "TASK_KIND_LIST") return "(list tests)";
  return "(command)";
}

function terminal(state) { return !["QUEUED", "RUNNING", "STATE_UNSPECIFIED", ""].includes(state || ""); }

function showError(e) { view.innerHTML = `<p class="error">${esc(e.message)}</p>`; }

function params() {
  const q = location.hash.split("?")[1] || "";
  return new URLSearchParams(q);
}

// ---- login ----
function renderLogin() {
  document.getElementById("logout").hidden = true;
  document.getElementById("who").textContent = "";
  view.innerHTML = `<form class="login" id="password-form">
      <h1>Log in</h1>
      <input id="username" autocomplete="username" placeholder="user name">
      <input id="password" type="password" autocomplete="current-password" placeholder="password">
      <button type="submit">Log in</button>
      <p id="password-error" class="error"></p>
    </form>
    <form class="login" id="login-form">
      <p class="muted">Or an API token (<code>arenactl token create</code>, or the controller's admin.token).</p>
      <input id="token" type="password" autocomplete="off" placeholder="token">
      <button type="submit">Log in with the token</button>
      <p id="login-error" class="error"></p>
    </form>`;
  document.getElementById("password-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const info = await api("/api/v1/login", {
        method: "POST", login: true, headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: document.getElementById("username").value.trim(),
          password: document.getElementById("password").value }),
      });
      forgetLogin();
      sessionStorage.setItem("arenaCsrf", info.csrf_token);
      sessionStorage.setItem("arenaUser", `${info.user} (${info.role})`);
      location.hash = "#/jobs";
    } catch (e) {
      document.getElementById("password-error").textContent = e.message;
    }
  });
  document.getElementById("login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    forgetLogin();
    localStorage.setItem("arenaToken", document.getElementById("token").value.trim());
    try {
      await api("/api/v1/jobs?page_size=1");
      location.hash = "#/jobs";
    } catch (e) {
      localStorage.removeItem("arenaToken");
      document.getElementById("login-error").textContent = e.message;
    }
  });
}

// ---- jobs ----
async function renderJobs(gen) {
  const p = params();
  const q = new URLSearchParams({ page_size: "25" });
  for (const key of ["state", "owner", "arch", "page_token"]) if (p.get(key)) q.set(key, p.get(key));
  const data = await api("/api/v1/jobs?" + q);
  if (!current(gen)) return;
  const filters = `<form class="filters" id="filters">
      <select name="state"><option value="">any state</option>${
        ["queued", "running", "passed", "failed", "error", "cancelled", "timed_out"].map((s) =>
          `<option ${p.get("state") === s ? "selected" : ""}>${s}</option>`).join("")}</select>
      <input name="owner" placeholder="submitter" value="${esc(p.get("owner") || "")}">
      <input name="arch" placeholder="architecture" value="${esc(p.get("arch") || "")}">
      <button>Filter</button></form>`;
  const rows = (data.jobs || []).map((j) => {
    const archs = [...new Set((j.tasks || []).map((t) => t.arch))].join(", ");
    const what = (j.spec.command || []).join(" ") ||
      (j.spec.suites || []).map((s) => s.name).join(", ") ||
      (j.spec.test_command ? "tests: " + j.spec.test_command : "");
    return `<tr class="clickable" data-job="${esc(j.id)}"><td><code>${esc(j.id)}</code></td>
      <td>${badge(j.state)}</td><td>${esc(j.owner)}</td><td>${esc(archs)}</td>
      <td>${(j.tasks || []).length}</td><td>${esc(what.slice(0, 80))}</td>
      <td>${ago(j.created_unix_ms)}</td><td>${duration(j.created_unix_ms, j.finished_unix_ms)}</td></tr>`;
  }).join("");
  const next = data.next_page_token
    ? `<p><a href="#/jobs?${new URLSearchParams(Object.assign(Object.fromEntries(p), { page_token: data.next_page_token }))}">Older jobs →</a></p>` : "";
  view.innerHTML = `<h1>Jobs</h1>${filters}<table id="jobs"><tr><th>Job</th><th>State</th><th>Submitter</th>
      <th>Architectures</th><th>Tasks</th><th>What</th><th>Created</th><th>Duration</th></tr>${rows ||
      '<tr><td colspan="8" class="muted">No jobs.</td></tr>'}</table>${next}`;
  document.getElementById("filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = new URLSearchParams();
    for (const [k, v] of new FormData(ev.target)) if (v) f.set(k, v);
    location.hash = "#/jobs?" + f;
  });
  view.querySelectorAll("tr[data-job]").forEach((tr) =>
    tr.addEventListener("click", () => { location.hash = "#/jobs/" + tr.dataset.job; }));
  timer = setTimeout(route, 5000);
}

// ---- one job ----
const logState = { task: null, channel: "", offset: 0, text: "", decoder: new TextDecoder() };

function matrix(job) {
  const archs = [...new Set(job.tasks.map((t) => t.arch))];
  const names = [...new Set(job.tasks.map(taskName))];
  const cell = (t) => t ? `<td data-task="${esc(t.id)}" class="${logState.task === t.id ? "selected" : ""}">
      ${badge(t.state, t.flaky ? ' <span class="badge flaky">flaky</span>' : "")}
      ${t.quarantined ? ' <span class="badge quarantined">quarantined</span>' : ""}
      <div class="muted">${duration(t.started_unix_ms, t.finished_unix_ms)}${
        (t.attempts || []).length > 1 ? ` · ${t.attempts.length} attempts` : ""}${t.emulated ? " · emulated" : ""}</div>
      ${t.phase ? `<div class="muted phase">${esc(phaseText(t))}</div>` : ""}</td>`
    : "<td></td>";
  const rows = names.map((n) => `<tr><td class="name">${esc(n)}</td>${
    archs.map((a) => cell(job.tasks.find((t) => t.arch === a && taskName(t) === n))).join("")}</tr>`).join("");
  return `<table class="matrix"><tr><th></th>${archs.map((a) => `<th>${esc(a)}</th>`).join("")}</tr>${rows}</table>`;
}

function mib(bytes) { return (Number(bytes || 0) / 1048576).toFixed(1); }

// A running task's pull or build before its command starts.
function phaseText(t) {
  if (!t.phase) return "";
  const total = Number(t.progress_total || 0);
  const pct = total > 0 ? ` (${Math.min(100, Math.floor(100 * Number(t.progress_done || 0) / total))}%)` : "";
  return `${t.phase} ${t.phase_detail}: ${mib(t.progress_done)}${total > 0 ? " of " + mib(total) : ""} MiB${pct}`;
}

function phaseBlock(t) {
  if (!t.phase) return "";
  const total = Number(t.progress_total || 0);
  const bar = total > 0 ? `<progress max="${esc(total)}" value="${esc(Number(t.progress_done || 0))}"></progress>` : "";
  return `<p id="phase">${esc(phaseText(t))} ${bar}</p>`;
}

function shortDigest(d) {
  const at = (d || "").lastIndexOf("sha256:");
  return at < 0 ? (d || "-") : d.slice(0, at) + d.slice(at, at + 19);
}

// The logs of a task's attempt: its own, its image build's, each service's.
function logTabs(spec) {
  const channels = [["", "Log"]];
  if (spec.build) channels.push(["build", "Build"]);
  for (const s of spec.services || []) channels.push(["service:" + s.name, "Service " + s.name]);
  if (channels.length === 1) return "<h2>Log</h2>";
  return `<h2 id="log-tabs">${channels.map(([c, label]) =>
    `<button type="button" data-channel="${esc(c)}" class="${logState.channel === c ? "selected" : ""}">${esc(label)}</button>`)
    .join(" ")}</h2>`;
}

function taskDetail(task, spec) {
  if (!task) return `<p class="muted">Select a cell to see its attempts and log.</p>`;
  const attempts = (task.attempts || []).map((a, i) => `<tr><td>${i + 1}</td><td>${badge(a.state)}</td>
      <td>${terminal(a.state) ? esc(a.exit_code) : "-"}</td><td><code>${esc(a.agent_id)}</code>${a.emulated ? " (emulated)" : ""}</td>
      <td>${duration(a.started_unix_ms, a.finished_unix_ms)}</td>
      <td><code class="digest" title="${esc(a.image_digest)}">${esc(shortDigest(a.image_digest))}</code></td>
      <td>${esc(a.reason)}</td></tr>`).join("");
  const waiting = task.state === "QUEUED" && task.waiting_reason
    ? `<p>Pending: <strong id="pending">${esc(task.waiting_reason)}</strong></p>` : "";
  return `<h2>${esc(task.arch)} / ${esc(taskName(task))} ${badge(task.state)}</h2>${waiting}${phaseBlock(task)}
    <p class="muted">${esc(task.reason)}</p>
    <table><tr><th>#</th><th>State</th><th>Exit</th><th>Agent</th><th>Duration</th><th>Image</th><th>Reason</th></tr>${
      attempts || '<tr><td colspan="7" class="muted">Not started.</td></tr>'}</table>
    ${logTabs(spec || {})}<pre class="log" id="log"></pre>`;
}

function resultsTable(results) {
  if (!results.length) return "";
  const latest = {};
  for (const r of results) {
    const key = r.task_id + "|" + r.test_key;
    if (!latest[key] || latest[key].attempt_number <= r.attempt_number) latest[key] = r;
  }
  const shown = Object.values(latest).sort((a, b) =>
    (a.status === "passed") - (b.status === "passed") || a.test_key.localeCompare(b.test_key));
  const counts = {};
  for (const r of shown) counts[r.status] = (counts[r.status] || 0) + 1;
  const flaky = shown.filter((r) => r.flaky).length;
  const rows = shown.slice(0, 500).map((r) => `<tr><td>${esc(r.arch)}</td><td>${esc(r.suite)}</td>
      <td><a class="test-link" href="#/tests/${encodeURIComponent(r.test_key)}?arch=${encodeURIComponent(r.arch)}"><code>${esc(r.test_key)}</code></a></td><td>${badge(r.status, r.flaky ? ' <span class="badge flaky">flaky</span>' : "")}${
        r.quarantined ? ' <span class="badge quarantined">quarantined</span>' : ""}</td>
      <td>${esc(r.duration_ms)} ms</td><td>${esc(r.attempt_number)}</td><td>${esc(r.message)}</td></tr>`).join("");
  return `<h2>Tests</h2><p id="test-counts">${Object.entries(counts).map(([s, n]) => `${n} ${esc(s)}`).join(", ")}${
    flaky ? `, ${flaky} flaky` : ""}</p><table id="results"><tr><th>Arch</th><th>Suite</th><th>Test</th><th>Status</th>
      <th>Duration</th><th>Attempt</th><th>Message</th></tr>${rows}</table>`;
}

async function pollLog(jobId, task, gen) {
  if (!task || !task.attempt_id) return;
  if (logState.task !== task.id || logState.offset === 0) {
    Object.assign(logState, { task: task.id, offset: 0, text: "", decoder: new TextDecoder() });
  }
  const q = new URLSearchParams({ task: task.id, offset: String(logState.offset) });
  if (logState.channel) q.set("channel", logState.channel);
  const bytes = await api(`/api/v1/jobs/${encodeURIComponent(jobId)}/logs?` + q, { raw: true });
  if (!current(gen)) return;
  logState.offset += bytes.byteLength;  // offsets count bytes, not characters
  logState.text = (logState.text + logState.decoder.decode(bytes, { stream: true })).slice(-200000);
  const pre = document.getElementById("log");
  if (pre) {
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 20;
    pre.textContent = logState.text;
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  }
}

// A job's timeline as inline SVG: a row per agent slot, a bar per attempt
// from its start to its end, coloured by its state; a bar's <title> names
// the test and its duration, and the figure's caption says the same in
// words.
function timelineSvg(timeline) {
  const bars = timeline.bars || [];
  if (!bars.length) return "";
  const t0 = Number(timeline.created_unix_ms || 0);
  const end = (b) => Number(b.finished_unix_ms || 0) || Date.now();
  const span = Math.max(1, Math.max(...bars.map(end)) - t0);
  const rows = [];
  for (const b of bars) {
    const key = `${b.agent_id} · slot ${b.lane || 0}`;
    if (!rows.includes(key)) rows.push(key);
  }
  const label = 220, width = 1000, rowH = 18;
  const x = (ms) => label + ((ms - t0) / span) * (width - label);
  const shapes = bars.map((b) => {
    const row = rows.indexOf(`${b.agent_id} · slot ${b.lane || 0}`);
    const start = Number(b.started_unix_ms);
    const w = Math.max(1, x(end(b)) - x(start));
    const state = Number(b.finished_unix_ms || 0) ? stateName(b.state) : "running";
    const rerun = Number(b.attempt_number || 1) > 1 ? " rerun" : "";
    const what = `${b.arch} ${b.name}${rerun ? ` (attempt ${b.attempt_number})` : ""}: ${state}, ${duration(start, b.finished_unix_ms)}`;
    return `<rect class="bar s-${esc(state)}${rerun}" x="${x(start).toFixed(1)}" y="${row * rowH + 2}" width="${w.toFixed(1)}" height="${rowH - 4}"><title>${esc(what)}</title></rect>`;
  });
  const labels = rows.map((r, i) => `<text class="lane" x="4" y="${i * rowH + rowH - 5}">${esc(r)}</text>`);
  const height = rows.length * rowH;
  const total = duration(t0, t0 + span);
  const caption = `${plural(bars.length, "attempt")} on ${plural(timeline.lanes || rows.length, "slot")} over ${total}`;
  return `<figure id="timeline"><svg class="timeline" role="img" aria-label="${esc(caption)}" viewBox="0 0 ${width} ${height}" width="100%" height="${height}">${labels.join("")}${shapes.join("")}</svg><figcaption class="muted">${esc(caption)}; hover a bar for its test and time</figcaption></figure>`;
}

// A job's timeline, read again at most every 5 s while the job runs (a job
// of thousands of attempts re-read every second would cost the controller
// more than the picture is worth), and once more after it has ended.
const timelineCache = { job: null, at: 0, final: false, data: null };

async function jobTimeline(jobId, live) {
  const c = timelineCache;
  if (c.job !== jobId || (live && Date.now() - c.at >= 5000) || (!live && !c.final)) {
    const data = await api(`/api/v1/jobs/${encodeURIComponent(jobId)}/timeline`);
    Object.assign(c, { job: jobId, at: Date.now(), final: !live, data });
  }
  return c.data;
}

// Rerun (the same spec), rerun only what failed, cancel: each through the
// public API with the user's own token; a new job's page opens at once.
function jobActions(job) {
  const ended = terminal(job.state);
  return `<p class="actions"><button type="button" id="rerun">Rerun</button>${
    ended && job.state !== "PASSED" ? ' <button type="button" id="rerun-failed">Rerun failed</button>' : ""}${
    ended ? "" : ' <button type="button" id="cancel">Cancel</button>'} <span id="action-error" class="error"></span></p>`;
}

function bindJobActions(job) {
  const act = (id, path, body) => {
    const button = document.getElementById(id);
    if (!button) return;
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const answer = await api(`/api/v1/jobs/${encodeURIComponent(job.id)}/${path}`, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
        });
        if (answer.id !== job.id) location.hash = "#/jobs/" + answer.id;
        else route();
      } catch (e) {
        button.disabled = false;
        const error = document.getElementById("action-error");
        if (error) error.textContent = e.message;
      }
    });
  };
  act("rerun", "rerun", {});
  act("rerun-failed", "rerun", { failed_only: true });
  act("cancel", "cancel", {});
}

async function renderJob(jobId, gen) {
  const job = await api("/api/v1/jobs/" + encodeURIComponent(jobId));
  if (!current(gen)) return;
  const results = (await api(`/api/v1/jobs/${encodeURIComponent(jobId)}/results`)).results || [];
  if (!current(gen)) return;
  const timeline = await jobTimeline(jobId, !terminal(job.state));
  if (!current(gen)) return;
  const wanted = params().get("task");
  if (wanted) logState.task = wanted;
  if (!job.tasks.some((t) => t.id === logState.task)) {
    const first = job.tasks.find((t) => t.state !== "PASSED") || job.tasks[0];
    Object.assign(logState, { task: first ? first.id : null, channel: "", offset: 0, text: "" });
  }
  const task = job.tasks.find((t) => t.id === logState.task);
  const spec = job.spec;
  const what = (spec.command || []).join(" ") || (spec.suites || []).map((s) => `${s.name}: ${s.command}`).join("\n") ||
    `${spec.list_command || (spec.tests || []).join(", ")} → ${spec.test_command}`;
  const oldLog = document.getElementById("log");
  const scroll = oldLog ? oldLog.scrollTop : null;
  view.innerHTML = `<h1>Job <code>${esc(job.id)}</code> <span id="verdict">${badge(job.state)}</span></h1>
    <div class="kv"><span class="muted">Submitter</span><span>${esc(job.owner)}</span>
      <span class="muted">Image</span><code>${esc(spec.image)}</code>
      <span class="muted">Runs</span><code>${esc(what)}</code>
      <span class="muted">Created</span><span>${ago(job.created_unix_ms)}</span>
      <span class="muted">Duration</span><span>${duration(job.created_unix_ms, job.finished_unix_ms)}</span>
      ${job.reason ? `<span class="muted">Reason</span><span>${esc(job.reason)}</span>` : ""}
      ${job.rerun_of ? `<span class="muted">Rerun of</span><a id="rerun-of" href="#/jobs/${encodeURIComponent(job.rerun_of)}"><code>${esc(job.rerun_of)}</code></a>` : ""}
      ${(job.reruns || []).length ? `<span class="muted">Rerun as</span><span id="reruns">${job.reruns.map((id) =>
        `<a href="#/jobs/${encodeURIComponent(id)}"><code>${esc(id)}</code></a>`).join(" ")}</span>` : ""}</div>
    ${jobActions(job)}
    <h2>Tasks</h2>${matrix(job)}${timelineSvg(timeline)}<div id="task">${taskDetail(task, spec)}</div>${resultsTable(results)}`;
  document.getElementById("log") && (document.getElementById("log").textContent = logState.text);
  if (scroll !== null && document.getElementById("log")) document.getElementById("log").scrollTop = scroll;
  view.querySelectorAll("button[data-channel]").forEach((b) => b.addEventListener("click", () => {
    Object.assign(logState, { channel: b.dataset.channel, offset: 0, text: "" });
    clearTimeout(timer);
    refreshJob(jobId, ++generation);
  }));
  view.querySelectorAll("td[data-task]").forEach((td) => td.addEventListener("click", () => {
    Object.assign(logState, { task: td.dataset.task, channel: "", offset: 0, text: "" });
    clearTimeout(timer);
    refreshJob(jobId, ++generation);
  }));
  bindJobActions(job);
  await pollLog(jobId, task, gen);
  if (!current(gen)) return;
  const live = !terminal(job.state) || (task && !terminal(task.state));
  timer = setTimeout(() => refreshJob(jobId, gen), live ? 1000 : 10000);
}

function refreshJob(jobId, gen) {
  renderJob(jobId, gen).catch((e) => { if (current(gen)) showError(e); });
}

// ---- agents ----
async function renderAgents(gen) {
  const data = await api("/api/v1/agents");
  if (!current(gen)) return;
  const rows = (data.agents || []).map((a) => {
    const state = a.revoked ? "revoked" : !a.connected ? "lost" : a.draining ? "draining" : "online";
    const cls = { online: "s-passed", lost: "s-failed", draining: "s-error", revoked: "s-cancelled" }[state];
    const labels = Object.entries(a.labels || {}).map(([k, v]) => `${k}=${v}`).join(", ");
    // An unhealthy agent gets no new work; the problem says why.
    const health = !a.health ? `<span class="muted">-</span>` : a.health === "healthy"
      ? `<span class="badge s-passed">healthy</span>`
      : `<span class="badge s-failed">unhealthy</span> <span class="health-problem">${esc(a.health_problem)}</span>`;
    return `<tr><td><code>${esc(a.id)}</code></td><td>${esc(a.hostname)}</td>
      <td><span class="badge ${cls}">${state}</span></td><td class="health">${health}</td>
      <td>${esc(a.executor || "-")}</td>
      <td>${(a.platforms || []).map((p) => esc(p.replace("(emulated)", " (emulated)"))).join(", ")}</td>
      <td>${esc(labels)}</td><td>${esc(a.busy)} / ${esc(a.slots)}</td>
      <td>${(a.running || []).map((t) => `<code>${esc(t)}</code>`).join(" ")}</td>
      <td>${ago(a.last_seen_unix_ms)}</td></tr>`;
  }).join("");
  view.innerHTML = `<h1>Agents</h1><table id="agents"><tr><th>Agent</th><th>Host</th><th>State</th><th>Health</th><th>Executor</th><th>Platforms</th>
      <th>Labels</th><th>Slots used</th><th>Running</th><th>Last heartbeat</th></tr>${rows ||
      '<tr><td colspan="10" class="muted">No agents enrolled.</td></tr>'}</table>`;
  timer = setTimeout(route, 3000);
}

// ---- pictures: shared ----
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function clock(ms) { return new Date(Number(ms)).toISOString().slice(11, 16); }

function seconds(ms) {
  ms = Number(ms || 0);
  return ms < 1000 ? `${ms}ms` : ms < 60000 ? `${(ms / 1000).toFixed(1)}s` : `${(ms / 60000).toFixed(1)}m`;
}

// ---- fleet ----
// One architecture's samples as two inline SVG charts sharing a time axis:
// its slots (busy filled, unavailable hatched, the total as a line) and
// its queue depth (a line) with each sample's average time to start (a
// dot). Every sample has a hover column naming its numbers; the caption
// says the same in words.
function fleetSvg(arch, samples, fromMs, toMs) {
  const width = 1000, height = 110, left = 40;
  const x = (ms) => left + ((Number(ms) - fromMs) / Math.max(1, toMs - fromMs)) * (width - left);
  const n = (v) => Number(v || 0);
  const slotsTop = Math.max(1, ...samples.map((s) => n(s.slots)));
  const queueTop = Math.max(1, ...samples.map((s) => n(s.queued)));
  const waitTop = Math.max(1, ...samples.map((s) => n(s.start_wait_ms_avg)));
  const y = (v, top) => (height - 4) - (v / top) * (height - 14);
  const path = (value, top) => samples.map((s, i) =>
    `${i ? "L" : "M"}${x(s.unix_ms).toFixed(1)},${y(value(s), top).toFixed(1)}`).join("");
  const area = (value, base, top) => samples.length < 2 ? "" : `${path(value, top)}${samples.slice().reverse().map((s) =>
    `L${x(s.unix_ms).toFixed(1)},${y(base(s), top).toFixed(1)}`).join("")}Z`;
  const step = samples.length > 1 ? (x(samples[1].unix_ms) - x(samples[0].unix_ms)) : 4;
  const hover = samples.map((s) => `<rect class="hover" x="${(x(s.unix_ms) - step / 2).toFixed(1)}" y="0" width="${Math.max(1, step).toFixed(1)}" height="${height}"><title>${esc(
    `${clock(s.unix_ms)} ${arch}: ${n(s.busy)} of ${n(s.slots)} slots busy, ${n(s.unavailable)} unavailable, ${n(s.queued)} queued, ${n(s.started)} started` +
    (n(s.started) ? `, time to start ${seconds(s.start_wait_ms_avg)} avg, ${seconds(s.start_wait_ms_max)} max` : ""))}</title></rect>`).join("");
  const axis = (top, unit) => `<text class="axis" x="2" y="12">${esc(top)}${unit}</text><text class="axis" x="2" y="${height - 4}">0</text>`;
  const slots = `<svg class="fleet slots" role="img" aria-label="${esc(`${arch} slots`)}" viewBox="0 0 ${width} ${height}" width="100%" height="${height}">
    ${axis(slotsTop, " slots")}
    <path class="busy" d="${area((s) => n(s.busy), () => 0, slotsTop)}"></path>
    <path class="unavailable" d="${area((s) => n(s.busy) + n(s.unavailable), (s) => n(s.busy), slotsTop)}"></path>
    <path class="total" d="${path((s) => n(s.slots), slotsTop)}"></path>${hover}</svg>`;
  const dots = samples.filter((s) => n(s.started)).map((s) =>
    `<circle class="wait" cx="${x(s.unix_ms).toFixed(1)}" cy="${y(n(s.start_wait_ms_avg), waitTop).toFixed(1)}" r="2.5"></circle>`).join("");
  const queue = `<svg class="fleet queue" role="img" aria-label="${esc(`${arch} queue and time to start`)}" viewBox="0 0 ${width} ${height}" width="100%" height="${height}">
    ${axis(queueTop, " queued")}<text class="axis wait" x="${width - 4}" y="12" text-anchor="end">${esc(seconds(waitTop))} to start</text>
    <path class="queued" d="${path((s) => n(s.queued), queueTop)}"></path>${dots}${hover}</svg>`;
  const busy = samples.map((s) => n(s.busy));
  const started = samples.reduce((sum, s) => sum + n(s.started), 0);
  const waitSum = samples.reduce((sum, s) => sum + n(s.start_wait_ms_avg) * n(s.started), 0);
  const last = samples[samples.length - 1] || {};
  const caption = `${arch}: ${plural(n(last.slots), "slot")} on ${plural(n(last.agents), "agent")} now; busy ${Math.min(...busy)} to ${Math.max(...busy)}` +
    ` (${(busy.reduce((a, b) => a + b, 0) / Math.max(1, busy.length)).toFixed(1)} on average); queue up to ${Math.max(0, ...samples.map((s) => n(s.queued)))};` +
    ` ${plural(started, "task")} started${started ? `, ${seconds(Math.round(waitSum / started))} to start on average, ${seconds(Math.max(...samples.map((s) => n(s.start_wait_ms_max))))} at most` : ""}`;
  return `<figure class="fleet" data-arch="${esc(arch)}"><h2>${esc(arch)}</h2>${slots}${queue}
    <figcaption class="muted">${esc(caption)}. From ${esc(clock(fromMs))} to ${esc(clock(toMs))} UTC; hover for a sample.</figcaption></figure>`;
}

async function renderFleet(gen) {
  const hours = Number(params().get("hours") || 6);
  const data = await api("/api/v1/fleet/history?hours=" + encodeURIComponent(hours));
  if (!current(gen)) return;
  const samples = data.samples || [];
  // The window asked for, or less when the samples begin later (a new
  // controller), so what there is fills the width.
  const first = samples.length ? Math.min(...samples.map((s) => Number(s.unix_ms))) : Date.now();
  const toMs = Date.now(), fromMs = Math.max(toMs - hours * 3600000, first - Number(data.interval_ms || 0));
  const archs = [...new Set(samples.map((s) => s.arch))];
  const choices = [1, 6, 24, 168].map((h) =>
    `<a href="#/fleet?hours=${h}" class="${h === hours ? "selected" : ""}">${h < 168 ? h + " h" : "7 days"}</a>`).join(" ");
  const figures = archs.map((a) => fleetSvg(a, samples.filter((s) => s.arch === a), fromMs, toMs)).join("");
  view.innerHTML = `<h1>Fleet</h1><p class="range">${choices} <span class="muted">· a sample each ${
    esc(seconds(data.interval_ms))}; <span class="legend busy">busy</span> <span class="legend unavailable">unavailable</span> slots,
    the line their total; queue depth and <span class="legend wait">time to start</span> below</span></p>${
    figures || '<p class="muted" id="no-samples">No samples yet: the controller takes one a minute.</p>'}`;
  timer = setTimeout(route, 30000);
}

// ---- a test's history ----
// A test's last runs as inline SVG, oldest left: a bar per run, its height
// the run's duration, coloured by its result; the caption gives the flake
// rate.
function historySvg(history) {
  const runs = (history.runs || []).slice().reverse();
  if (!runs.length) return "";
  const width = 1000, height = 120, gap = 2;
  const took = (r) => Number(r.share_ms || 0) || Number(r.duration_ms || 0);
  const top = Math.max(1, ...runs.map(took));
  const w = Math.max(2, Math.min(40, (width - gap * runs.length) / runs.length));
  const bars = runs.map((r, i) => {
    const h = Math.max(2, (took(r) / top) * (height - 16));
    return `<rect class="bar s-${esc(r.status)}" x="${(i * (w + gap)).toFixed(1)}" y="${(height - h).toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(
      `${r.job_id} ${r.arch} attempt ${r.attempt_number || 1}: ${r.status}, ${seconds(took(r))}`)}</title></rect>`;
  }).join("");
  const counts = {};
  for (const r of runs) counts[r.status] = (counts[r.status] || 0) + 1;
  const caption = `${plural(runs.length, "run")} in ${plural(Number(history.jobs || 0), "job")}: ${
    Object.entries(counts).map(([s, c]) => `${c} ${s}`).join(", ")}; flaky in ${Number(history.flaky_jobs || 0)} (${
    Math.round(Number(history.flake_rate || 0) * 100)}%); longest ${seconds(top)}`;
  return `<figure id="history"><svg class="history" role="img" aria-label="${esc(caption)}" viewBox="0 0 ${width} ${height}" width="100%" height="${height}">
    <text class="axis" x="${width - 4}" y="12" text-anchor="end">${esc(seconds(top))}</text>${bars}</svg>
    <figcaption class="muted">${esc(caption)}; oldest left, hover a bar for its run</figcaption></figure>`;
}

async function renderTest(key, gen) {
  const arch = params().get("arch") || "";
  const q = new URLSearchParams({ runs: "50" });
  if (arch) q.set("arch", arch);
  const history = await api(`/api/v1/tests/${encodeURIComponent(key)}/history?` + q);
  if (!current(gen)) return;
  const rows = (history.runs || []).map((r) => `<tr class="clickable" data-job="${esc(r.job_id)}"><td><code>${esc(r.job_id)}</code></td>
      <td>${esc(r.arch)}</td><td>${badge(r.status)}</td><td>${seconds(r.duration_ms)}</td>
      <td>${Number(r.share_ms || 0) ? seconds(r.share_ms) : "-"}</td><td>${esc(r.attempt_number || 1)}</td>
      <td>${ago(r.finished_unix_ms)}</td></tr>`).join("");
  view.innerHTML = `<h1>Test <code>${esc(key)}</code>${arch ? ` on ${esc(arch)}` : ""}</h1>${historySvg(history)}
    <table id="history-runs"><tr><th>Job</th><th>Arch</th><th>Result</th><th>Took</th><th>Share of its run</th><th>Attempt</th><th>Ended</th></tr>${
      rows || '<tr><td colspan="7" class="muted">No runs of this test.</td></tr>'}</table>`;
  view.querySelectorAll("tr[data-job]").forEach((tr) =>
    tr.addEventListener("click", () => { location.hash = "#/jobs/" + tr.dataset.job; }));
}

// ---- submit ----
// A job from a form, sent as POST /api/v1/jobs with the user's own rights.
// The API answers a bad spec with one message; it is shown beside the
// field it names (by the words it uses), else above the button.
const fieldWords = [
  ["image", /image|pull policy/i], ["architectures", /architecture|platform/i],
  ["suites", /suite/i], ["tests", /test/i], ["command", /command/i], ["repo", /repo|commit/i],
  ["timeout", /timeout/i], ["retries", /retries|reruns/i], ["labels", /label/i], ["secrets", /secret/i],
];

async function knownArchs() {
  try {
    const agents = (await api("/api/v1/agents")).agents || [];
    const archs = agents.filter((a) => a.connected).flatMap((a) => (a.platforms || []).map((p) => p.replace("(emulated)", "")));
    if (archs.length) return [...new Set(archs)].sort();
  } catch (e) { /* a submitter: the fleet's history says which */ }
  const samples = (await api("/api/v1/fleet/history?hours=1")).samples || [];
  return [...new Set(samples.filter((s) => Number(s.agents || 0) > 0).map((s) => s.arch))].sort();
}

function pairs(text, what) {
  const out = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const at = line.indexOf("=");
    if (at <= 0) throw Object.assign(new Error(`${what}: "${line}" is not NAME=VALUE`), { field: what });
    out[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return out;
}

function specFromForm(f) {
  const value = (name) => (f.elements[name].value || "").trim();
  const spec = { architectures: [...f.querySelectorAll('input[name="arch"]:checked')].map((c) => c.value) };
  for (const key of ["image", "repo", "commit"]) if (value(key)) spec[key] = value(key);
  if (value("command")) spec.command = ["sh", "-c", value("command")];
  const suites = value("suites").split("\n").map((l) => l.trim()).filter(Boolean);
  if (suites.length) spec.suites = suites.map((line) => {
    const at = line.indexOf("=");
    if (at <= 0) throw Object.assign(new Error(`suites: "${line}" is not NAME=COMMAND`), { field: "suites" });
    return { name: line.slice(0, at).trim(), command: line.slice(at + 1).trim() };
  });
  if (value("tests")) spec.tests = value("tests").split(/[\s,]+/).filter(Boolean);
  if (value("test_command")) spec.test_command = value("test_command");
  if (value("timeout")) spec.timeout_ms = String(Math.round(Number(value("timeout")) * 60000));
  for (const key of ["retries", "reruns"]) if (value(key)) spec[key] = Number(value(key));
  const labels = pairs(f.elements.labels.value, "labels");
  if (Object.keys(labels).length) spec.required_labels = labels;
  const secrets = {};
  f.querySelectorAll(".secret-row").forEach((row) => {
    const name = row.querySelector(".secret-name").value.trim();
    if (name) secrets[name] = row.querySelector(".secret-value").value;
  });
  if (Object.keys(secrets).length) spec.secrets = secrets;
  return spec;
}

function showFieldError(message, field) {
  document.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
  const match = field || (fieldWords.find(([, words]) => words.test(message)) || [])[0];
  const slot = document.getElementById("error-" + (match || "form"));
  (slot || document.getElementById("error-form")).textContent = message;
}

async function renderSubmit(gen) {
  const archs = await knownArchs();
  if (!current(gen)) return;
  const row = (name, label, input) => `<label for="f-${name}">${label}</label><div>${input}<span class="field-error error" id="error-${name}"></span></div>`;
  const text = (name, placeholder) => `<input id="f-${name}" name="${name}" placeholder="${esc(placeholder)}">`;
  const area = (name, placeholder) => `<textarea id="f-${name}" name="${name}" rows="2" placeholder="${esc(placeholder)}"></textarea>`;
  view.innerHTML = `<h1>Submit a job</h1><form id="submit-form" class="submit" autocomplete="off">
    ${row("repo", "Repository", text("repo", "https://git.example.com/team/app.git (optional)"))}
    ${row("commit", "Commit", text("commit", "main, a tag or a SHA"))}
    ${row("image", "Image", text("image", "registry.example.com/app-tests:1.4 or name:{arch}"))}
    ${row("architectures", "Architectures", archs.map((a) =>
      `<label class="check"><input type="checkbox" name="arch" value="${esc(a)}" ${a === "amd64" ? "checked" : ""}> ${esc(a)}</label>`).join(" ") ||
      '<span class="muted">no agent connected</span>')}
    ${row("command", "Command", text("command", "pytest -q (run with sh -c)"))}
    ${row("suites", "Suites", area("suites", "one NAME=COMMAND a line"))}
    ${row("tests", "Tests", text("tests", "test ids, space or comma separated"))}
    ${row("test_command", "Test command", text("test_command", "pytest {tests}"))}
    ${row("timeout", "Timeout (minutes)", `<input id="f-timeout" name="timeout" type="number" min="1" placeholder="60">`)}
    ${row("retries", "Retries / reruns", `<input id="f-retries" name="retries" type="number" min="0" max="10" placeholder="retries"> <input id="f-reruns" name="reruns" type="number" min="0" max="10" placeholder="reruns">`)}
    ${row("labels", "Agent labels", area("labels", "one KEY=VALUE a line"))}
    ${row("secrets", "Secrets", `<div id="secret-rows"></div><button type="button" id="add-secret">Add a secret</button>`)}
    <div></div><div><button type="submit" id="submit-job">Submit</button> <span class="field-error error" id="error-form"></span></div>
  </form>`;
  const addSecret = () => {
    const div = document.createElement("div");
    div.className = "secret-row";
    div.innerHTML = '<input class="secret-name" placeholder="NAME"> <input class="secret-value" type="password" autocomplete="new-password" placeholder="value (write-only)">';
    document.getElementById("secret-rows").appendChild(div);
  };
  document.getElementById("add-secret").addEventListener("click", addSecret);
  document.getElementById("submit-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = document.getElementById("submit-job");
    button.disabled = true;
    try {
      const spec = specFromForm(ev.target);
      const job = await api("/api/v1/jobs", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ spec }),
      });
      location.hash = "#/jobs/" + job.id;
    } catch (e) {
      showFieldError(e.message, e.field);
      button.disabled = false;
    }
  });
}

// ---- routing ----
// Shows the page the hash names. Another page than the one on screen
// replaces it at once with a loading line, so a slow answer never leaves the
// previous page looking current.
async function route() {
  clearTimeout(timer);
  const gen = ++generation;
  const hash = location.hash || "#/jobs";
  if (!loggedIn() && hash !== "#/login") { location.hash = "#/login"; return; }
  document.getElementById("logout").hidden = !loggedIn();
  document.getElementById("who").textContent = sessionStorage.getItem("arenaUser") || "";
  try {
    const match = hash.match(/^#\/jobs\/([^?]+)/);
    const job = match ? decodeURIComponent(match[1]) : null;
    if (hash !== shown) {
      shown = hash;
      view.innerHTML = job !== null
        ? `<p class="muted" id="loading">Loading job <code>${esc(job)}</code>…</p>`
        : `<p class="muted" id="loading">Loading…</p>`;
    }
    if (hash === "#/login") return renderLogin();
    if (job !== null) return await renderJob(job, gen);
    if (hash.startsWith("#/agents")) return await renderAgents(gen);
    if (hash.startsWith("#/fleet")) return await renderFleet(gen);
    if (hash.startsWith("#/submit")) return await renderSubmit(gen);
    const test = hash.match(/^#\/tests\/([^?]+)/);
    if (test) return await renderTest(decodeURIComponent(test[1]), gen);
    return await renderJobs(gen);
  } catch (e) {
    if (current(gen) && location.hash !== "#/login") showError(e);
  }
}

document.getElementById("logout").addEventListener("click", async () => {
  if (!token() && csrf()) {  // ends the session on the controller too
    try { await api("/api/v1/logout", { method: "POST", login: true, body: "{}" }); } catch (e) { /* gone already */ }
  }
  forgetLogin();
  location.hash = "#/login";
});
window.addEventListener("hashchange", () => {
  // Another job's page starts on its own first task's log, not a service
  // tab the last job had open.
  Object.assign(logState, { task: null, channel: "", offset: 0, text: "" });
  route();
});
resumeSession().then(route);
