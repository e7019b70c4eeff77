// ui.test.mjs - the console at /mock/ui in a real browser: headless Chromium
// (the system's, driven by npm playwright-core) against a freshly started
// isc-reports-mock with a virtual clock. A report is started from the page's
// form, the clock advanced from the page until the task shows SUCCESS, its CSV
// downloaded from the page and compared with the API's bytes, a fault added
// from the page and the failing request found in the journal view, a task
// cancelled and the mock reset from the page; then the page must ask for the
// admin token of a server that has one. A screenshot
// of the console is saved in the build folder (its path is printed).
//
// Run by run-ui-tests.sh: ISC_MOCK_BIN names the server binary, ISC_UI_PREFIX
// the folder whose node_modules holds playwright-core, ISC_CHROMIUM the
// browser and ISC_UI_ARTIFACTS where the screenshot goes. Top-level tests run
// in order and share one server and one page. Every wait is bounded and
// names what it waited for.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const requireFrom = createRequire(path.resolve(process.env.ISC_UI_PREFIX || '.') + path.sep);
const { chromium } = requireFrom('playwright-core');

const scale = Number(process.env.ISC_TEST_TIMEOUT_SCALE || 1);
const START_TIMEOUT_MS = 30000 * scale;
const WAIT_MS = 30000 * scale; // any one thing the page should show
// Starting Chromium and its first renderer process takes seconds on an idle
// machine and tens of seconds on a loaded one: these one-time costs have their
// own bound, paid in before(), so that the waits of the tests measure the page.
const BROWSER_START_MS = 120000 * scale;
const ADMIN = 'ui-test-admin-token';

let server; // the shared server: { child, url, exited, stderr() }
let browser;
let page;
let taskId; // the task started from the form

// Starts the binary on an ephemeral port with a virtual clock; resolves with its URL.
function startServer(extraArgs = []) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('ISC_MOCK_')),
  );
  const child = spawn(process.env.ISC_MOCK_BIN,
    ['--bind', '127.0.0.1', '--port', '0', '--clock', 'virtual', '--quiet', ...extraArgs],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let errText = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    errText = (errText + d).slice(-20000);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`waited ${START_TIMEOUT_MS} ms for the server's first line; stderr: ${errText}`));
    }, START_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      if (out.includes('\n')) return;
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      const m = /^listening on (http:\/\/[^\s:]+:(\d+))$/.exec(out.slice(0, nl));
      if (!m || Number(m[2]) === 0) {
        child.kill('SIGKILL');
        reject(new Error(`unexpected first line: ${out.slice(0, nl)}`));
        return;
      }
      resolve({ child, url: m[1], exited, stderr: () => errText });
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code ?? signal}) before listening; stderr: ${errText}`));
    });
  });
}

// Stops a server: SIGTERM, then SIGKILL after 10 s; resolves with its exit.
async function stopServer(srv) {
  srv.child.kill('SIGTERM');
  const t = setTimeout(() => srv.child.kill('SIGKILL'), 10000);
  const status = await srv.exited;
  clearTimeout(t);
  return status;
}

// Runs `fn(timeoutMs)`, a bounded Playwright wait; a timeout says what was awaited.
async function waitFor(what, fn, ms = WAIT_MS) {
  try {
    return await fn(ms);
  } catch (e) {
    const shown = page ? await page.locator('#message').textContent().catch(() => '?') : '?';
    throw new Error(`waited ${ms} ms for ${what}; the page says "${shown}": ${e.message.split('\n')[0]}`);
  }
}

// Plain HTTP to the shared server; resolves with the Response.
function call(method, route, { body, token, admin } = {}) {
  const headers = {};
  if (body) headers['Content-Type'] = 'application/json';
  if (token || admin) headers.Authorization = `Bearer ${token || admin}`;
  return fetch(server.url + route, {
    method, headers, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(WAIT_MS),
  });
}

async function json(method, route, opts) {
  const res = await call(method, route, opts);
  const text = await res.text();
  assert.ok(res.ok, `${method} ${route}: HTTP ${res.status} ${text}`);
  return JSON.parse(text);
}

// A token of the demo client from the token endpoint, as any client gets one.
async function demoToken() {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'demo-admin',
      client_secret: 'demo-admin-secret' }),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  assert.equal(res.status, 200, 'POST /oauth/token as demo-admin');
  return (await res.json()).access_token;
}

const taskRow = (id) => page.locator(`#tasks tbody tr[data-id="${id}"]`);

before(async () => {
  server = await startServer();
  browser = await chromium.launch({
    executablePath: process.env.ISC_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-proxy-server'],
    timeout: BROWSER_START_MS,
  });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1600, height: 1000 } });
  page = await context.newPage();
  // The renderer for the server's site starts here; later pages of the same
  // site (every server of these tests is on 127.0.0.1) reuse it.
  await waitFor('Chromium to show /mock/health (its first page)', (t) =>
    page.goto(`${server.url}/mock/health`, { timeout: t }), BROWSER_START_MS);
  page.setDefaultTimeout(WAIT_MS);
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
  }
});

test('the page loads and builds its start form from /mock/reports/types', async () => {
  const res = await page.goto(`${server.url}/mock/ui`, { timeout: WAIT_MS });
  assert.equal(res.status(), 200, 'GET /mock/ui');
  assert.match(res.headers()['content-type'], /^text\/html/);
  const { types } = await json('GET', '/mock/reports/types');
  await waitFor('the report type select to list every type', (t) =>
    page.waitForFunction((n) => document.querySelectorAll('#start-type option').length === n,
      types.length, { timeout: t }));
  const offered = await page.locator('#start-type option').allTextContents();
  assert.deepEqual(offered, types.map((x) => x.reportType));
  await waitFor('the clock to be shown', (t) =>
    page.locator('#clock', { hasText: 'virtual clock:' }).waitFor({ timeout: t }));
});

test('a report started from the form reaches SUCCESS after a clock advance from the page', async () => {
  await page.selectOption('#start-type', 'IDENTITIES');
  await page.selectOption('#start-args [data-arg="correlatedOnly"]', 'true');
  await page.click('#start');
  await waitFor('the message that the report started', (t) =>
    page.locator('#message', { hasText: 'Started IDENTITIES' }).waitFor({ timeout: t }));
  const { tasks } = await json('GET', '/mock/tasks?reportType=IDENTITIES');
  assert.equal(tasks.length, 1, 'one IDENTITIES task on the server');
  taskId = tasks[0].id;
  assert.equal(tasks[0].clientId, 'console', 'started with the console token');
  assert.deepEqual(tasks[0].arguments, { correlatedOnly: true });
  await waitFor('the task row to show RUNNING', (t) =>
    taskRow(taskId).locator('.state', { hasText: 'RUNNING' }).waitFor({ timeout: t }));

  // The default report runs 2 s of the virtual clock: +1 s is not enough.
  await page.click('[data-advance="1000"]');
  await waitFor('the clock advance message', (t) =>
    page.locator('#message', { hasText: 'Clock advanced by 1000 ms' }).waitFor({ timeout: t }));
  await waitFor('the task row to show half its progress', (t) =>
    taskRow(taskId).locator('td', { hasText: '50%' }).waitFor({ timeout: t }));
  assert.equal(await taskRow(taskId).locator('.state').textContent(), 'RUNNING');
  await page.fill('#advance-ms', '1500');
  await page.click('#advance');
  await waitFor('the task row to show SUCCESS', (t) =>
    taskRow(taskId).locator('.state', { hasText: 'SUCCESS' }).waitFor({ timeout: t }));
  const result = await json('GET', `/v2024/reports/${taskId}/result`, { token: await demoToken() });
  assert.equal(result.status, 'SUCCESS');
  assert.ok(result.rows > 0, 'the report has rows');
  assert.equal(await taskRow(taskId).locator('td').nth(4).textContent(), String(result.rows));
});

test('the CSV downloaded from the page is the bytes of the API', async () => {
  assert.ok(taskId, 'needs the task of the previous test');
  const [download] = await Promise.all([
    waitFor('the CSV download to start', (t) => page.waitForEvent('download', { timeout: t })),
    taskRow(taskId).getByRole('button', { name: 'CSV', exact: true }).click(),
  ]);
  const file = await waitFor('the download to finish', () => download.path());
  const fromPage = await readFile(file);
  const res = await call('GET', `/v2024/reports/${taskId}?fileFormat=csv`, { token: await demoToken() });
  assert.equal(res.status, 200);
  const fromApi = Buffer.from(await res.arrayBuffer());
  assert.ok(fromApi.length > 100, 'the API answered a real file');
  assert.ok(fromPage.equals(fromApi),
    `the page saved ${fromPage.length} bytes that differ from the API's ${fromApi.length}`);
  assert.equal(download.suggestedFilename(), 'Identities Report.csv');
  // The console downloads with auditable=true: the event shows in its audit view.
  await waitFor('the audit view to list the download', (t) =>
    page.locator('#audit tbody tr', { hasText: taskId }).waitFor({ timeout: t }));
});

test('a fault added from the page shows as a failing request in the journal view', async () => {
  await page.selectOption('#fault-operation', 'startReport');
  await page.selectOption('#fault-status', '503');
  await page.fill('#fault-times', '1');
  await page.click('#fault-add');
  await waitFor('the fault in the fault list', (t) =>
    page.locator('#faults li', { hasText: 'startReport: HTTP 503' }).waitFor({ timeout: t }));
  const { faults } = await json('GET', '/mock/faults');
  assert.equal(faults.length, 1);
  assert.equal(faults[0].status, 503);

  await page.selectOption('#start-type', 'ORPHAN_IDENTITIES');
  await page.click('#start');
  await waitFor('the message that startReport failed with 503', (t) =>
    page.locator('#message', { hasText: 'startReport failed: HTTP 503' }).waitFor({ timeout: t }));
  const failed = page.locator('#requests tbody tr.failed', { hasText: '/v2024/reports/run' });
  await waitFor('the failing startReport in the journal view', (t) => failed.waitFor({ timeout: t }));
  assert.equal(await failed.locator('td').nth(3).textContent(), '503');
  assert.equal(await failed.locator('td').nth(4).textContent(), 'console');
  const journal = await json('GET', '/mock/requests?operation=startReport&status=503');
  assert.equal(journal.count, 1, 'the journal holds the one failed startReport');

  // The filter narrows the view to what the server's filter returns.
  await page.fill('#journal-filter [name="status"]', '503');
  await waitFor('the journal view to show only the 503', (t) =>
    page.waitForFunction(() => [...document.querySelectorAll('#requests tbody tr')]
      .every((r) => r.cells[3].textContent === '503'), null, { timeout: t }));
  await page.fill('#journal-filter [name="status"]', '');

  await page.click('#faults-clear');
  await waitFor('the fault list to empty', (t) =>
    page.waitForFunction(() => document.querySelectorAll('#faults li').length === 0, null,
      { timeout: t }));
  assert.equal((await json('GET', '/mock/faults')).faults.length, 0);

  const shot = path.join(process.env.ISC_UI_ARTIFACTS || '.', 'ui-console.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
});

test('a report cancelled from the page ends TERMINATED; reset from the page empties the views', async () => {
  await page.selectOption('#start-type', 'ORPHAN_IDENTITIES');
  await page.click('#start');
  await waitFor('the message that the report started', (t) =>
    page.locator('#message', { hasText: 'Started ORPHAN_IDENTITIES' }).waitFor({ timeout: t }));
  const { tasks } = await json('GET', '/mock/tasks?reportType=ORPHAN_IDENTITIES');
  assert.equal(tasks.length, 1, 'one ORPHAN_IDENTITIES task on the server');
  const row = taskRow(tasks[0].id);
  await waitFor('the Cancel button of the running task', (t) =>
    row.getByRole('button', { name: 'Cancel' }).waitFor({ timeout: t }));
  await row.getByRole('button', { name: 'Cancel' }).click();
  await waitFor('the task row to show TERMINATED', (t) =>
    row.locator('.state', { hasText: 'TERMINATED' }).waitFor({ timeout: t }));
  const after = await json('GET', '/mock/tasks?reportType=ORPHAN_IDENTITIES');
  assert.equal(after.tasks[0].completionStatus, 'TERMINATED');

  page.once('dialog', (d) => d.accept());
  await page.click('#reset');
  // Only the fixtures' example task comes back (the API documentation's task id).
  await waitFor('the task view to hold the example task alone and the request view to empty',
    (t) => page.waitForFunction(() => document.querySelectorAll('#tasks tbody tr').length === 1 &&
      document.querySelectorAll('#requests tbody tr').length === 0, null, { timeout: t }));
  const left = (await json('GET', '/mock/tasks')).tasks;
  assert.deepEqual(left.map((x) => x.id), ['ef38f94347e94562b5bb8424a56397d8']);
});

test('a server with --admin-token: the page asks for it and then works', async () => {
  const guarded = await startServer(['--admin-token', ADMIN]);
  const other = page; // another origin (port) of the same site: no new renderer
  try {
    await other.goto(`${guarded.url}/mock/ui`, { timeout: WAIT_MS });
    await waitFor('the admin token form', (t) => other.locator('#login').waitFor({ timeout: t }));
    assert.equal(await other.locator('#main').isVisible(), false);
    await other.fill('#admin-token', 'wrong');
    await other.click('#login-form button');
    await waitFor('the refusal of a wrong token', (t) =>
      other.locator('#message', { hasText: 'refused' }).waitFor({ timeout: t }));
    await other.fill('#admin-token', ADMIN);
    await other.click('#login-form button');
    await waitFor('the console after the right token', (t) =>
      other.locator('#clock', { hasText: 'virtual clock:' }).waitFor({ timeout: t }));
    assert.equal(await other.locator('#login').isVisible(), false);
  } finally {
    await stopServer(guarded);
  }
});

test('the server stops cleanly', async () => {
  const { code, signal } = await stopServer(server);
  assert.equal(signal, null, `stderr: ${server.stderr()}`);
  assert.equal(code, 0, `stderr: ${server.stderr()}`);
});
