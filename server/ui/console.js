// console.js - the live console of isc-reports-mock. It polls the control API
// (/mock/clock, /mock/tasks, /mock/requests, /mock/audit, /mock/faults) once a
// second and draws what it finds; its buttons call the same routes and the
// public API (startReport, getReport, cancelReport) with a token minted through
// /mock/tokens. No framework: plain DOM, and text only through textContent.
'use strict';

const $ = (sel) => document.querySelector(sel);
const POLL_MS = 1000;
const FETCH_TIMEOUT_MS = 15000;
// The console's own API client, minted through /mock/tokens: its calls show as
// client "console" in the journal. A user token, so that it may also cancel.
const CONSOLE_CLIENT = {
  clientId: 'console', scopes: 'sp:scopes:all', userContext: true,
  userLevel: 'ORG_ADMIN', userName: 'console',
};
// Start-form values that run against the built-in tenant (see the README).
const EXAMPLES = {
  application: '2c9180897e7742b2017e781782f705b9', sourceName: 'Active Directory',
  authoritativeSource: '2c9180847de347aa017de8ef09167792', correlatedOnly: 'true',
  query: 'attributes.city:London', indices: ['identities'], columns: 'displayName,email',
};

const state = {
  admin: sessionStorage.getItem('isc-mock-admin') || '',
  token: null, catalog: null, taskRows: new Map(), seen: {}, timer: null, refreshes: 0,
};

function say(text, kind) {
  const m = $('#message');
  m.textContent = text;
  m.className = kind || '';
}

// The error text of an answer: ErrorResponseDto, OAuth error or rate limit body.
function why(res, data) {
  const text = data && ((data.messages && data.messages[0] && data.messages[0].text) ||
    data.error_description || data.error || data.message);
  return `HTTP ${res.status}${text ? ': ' + String(text).trim() : ''}`;
}

async function body(res) {
  const type = res.headers.get('Content-Type') || '';
  return type.startsWith('application/json') ? res.json().catch(() => null) : null;
}

class NeedAdmin extends Error {}

// A control API call: the admin token when one was given, JSON bodies.
async function mock(method, path, payload) {
  const headers = {};
  if (state.admin) headers.Authorization = 'Bearer ' + state.admin;
  const init = { method, headers, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) };
  if (payload !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(payload);
  }
  const res = await fetch('/mock/' + path, init);
  const data = await body(res);
  if (res.status === 401) throw new NeedAdmin('the control API wants the admin token');
  if (!res.ok) throw new Error(why(res, data));
  return data;
}

async function token() {
  if (!state.token) state.token = (await mock('POST', 'tokens', CONSOLE_CLIENT)).access_token;
  return state.token;
}

// A public API call with the console's token; a 401 (expired by the clock, or a
// reset) mints a new token and tries once more. Returns the Response.
async function api(method, path, payload) {
  for (let attempt = 0; ; attempt++) {
    const headers = { Authorization: 'Bearer ' + await token() };
    const init = { method, headers, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) };
    if (payload !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(payload);
    }
    const res = await fetch(path, init);
    if (res.status === 401 && attempt === 0) {
      state.token = null;
      continue;
    }
    if (!res.ok) throw new Error(why(res, await body(res)));
    return res;
  }
}

// Where the chosen API version keeps its reports: /v2024/reports or /reports/v1.
function apiBase() {
  const v = $('#start-version').value;
  return v === 'reports/v1' ? '/reports/v1' : `/${v}/reports`;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function button(text, onclick, cls) {
  const b = el('button', text, cls || 'small');
  b.type = 'button';
  b.addEventListener('click', onclick);
  return b;
}

// Runs an action from a button: its outcome goes to the message line, then the
// views refresh at once.
async function act(what, fn) {
  try {
    const done = await fn();
    say(done || `${what}: done`, 'good');
  } catch (err) {
    if (err instanceof NeedAdmin) return askAdmin();
    say(`${what} failed: ${err.message}`, 'bad');
  }
  refresh();
}

// ---- the start form, built from GET /mock/reports/types ----

function argInput(arg) {
  const example = EXAMPLES[arg.name];
  const label = el('label', arg.name + (arg.required ? ' *' : ''));
  let input;
  if (arg.kind === 'boolean') {
    input = el('select');
    for (const v of arg.required ? ['true', 'false'] : ['', 'true', 'false'])
      input.append(new Option(v || '(not sent)', v, false, v === (example || '')));
  } else if (arg.kind === 'formats' || arg.kind === 'indices') {
    input = el('fieldset');
    const choices = arg.kind === 'formats' ? state.catalog.formats.map((f) => f.name)
      : state.catalog.indices;
    for (const c of choices) {
      const box = el('input');
      box.type = 'checkbox';
      box.value = c;
      box.checked = arg.kind === 'indices' && (example || []).includes(c);
      const l = el('label', null, 'check');
      l.append(box, c);
      input.append(l);
    }
  } else {
    input = el('input');
    input.value = example || '';
    input.required = arg.required;
    if (arg.kind === 'fields') input.placeholder = '+name,-created';
  }
  input.dataset.arg = arg.name;
  input.dataset.kind = arg.kind;
  label.append(input);
  return label;
}

function buildArgs() {
  const type = state.catalog.types.find((t) => t.reportType === $('#start-type').value);
  const box = $('#start-args');
  box.replaceChildren(el('legend', 'Arguments'));
  for (const arg of type.arguments) box.append(argInput(arg));
  if (!type.arguments.length) box.append(el('p', 'none'));
}

function readArgs() {
  const args = {};
  for (const input of $('#start-args').querySelectorAll('[data-arg]')) {
    const name = input.dataset.arg, kind = input.dataset.kind;
    if (kind === 'boolean' && input.value) args[name] = input.value === 'true';
    else if (kind === 'formats' || kind === 'indices') {
      const picked = [...input.querySelectorAll('input:checked')].map((b) => b.value);
      if (picked.length) args[name] = picked;
    } else if (kind === 'fields' && input.value.trim()) {
      args[name] = input.value.split(',').map((s) => s.trim()).filter(Boolean);
    } else if (kind === 'string' && input.value !== '') args[name] = input.value;
  }
  return args;
}

async function startReport(ev) {
  ev.preventDefault();
  const reportType = $('#start-type').value;
  await act('startReport', async () => {
    const res = await api('POST', apiBase() + '/run', { reportType, arguments: readArgs() });
    const task = await res.json();
    return `Started ${reportType}: task ${task.id}`;
  });
}

// ---- task actions ----

// The file name from Content-Disposition (filename* first), else `fallback`.
function fileName(disposition, fallback) {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition || '');
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="([^"]*)"/i.exec(disposition || '');
  return plain ? plain[1] : fallback;
}

async function download(task, format) {
  await act(`download ${format.fileFormat}`, async () => {
    const res = await api('GET', `${apiBase()}/${task.id}?fileFormat=${format.fileFormat}` +
      '&auditable=true');
    const blob = await res.blob();
    const name = fileName(res.headers.get('Content-Disposition'), task.id);
    const a = el('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60000);
    return `Downloaded ${name} (${blob.size} bytes)`;
  });
}

function cancel(task) {
  return act('cancelReport', async () => {
    await api('POST', `${apiBase()}/${task.id}/cancel`);
    return `Cancelled ${task.id}`;
  });
}

// ---- views ----

function taskState(t) {
  return t.completionStatus || 'RUNNING';
}

function taskActions(t, cell) {
  const type = state.catalog.types.find((x) => x.reportType === t.reportType);
  const st = taskState(t);
  cell.replaceChildren();
  if (st === 'RUNNING') cell.append(button('Cancel', () => cancel(t)));
  if (st !== 'SUCCESS' && st !== 'WARNING') return;
  const wanted = (t.arguments && t.arguments.selectedFormats) || (type ? type.formats : []);
  for (const f of state.catalog.formats.filter((x) => wanted.includes(x.name))) {
    const label = type && type.zip ? `zip (${f.name})` : f.name;
    cell.append(button(label, () => download(t, f)));
  }
}

function renderTasks(tasks) {
  const tbody = $('#tasks tbody');
  const keep = new Set();
  tasks.forEach((t, i) => {
    keep.add(t.id);
    let row = state.taskRows.get(t.id);
    if (!row) {
      row = el('tr');
      for (let c = 0; c < 8; c++) row.append(el('td'));
      row.dataset.id = t.id;
      row.cells[6].className = 'id';
      state.taskRows.set(t.id, row);
    }
    if (tbody.children[i] !== row) tbody.insertBefore(row, tbody.children[i] || null);
    const st = taskState(t), c = row.cells;
    const pct = st === 'RUNNING' ? Number((/(\d+)%/.exec(t.progress || '') || [0, 0])[1]) : 100;
    c[0].textContent = (t.created || '').slice(11, 23);
    c[1].textContent = t.reportType;
    const badge = el('span', st, 'state ' + st);
    badge.title = (t.messages || []).map((m) => m.localizedText).join('\n');
    c[2].replaceChildren(badge);
    const bar = el('progress');
    bar.max = 100;
    bar.value = pct;
    c[3].replaceChildren(bar, ` ${t.progress || pct + '%'}`);
    c[4].textContent = t.rows;
    c[5].textContent = t.clientId;
    c[6].textContent = t.id;
    if (row.dataset.state !== st) taskActions(t, c[7]);
    row.dataset.state = st;
  });
  for (const [id, row] of state.taskRows)
    if (!keep.has(id)) {
      row.remove();
      state.taskRows.delete(id);
    }
}

// Replaces a table's rows when `data` differs from what it shows.
function renderRows(table, data, cellsOf, rowClass) {
  const key = JSON.stringify(data);
  if (state.seen[table] === key) return;
  state.seen[table] = key;
  $(`#${table} tbody`).replaceChildren(...data.map((item) => {
    const tr = el('tr', null, rowClass ? rowClass(item) : '');
    for (const [text, cls] of cellsOf(item)) tr.append(el('td', text, cls));
    return tr;
  }));
}

function journalQuery() {
  const q = new URLSearchParams({ limit: '100' });
  for (const input of $('#journal-filter').querySelectorAll('[name]'))
    if (input.value.trim()) q.set(input.name, input.value.trim());
  return q.toString();
}

function renderFaults(faults) {
  const key = JSON.stringify(faults);
  if (state.seen.faults === key) return;
  state.seen.faults = key;
  const list = $('#faults');
  list.replaceChildren(...faults.map((f) => {
    const what = [f.status ? `HTTP ${f.status}` : '', f.delayMs ? `${f.delayMs} ms delay` : '',
      f.drop ? 'drop' : ''].filter(Boolean).join(' + ');
    const left = f.times === null ? 'every call' : `${f.remaining} of ${f.times} left`;
    const li = el('li', `#${f.id} ${f.operation}: ${what} (${left}, ${f.hits} hits) `);
    li.append(button('Remove', () => act('remove fault', () => mock('DELETE', `faults/${f.id}`))));
    return li;
  }));
}

// Reads everything and draws it. Refreshes overlap (the poll, a button, a
// filter): only the newest one draws, so an older answer never hides a newer.
async function refresh() {
  const mine = ++state.refreshes;
  try {
    const [clock, tasks, journal, audit, faults] = await Promise.all([
      mock('GET', 'clock'), mock('GET', 'tasks'), mock('GET', 'requests?' + journalQuery()),
      mock('GET', 'audit'), mock('GET', 'faults')]);
    if (mine !== state.refreshes) return;
    $('#clock').textContent = `${clock.mode} clock: ${clock.now.replace('T', ' ')}`;
    for (const b of $('#clock-form').querySelectorAll('button')) b.disabled = clock.mode !== 'virtual';
    renderTasks(tasks.tasks);
    $('#requests-count').textContent = `(${journal.count})`;
    renderRows('requests', journal.requests, (r) => [
      [(r.time || '').slice(11, 23)], [r.method], [r.path + (r.query ? '?' + r.query : ''), 'path'],
      [r.status || 'dropped'], [r.clientId || ''], [`${r.durationMs.toFixed(1)} ms`],
      [r.operation || '']], (r) => (r.status === 0 || r.status >= 400 ? 'failed' : ''));
    renderRows('audit', audit.events, (a) => [[(a.time || '').slice(11, 23)], [a.clientId],
      [a.userName], [a.reportType], [a.fileFormat], [a.fileName], [a.taskId, 'id']]);
    renderFaults(faults.faults);
  } catch (err) {
    if (err instanceof NeedAdmin) return askAdmin();
    say(`refresh failed: ${err.message}`, 'bad');
  }
}

function poll() {
  clearTimeout(state.timer);
  refresh().finally(() => { state.timer = setTimeout(poll, POLL_MS); });
}

// ---- the control buttons ----

function advance(ms) {
  return act('advance the clock', async () => {
    const c = await mock('POST', 'clock', { advanceMs: ms });
    return `Clock advanced by ${ms} ms to ${c.now}`;
  });
}

function addFault(ev) {
  ev.preventDefault();
  const f = { operation: $('#fault-operation').value };
  if ($('#fault-status').value) f.status = Number($('#fault-status').value);
  if ($('#fault-times').value) f.times = Number($('#fault-times').value);
  if (Number($('#fault-delay').value) > 0) f.delayMs = Number($('#fault-delay').value);
  if ($('#fault-drop').checked) f.drop = true;
  act('add fault', async () => `Fault #${(await mock('POST', 'faults', f)).id} added`);
}

function askAdmin() {
  clearTimeout(state.timer);
  $('#main').hidden = true;
  $('#login').hidden = false;
  say(state.admin ? 'The admin token was refused.' : 'The control API needs the admin token.', 'bad');
  $('#admin-token').focus();
}

function wire() {
  $('#start-form').addEventListener('submit', startReport);
  $('#start-type').addEventListener('change', buildArgs);
  $('#clock-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    advance(Number($('#advance-ms').value));
  });
  for (const b of document.querySelectorAll('[data-advance]'))
    b.addEventListener('click', () => advance(Number(b.dataset.advance)));
  $('#fault-form').addEventListener('submit', addFault);
  $('#faults-clear').addEventListener('click', () => act('clear faults', () => mock('DELETE', 'faults')));
  $('#journal-clear').addEventListener('click',
    () => act('clear journal', () => mock('DELETE', 'requests')));
  $('#journal-filter').addEventListener('input', () => refresh());
  $('#journal-filter').addEventListener('submit', (ev) => ev.preventDefault());
  $('#reset').addEventListener('click', () => {
    if (!confirm('Reset the mock: tasks, clients, journal, faults and behaviours?')) return;
    state.token = null;
    act('reset', () => mock('POST', 'reset'));
  });
  $('#login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.admin = $('#admin-token').value;
    sessionStorage.setItem('isc-mock-admin', state.admin);
    start();
  });
}

async function start() {
  try {
    state.catalog = await mock('GET', 'reports/types');
  } catch (err) {
    if (err instanceof NeedAdmin) return askAdmin();
    return say(`cannot read the report types: ${err.message}`, 'bad');
  }
  $('#login').hidden = true;
  $('#main').hidden = false;
  say('');
  const select = $('#start-type');
  if (!select.options.length)
    for (const t of state.catalog.types) select.append(new Option(t.reportType, t.reportType));
  buildArgs();
  poll();
}

wire();
start();
