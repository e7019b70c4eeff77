// sdk.test.mjs - the official TypeScript SDK (npm sailpoint-api-client,
// ReportsDataExtractionV2024Api) against a freshly started isc-reports-mock:
// token, start -> poll (the virtual clock moved through /mock/clock) ->
// result -> CSV and PDF downloads -> cancel, and the refusals a client must survive
// (401 from the token endpoint and from the API, 400 validation, 403, 404,
// and 429 from a second server started with a small rate limit).
//
// Run by run-sdk-tests.sh: ISC_MOCK_BIN names the server binary and
// ISC_SDK_PREFIX the folder whose node_modules holds the SDK. Top-level tests
// run in order and share one server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

// The SDK's axios honours proxy variables even for 127.0.0.1: talk directly.
for (const k of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) {
  delete process.env[k];
}

const requireFrom = createRequire(
  process.env.ISC_SDK_PREFIX ? path.resolve(process.env.ISC_SDK_PREFIX) + path.sep : import.meta.url,
);
const { Configuration, ReportsDataExtractionV2024Api } = requireFrom('sailpoint-api-client');

const START_TIMEOUT_MS = 15000;
let server; // { child, url, exited, stderr() }

// Starts the binary on an ephemeral port with a virtual clock, then `extraArgs`;
// resolves with its URL.
function startServer(extraArgs = []) {
  const bin = process.env.ISC_MOCK_BIN;
  assert.ok(bin, 'ISC_MOCK_BIN is not set');
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('ISC_MOCK_')),
  );
  const child = spawn(bin, ['--bind', '127.0.0.1', '--port', '0', '--clock', 'virtual', ...extraArgs], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
      reject(new Error(`no first line within ${START_TIMEOUT_MS} ms; stderr: ${errText}`));
    }, START_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      if (out.includes('\n')) return; // keep draining after the first line
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

before(async () => {
  server = await startServer();
});

// Stops a server (the shared one by default): SIGTERM, then SIGKILL after 10 s.
// Resolves with its exit.
async function stopServer(srv = server) {
  srv.child.kill('SIGTERM');
  const t = setTimeout(() => srv.child.kill('SIGKILL'), 10000);
  const status = await srv.exited;
  clearTimeout(t);
  return status;
}

// Only a safety net: the last test stops the server and checks how it exited.
after(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
  }
});

// The control API, through plain fetch (of the shared server unless `base` says otherwise).
async function control(method, route, body, base = server.url) {
  const res = await fetch(base + route, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  assert.equal(res.status, 200, `${method} ${route}: ${res.status}`);
  return res.json();
}
const advanceClock = (ms) => control('POST', '/mock/clock', { advanceMs: ms });

// A configuration as the SDK's README shows it; the token request starts in the constructor.
function configFor(clientId, clientSecret = `${clientId}-secret`, base = server.url) {
  return new Configuration({
    baseurl: base,
    clientId,
    clientSecret,
    tokenUrl: `${base}/oauth/token`,
  });
}

async function apiFor(clientId, base = server.url) {
  const config = configFor(clientId, undefined, base);
  const token = await config.accessToken; // a Promise<string> until the token arrives
  assert.equal(typeof token, 'string');
  assert.equal(token.split('.').length, 3, 'the access token is a JWT');
  return new ReportsDataExtractionV2024Api(config);
}

// RFC 4180 records (quoted fields may hold commas, quotes and line breaks).
function csvRecords(text) {
  const records = [];
  let row = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      records.push(row);
      row = [];
      field = '';
    } else field += ch;
    i++;
  }
  assert.equal(quoted, false, 'unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    records.push(row);
  }
  return records;
}

// Asserts an SDK call rejected with an HTTP error of `status`; returns the response.
async function rejectsWith(promise, status) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected HTTP ${status}, the call succeeded`);
  assert.ok(err.response, `expected HTTP ${status}, got ${err}`);
  assert.equal(err.response.status, status, JSON.stringify(err.response.data));
  return err.response;
}

function assertErrorDto(data, detailPrefix) {
  assert.equal(typeof data, 'object');
  assert.ok(data.detailCode.startsWith(detailPrefix), data.detailCode);
  assert.match(data.trackingId, /^[0-9a-f]{32}$/);
  assert.equal(data.messages[0].locale, 'en-US');
  assert.equal(data.messages[0].localeOrigin, 'DEFAULT');
  assert.equal(typeof data.messages[0].text, 'string');
}

test('start, poll, result, CSV download', async () => {
  const api = await apiFor('demo-app');
  const started = await api.startReport({
    reportDetailsV2024: { reportType: 'IDENTITIES', arguments: { correlatedOnly: true } },
  });
  assert.equal(started.status, 200);
  const task = started.data;
  assert.match(task.id, /^[0-9a-f]{32}$/);
  assert.equal(task.reportType, 'IDENTITIES');
  assert.equal(task.completed, null);
  assert.equal(task.completionStatus, null);
  assert.equal(typeof task.progress, 'string');

  // Poll as a client would, moving the virtual clock between polls.
  let result;
  let polls = 0;
  for (; polls < 20; polls++) {
    result = (await api.getReportResult({ taskResultId: task.id })).data;
    if (result.status) break;
    assert.equal(result.duration, undefined);
    assert.equal(result.rows, undefined);
    await advanceClock(500);
  }
  assert.ok(polls >= 2, `finished after ${polls} polls: it should run for a while`);
  assert.equal(result.status, 'SUCCESS');
  assert.equal(result.id, task.id);
  assert.ok(result.rows > 0, 'an identities report of the demo tenant has rows');
  assert.deepEqual(result.availableFormats, ['CSV', 'PDF']);

  const file = await api.getReport(
    { taskResultId: task.id, fileFormat: 'csv', name: 'Quarterly Report', auditable: true },
    { responseType: 'arraybuffer' },
  );
  assert.equal(file.status, 200);
  assert.match(file.headers['content-type'], /^application\/csv/);
  assert.match(file.headers['content-disposition'], /^attachment; filename="Quarterly Report\.csv"/);
  const records = csvRecords(Buffer.from(file.data).toString('utf8'));
  assert.ok(records.length >= 1, 'no header row');
  assert.equal(records.length - 1, result.rows, 'CSV data rows == ReportResults.rows');
  for (const r of records) assert.equal(r.length, records[0].length, 'ragged CSV row');

  // The audited download is visible through the control API.
  const { events } = await control('GET', '/mock/audit');
  assert.equal(events.length, 1);
  assert.equal(events[0].taskId, task.id);
  assert.equal(events[0].fileFormat, 'csv');
  assert.equal(events[0].clientId, 'demo-app');
});

test('same report while running returns the running task', async () => {
  const api = await apiFor('demo-app');
  const body = { reportDetailsV2024: { reportType: 'ORPHAN_IDENTITIES', arguments: { selectedFormats: ['CSV'] } } };
  const a = (await api.startReport(body)).data;
  const b = (await api.startReport(body)).data;
  assert.equal(a.id, b.id);
  await advanceClock(60000);
  const res = (await api.getReportResult({ taskResultId: a.id })).data;
  assert.equal(res.status, 'SUCCESS');
  assert.deepEqual(res.availableFormats, ['CSV']);
});

test('cancel with a user token, then TERMINATED', async () => {
  const admin = await apiFor('demo-admin');
  const task = (
    await admin.startReport({
      reportDetailsV2024: { reportType: 'UNCORRELATED_ACCOUNTS', arguments: { selectedFormats: ['CSV', 'PDF'] } },
    })
  ).data;
  const cancelled = await admin.cancelReport({ id: task.id });
  assert.equal(cancelled.status, 204);
  const res = (await admin.getReportResult({ taskResultId: task.id })).data;
  assert.equal(res.status, 'TERMINATED');
  // A finished task cannot be cancelled again.
  const again = await rejectsWith(admin.cancelReport({ id: task.id }), 400);
  assertErrorDto(again.data, '400');
  // Its file does not exist.
  const nf = await rejectsWith(admin.getReport({ taskResultId: task.id, fileFormat: 'csv' }), 404);
  assert.match(nf.data.messages[0].text, /File Not Found/);
});

test('a client-credentials token cannot cancel (403)', async () => {
  const app = await apiFor('demo-app');
  const task = (
    await app.startReport({ reportDetailsV2024: { reportType: 'IDENTITIES', arguments: { correlatedOnly: false } } })
  ).data;
  const res = await rejectsWith(app.cancelReport({ id: task.id }), 403);
  // The ErrorResponseDto arrives parsed in error.response.data.
  assertErrorDto(res.data, '403');
  assert.equal(res.data.detailCode, '403 Forbidden');
  assert.match(res.data.messages[0].text, /cancelReport/);
  assert.match(res.data.messages[0].text, /client-credentials/);
  assert.match(res.headers['content-type'], /^application\/json/);
  // The refusal changed nothing: the task still runs.
  const still = (await app.getReportResult({ taskResultId: task.id })).data;
  assert.equal(still.status ?? null, null);
});

test('a read-only user token cannot start a report (403)', async () => {
  const reader = await apiFor('demo-reader');
  const res = await rejectsWith(
    reader.startReport({ reportDetailsV2024: { reportType: 'IDENTITIES', arguments: { correlatedOnly: true } } }),
    403,
  );
  assertErrorDto(res.data, '403');
  assert.equal(res.data.detailCode, '403 Forbidden');
  assert.match(res.data.messages[0].text, /sp:report:manage/);
});

test('429 with Retry-After; the same call succeeds that many seconds later', async () => {
  // A second server with a small limit, so the shared one keeps its default.
  const limited = await startServer(['--rate-limit', '2/10']);
  try {
    const api = await apiFor('demo-app', limited.url);
    const task = (
      await api.startReport({ reportDetailsV2024: { reportType: 'IDENTITIES', arguments: { correlatedOnly: true } } })
    ).data; // request 1 of 2
    assert.equal((await api.getReportResult({ taskResultId: task.id })).status, 200); // 2 of 2

    const res = await rejectsWith(api.getReportResult({ taskResultId: task.id }), 429);
    assert.deepEqual(res.data, { message: ' Rate Limit Exceeded ' });
    const retryAfter = res.headers['retry-after'];
    assert.match(String(retryAfter), /^[1-9][0-9]*$/, `Retry-After: ${retryAfter}`);
    const seconds = Number(retryAfter);
    // The virtual clock has not moved since the window began: all of it is left.
    assert.equal(seconds, 10);
    // The SDK does not retry a 429: the server saw exactly one.
    const seen = await control('GET', '/mock/requests?status=429', undefined, limited.url);
    assert.equal(seen.count, 1);

    // One millisecond early is still refused; exactly Retry-After later, the same call succeeds.
    await control('POST', '/mock/clock', { advanceMs: seconds * 1000 - 1 }, limited.url);
    await rejectsWith(api.getReportResult({ taskResultId: task.id }), 429);
    await control('POST', '/mock/clock', { advanceMs: 1 }, limited.url);
    const again = await api.getReportResult({ taskResultId: task.id });
    assert.equal(again.status, 200);
    assert.equal(again.data.id, task.id);

    // Another client has its own allowance; the token endpoint is never limited.
    const admin = await apiFor('demo-admin', limited.url);
    assert.equal((await admin.getReportResult({ taskResultId: task.id })).status, 200);
  } finally {
    const { code, signal } = await stopServer(limited);
    assert.equal(code, 0, `limited server exit ${code ?? signal} on SIGTERM; stderr: ${limited.stderr()}`);
  }
});

test('wrong secret: the token request fails with 401', async () => {
  const config = configFor('demo-app', 'not-the-secret');
  // The constructor already sent the request; its promise rejects.
  await assert.rejects(config.accessToken, /401|Unauthorized|status code/);
  // An API call on that configuration fails too.
  const api = new ReportsDataExtractionV2024Api(config);
  await assert.rejects(api.getReportResult({ taskResultId: '0123456789abcdef0123456789abcdef' }));
  // The token endpoint's own answer, seen without the SDK.
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'demo-app', client_secret: 'x' });
  const r = await fetch(`${server.url}/oauth/token`, { method: 'POST', body: form });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error, 'invalid_client');
});

test('a token the server did not sign: 401 from the API', async () => {
  const config = new Configuration({ baseurl: server.url, accessToken: 'not.a.jwt' });
  const api = new ReportsDataExtractionV2024Api(config);
  const res = await rejectsWith(api.getReportResult({ taskResultId: '0123456789abcdef0123456789abcdef' }), 401);
  assert.equal(typeof res.data.error, 'string');
});

test('validation: 400 ErrorResponseDto naming the field', async () => {
  const api = await apiFor('demo-app');
  const res = await rejectsWith(
    api.startReport({ reportDetailsV2024: { reportType: 'ACCOUNTS', arguments: { sourceName: 'Active Directory' } } }),
    400,
  );
  assertErrorDto(res.data, '400');
  assert.match(res.data.messages[0].text, /application/);
  const bad = await rejectsWith(api.startReport({ reportDetailsV2024: { reportType: 'NOT_A_REPORT' } }), 400);
  assert.match(bad.data.messages[0].text, /reportType/);
});

test('unknown id: 404 on result, file and cancel', async () => {
  const app = await apiFor('demo-app');
  const admin = await apiFor('demo-admin');
  const id = 'ffffffffffffffffffffffffffffffff';
  assertErrorDto((await rejectsWith(app.getReportResult({ taskResultId: id }), 404)).data, '404');
  assertErrorDto((await rejectsWith(app.getReport({ taskResultId: id, fileFormat: 'csv' }), 404)).data, '404');
  assertErrorDto((await rejectsWith(admin.cancelReport({ id }), 404)).data, '404');
});

test('PDF download as an arraybuffer: a real PDF whose text pdftotext reads', async () => {
  const api = await apiFor('demo-app');
  const task = (
    await api.startReport({ reportDetailsV2024: { reportType: 'IDENTITIES', arguments: { correlatedOnly: false } } })
  ).data;
  await advanceClock(60000);
  const result = (await api.getReportResult({ taskResultId: task.id })).data;
  assert.equal(result.status, 'SUCCESS');
  assert.deepEqual(result.availableFormats, ['CSV', 'PDF']);
  const file = await api.getReport({ taskResultId: task.id, fileFormat: 'pdf' }, { responseType: 'arraybuffer' });
  assert.equal(file.status, 200);
  assert.match(file.headers['content-type'], /^application\/pdf/);
  assert.match(file.headers['content-disposition'], /^attachment; filename="Identities Report\.pdf"/);
  const pdf = Buffer.from(file.data);
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const text = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', '-', '-'], { input: pdf, encoding: 'utf8' });
  assert.equal(text.status, 0, `pdftotext failed: ${text.stderr}`);
  assert.ok(text.stdout.startsWith('Identities Report'), 'the title comes first');
  for (const name of ['Müller', 'García', 'Zoë']) assert.ok(text.stdout.includes(name), `${name} in the PDF`);
  assert.match(text.stdout, new RegExp(`Rows +${result.rows}\\b`));
  // One line per data row: the lines that begin with an identity id.
  const ids = text.stdout.split('\n').filter((l) => /^\s*[0-9a-f]{32}\b/.test(l));
  assert.equal(ids.length, result.rows, 'PDF data rows == ReportResults.rows');
});

test('the server exits 0 on SIGTERM', async () => {
  const { code, signal } = await stopServer();
  assert.equal(code, 0, `server exit ${code ?? signal} on SIGTERM; stderr: ${server.stderr()}`);
});
