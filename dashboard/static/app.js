// towerwatch dashboard page logic: receives summaries by Server-Sent Events (polling when
// streams are unavailable), polls the antenna table, draws uPlot charts, and says honestly
// what state the data is in: connecting, no data yet, analytics unreachable, partial,
// pipeline degraded (a replica answers but cannot reach its broker), stale.
'use strict';

// The robot control page is served by the robot gateway, on this host.
const ROBOTS_PORT = 8002;
document.getElementById('nav-robots').href = `${location.protocol}//${location.hostname}:${ROBOTS_PORT}/`;

const STALE_AFTER_MS = 5000;
const POLL_INTERVAL_MS = 1000;
const TABLE_INTERVAL_MS = 1000;
const SSE_FAILURES_BEFORE_POLLING = 3;
const WORST_COUNT = 3;
const FILTER_DELAY_MS = 200;
const HISTORY_SPAN_S = 900;
// The window a page opens on without ?window= in its address (or with a bad one): the
// first choice of the selector, and the window the charts are drawn over.
const DEFAULT_WINDOW_S = 60;
const WINDOWS_S = [60, 300, 900, 0];

const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const nf2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const state = {
  window: DEFAULT_WINDOW_S,
  lastUpdateMs: 0,
  summary: null,
  rows: [],
  total: 0,
  offset: 0,
  worst: new Set(),
  sortKey: 'antenna_id',
  sortDir: 1,
  filter: '',
  source: null,
  sseFailures: 0,
  pollTimer: null,
  tableTimer: null,
  lastTableMs: 0,
  charts: {},
  detail: null,
};

const $ = (id) => document.getElementById(id);

// ---- formatting -------------------------------------------------------------------------
function fmtCount(v) { return v === null || v === undefined ? '–' : nf0.format(v); }
function fmtRate(v) { return v === null || v === undefined ? '–' : (v >= 100 ? nf0 : nf1).format(v) + '/s'; }
function fmtPercent(frac) {
  if (frac === null || frac === undefined) return '–';
  return nf2.format(frac * 100) + ' %';
}
function fmtMs(v) {
  if (v === null || v === undefined) return '–';
  return (v >= 100 ? nf0 : nf2).format(v) + ' ms';
}
function fmtAgo(unixS) {
  if (!unixS) return 'never';
  const s = Math.max(0, Math.round(Date.now() / 1000 - unixS));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  if (s < 86400) return Math.floor(s / 3600) + ' h ago';
  return new Date(unixS * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}
function lossRate(row) { return row.packets > 0 ? row.loss / row.packets : null; }

function setFigure(id, raw, text) {
  const el = $(id);
  el.dataset.raw = raw === null || raw === undefined ? '' : String(raw);
  el.textContent = text;
}

// ---- states -----------------------------------------------------------------------------
function setConn(kind, text) {
  const pill = $('conn');
  pill.dataset.state = kind;
  pill.textContent = text;
}

function showBanner(kind, text) {
  const banner = $('banner');
  if (!kind) { banner.hidden = true; banner.textContent = ''; delete banner.dataset.kind; return; }
  banner.hidden = false;
  banner.dataset.kind = kind;
  banner.textContent = text;
}

function staleText(r) {
  return (r.stale || []).map((x) => `${x.address}, last answer ${x.age_s} s ago`).join('; ');
}

function notReadyText(r) {
  return (r.not_ready || []).map((x) => `${x.address}: ${x.reason}`).join('; ');
}

function replicaText(r) {
  if (!r) return '–';
  return `${r.answered} of ${r.expected} answering` + (r.down.length ? ` (down: ${r.down.join(', ')})` : '')
    + ((r.stale || []).length ? ` (counted from their last answer: ${staleText(r)})` : '');
}

// Decides which honest state the page is in from the last document and its age.
function refreshState() {
  const s = state.summary;
  if (!s) { setConn('connecting', 'Connecting…'); return; }
  const age = Date.now() - state.lastUpdateMs;
  const r = s.replicas;
  if (age > STALE_AFTER_MS) {
    setConn('stale', 'Stale');
    showBanner('stale', `Data is stale: no update for ${Math.round(age / 1000)} s. The dashboard may be unreachable.`);
  } else if (r && r.answered === 0) {
    setConn('unreachable', 'Analytics unreachable');
    showBanner('unreachable', (r.stale || []).length
      ? `Analytics unreachable: no replica answers; the figures are their last answers (${staleText(r)}).`
      : `Analytics unreachable: no replica answers (down: ${r.down.join(', ') || 'none resolved'}).`);
  } else if (r && (r.not_ready || []).length > 0) {
    setConn('degraded', 'Pipeline degraded');
    showBanner('degraded', `Pipeline degraded: analytics answers but is not ready (${notReadyText(r)}). `
      + 'No report can reach it: the figures stop at the last one that arrived, and antennas not heard '
      + `since are shown as unknown, not offline. Consumer lag: ${s.lag === null ? 'unknown' : fmtCount(s.lag)}.`);
  } else if (r && (r.down.length > 0 || (r.stale || []).length > 0)) {
    setConn('partial', 'Partial data');
    showBanner('partial', r.down.length
      ? `Partial data: ${replicaText(r)}. Figures cover the answering replicas only.`
      : `Partial data: ${replicaText(r)}. Their share is counted from their last answer.`);
  } else if (s.records === 0 && (state.window !== 0 || s.packets === 0)) {
    setConn(state.source ? 'live' : 'polling', state.source ? 'Live' : 'Live (polling)');
    showBanner('info', 'No data yet for this window: waiting for antenna reports.');
  } else {
    setConn(state.source ? 'live' : 'polling', state.source ? 'Live' : 'Live (polling)');
    showBanner(null);
  }
}

// ---- headline ---------------------------------------------------------------------------
function renderSummary(s) {
  state.summary = s;
  state.lastUpdateMs = Date.now();
  const reachable = !s.replicas || s.replicas.answered > 0 || (s.replicas.stale || []).length > 0;
  if (reachable) {
    const lat = s.latency_ms || {};
    setFigure('m-throughput', s.throughput_rps, fmtRate(s.throughput_rps));
    setFigure('m-packets', s.packets, fmtCount(s.packets));
    setFigure('m-delivered', s.delivered, fmtCount(s.delivered));
    setFigure('m-lost', s.loss, fmtCount(s.loss));
    setFigure('m-success', s.success_rate, fmtPercent(s.success_rate));
    setFigure('m-lat-avg', lat.avg, fmtMs(lat.avg));
    setFigure('m-lat-p50', lat.p50, fmtMs(lat.p50));
    setFigure('m-lat-p95', lat.p95, fmtMs(lat.p95));
    setFigure('m-lat-p99', lat.p99, fmtMs(lat.p99));
    // reporting + offline + unknown = every antenna tracked (the contract's "active",
    // antennas with a record in the window, overlaps offline ones for long windows)
    setFigure('m-active', s.antennas.reporting, fmtCount(s.antennas.reporting));
    setFigure('m-offline', s.antennas.offline, fmtCount(s.antennas.offline));
    setFigure('m-unknown', s.antennas.unknown, fmtCount(s.antennas.unknown));
    $('card-unknown').hidden = !s.antennas.unknown;
    setFigure('m-malformed', s.malformed, fmtCount(s.malformed));
    setFigure('m-lag', s.lag, s.lag === null ? 'unknown' : fmtCount(s.lag));
    $('updated').textContent = s.updated_at ? new Date(s.updated_at).toLocaleTimeString() : '–';
  }
  $('replicas').textContent = replicaText(s.replicas);
  refreshState();
  if (Date.now() - state.lastTableMs >= TABLE_INTERVAL_MS) loadTable();
}

// ---- transport: SSE with polling fallback ------------------------------------------------
function stopTransport() {
  if (state.source) { state.source.close(); state.source = null; }
  if (state.pollTimer) { clearInterval(state.pollTimer); state.pollTimer = null; }
}

async function pollOnce() {
  try {
    const resp = await fetch(`/api/v1/summary?window=${state.window}`, { cache: 'no-store' });
    const doc = await resp.json();
    if (resp.ok) renderSummary(doc);
    else if (resp.status === 503 && doc.replicas) renderSummary({ replicas: doc.replicas });
  } catch (e) {
    refreshState();
  }
}

function startPolling() {
  stopTransport();
  pollOnce();
  state.pollTimer = setInterval(pollOnce, POLL_INTERVAL_MS);
}

function startStream() {
  stopTransport();
  if (!window.EventSource || state.sseFailures >= SSE_FAILURES_BEFORE_POLLING) { startPolling(); return; }
  const source = new EventSource(`/api/v1/stream?window=${state.window}`);
  state.source = source;
  source.addEventListener('summary', (ev) => {
    state.sseFailures = 0;
    try { renderSummary(JSON.parse(ev.data)); } catch (e) { /* a torn event: wait for the next */ }
  });
  source.onerror = () => {
    state.sseFailures++;
    if (state.sseFailures >= SSE_FAILURES_BEFORE_POLLING) startPolling();
    refreshState();
  };
}

// ---- antenna table ----------------------------------------------------------------------
// The server sorts, filters and pages (a network has 100,000 antennas; the page holds one
// page of rows). "worst" marks the worst few by loss rate of the whole network, only
// where they are degraded (loss above the degraded threshold).
const PAGE_ROWS = 50;
const DEGRADED_LOSS_RATE = 0.05;
const SERVER_SORT = { antenna_id: 'antenna_id', loss_rate: 'loss_rate', p95: 'latency' };
const ID_PART = /^[A-Za-z0-9._-]{0,64}$/;

function tableQuery(extra) {
  const q = new URLSearchParams({ window: state.window, sort: SERVER_SORT[state.sortKey],
    order: state.sortDir > 0 ? 'asc' : 'desc', ...extra });
  const needle = state.filter.trim();
  if (needle) q.set('q', needle);
  return `/api/v1/antennas?${q}`;
}

async function loadTable() {
  state.lastTableMs = Date.now();
  const needle = state.filter.trim();
  if (!ID_PART.test(needle)) { // no id can contain it: say so instead of asking
    state.rows = []; state.total = 0; state.worst = new Set();
    renderTable();
    return;
  }
  try {
    const [page, worst] = await Promise.all([
      fetch(tableQuery({ offset: state.offset, limit: PAGE_ROWS }), { cache: 'no-store' }),
      fetch(`/api/v1/antennas?window=${state.window}&sort=loss_rate&limit=${WORST_COUNT}`, { cache: 'no-store' }),
    ]);
    if (!page.ok) return;
    state.rows = await page.json();
    state.total = Number(page.headers.get('X-Total-Count') ?? state.rows.length);
    if (worst.ok) {
      state.worst = new Set((await worst.json())
        .filter((r) => (lossRate(r) ?? 0) > DEGRADED_LOSS_RATE).map((r) => r.antenna_id));
    }
    if (state.offset > 0 && state.offset >= state.total) { // the filter shrank the list
      state.offset = Math.max(0, (Math.ceil(state.total / PAGE_ROWS) - 1) * PAGE_ROWS);
      loadTable();
      return;
    }
    renderTable();
  } catch (e) { /* the state pill already reports it */ }
}

function cell(tr, text, cls) {
  const td = document.createElement('td');
  if (cls) td.className = cls;
  td.textContent = text;
  tr.appendChild(td);
  return td;
}

function antennaRow(r) {
  const tr = document.createElement('tr');
  tr.dataset.id = r.antenna_id;
  const worst = state.worst.has(r.antenna_id);
  if (worst) tr.classList.add('worst');
  const idCell = document.createElement('td');
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.className = 'id';
  btn.textContent = r.antenna_id;
  btn.addEventListener('click', () => openDetail(r.antenna_id));
  idCell.appendChild(btn);
  tr.appendChild(idCell);
  const statusCell = cell(tr, '');
  const badge = document.createElement('span');
  badge.className = `badge ${r.status}`;
  badge.textContent = r.status;
  statusCell.appendChild(badge);
  if (worst) {
    const w = document.createElement('span');
    w.className = 'badge worst';
    w.textContent = 'worst';
    statusCell.appendChild(w);
  }
  cell(tr, fmtAgo(r.last_seen));
  cell(tr, fmtCount(r.packets), 'num');
  cell(tr, fmtPercent(lossRate(r)), 'num');
  cell(tr, fmtMs(r.latency_ms.p95), 'num');
  return tr;
}

const rowButton = (id) => document.querySelector(`#antennas tbody tr[data-id="${CSS.escape(id)}"] button.id`);

function renderTable() {
  const body = document.querySelector('#antennas tbody');
  const active = document.activeElement;
  const focusedId = body.contains(active) ? active.closest('tr').dataset.id : null;
  const frag = document.createDocumentFragment();
  for (const r of state.rows) frag.appendChild(antennaRow(r));
  body.replaceChildren(frag);
  if (focusedId !== null) { // the redraw replaced the focused row: focus its successor
    const again = rowButton(focusedId);
    if (again) again.focus({ preventScroll: true });
    else $('antennas').querySelector('th button').focus({ preventScroll: true });
  }
  const filtering = state.filter.trim() !== '';
  $('table-empty').hidden = state.rows.length > 0;
  $('table-empty').textContent = filtering ? 'No antenna id contains that text.' : 'No antennas yet.';
  const first = state.rows.length ? state.offset + 1 : 0;
  const last = state.offset + state.rows.length;
  $('antenna-count').textContent = `(${fmtCount(state.total)}${filtering ? ' matching' : ''})`;
  $('page-info').textContent = `${fmtCount(first)}–${fmtCount(last)} of ${fmtCount(state.total)}`;
  $('page-prev').disabled = state.offset === 0;
  $('page-next').disabled = last >= state.total;
}

function setSort(key) {
  if (state.sortKey === key) state.sortDir = -state.sortDir;
  else { state.sortKey = key; state.sortDir = key === 'antenna_id' ? 1 : -1; }
  for (const th of document.querySelectorAll('#antennas th[aria-sort]')) {
    const k = th.querySelector('button').dataset.sort;
    th.setAttribute('aria-sort', k === state.sortKey ? (state.sortDir > 0 ? 'ascending' : 'descending') : 'none');
  }
  state.offset = 0;
  loadTable();
}

function turnPage(step) {
  state.offset = Math.max(0, state.offset + step * PAGE_ROWS);
  loadTable();
}

// ---- charts -----------------------------------------------------------------------------
function chartWidth(el) { return Math.max(260, el.clientWidth || 320); }

// Success rates sit near 100 %: show from a little under the lowest value up to 100.
const percentRange = (u, min) => [Math.max(0, Math.min(90, Math.floor((min ?? 90) - 1))), 100];

// Tick steps a chart may use: 1, 2 and 5 times powers of ten, none finer than the label's
// last digit (so two ticks never print alike), and whole seconds on the time axis.
function roundSteps(decimals) {
  const steps = [];
  for (let e = -decimals; e <= 9; e++) for (const m of [1, 2, 5]) steps.push(+(m * 10 ** e).toFixed(decimals));
  return steps;
}
const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

// A flat series still gets a span worth one step of its labels around it; an empty one 0..1.
function valueRange(decimals) {
  const unit = 10 ** -decimals;
  return (u, min, max) => {
    if (min === null || max === null) return [0, 1];
    const [lo, hi] = uPlot.rangeNum(min, max, 0.1, true);
    return hi - lo >= 2 * unit ? [Math.max(0, lo), hi] : [Math.max(0, min - unit), max + unit];
  };
}

// Labels carry as many decimals as the step chosen needs (600, 400 / 0.2, 0.4).
function stepLabels(splits, step) {
  const digits = Math.max(0, Math.min(9, -Math.floor(Math.log10(step) + 1e-9)));
  const f = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return splits.map((x) => f.format(x));
}

function makeChart(id, series, decimals, yRange) {
  const el = $(id);
  const opts = {
    width: chartWidth(el), height: 200,
    scales: { x: { time: true }, y: { range: yRange || valueRange(decimals) } },
    axes: [
      { stroke: '#a9b4c0', grid: { stroke: '#2d3846' }, incrs: TIME_STEPS_S },
      { stroke: '#a9b4c0', grid: { stroke: '#2d3846' }, incrs: roundSteps(decimals),
        values: (u, splits, axis, space, step) => stepLabels(splits, step) },
    ],
    series: [{}].concat(series.map(([label, color]) => ({ label, stroke: color, width: 2, spanGaps: false }))),
  };
  const data = [[]].concat(series.map(() => []));
  return { plot: new uPlot(opts, data, el), el };
}

function initCharts() {
  if (!window.uPlot) return;
  state.charts.throughput = makeChart('chart-throughput', [['records/s', '#79c0ff']], 1);
  state.charts.success = makeChart('chart-success', [['success %', '#3fb950']], 1, percentRange);
  state.charts.latency = makeChart('chart-latency',
    [['p50', '#79c0ff'], ['p95', '#e3b341'], ['p99', '#ff7b72']], 0);
  window.addEventListener('resize', () => {
    for (const c of Object.values(state.charts)) c.plot.setSize({ width: chartWidth(c.el), height: 200 });
  });
}

const pct = (v) => (v === null ? null : v * 100);

async function loadHistory() {
  if (!window.uPlot) return;
  try {
    const resp = await fetch('/api/v1/history', { cache: 'no-store' });
    if (!resp.ok) return;
    const h = await resp.json();
    const cutoff = Date.now() / 1000 - HISTORY_SPAN_S;
    const keep = h.t.map((t) => t >= cutoff);
    const sel = (arr) => arr.filter((_, i) => keep[i]);
    const t = sel(h.t);
    state.charts.throughput.plot.setData([t, sel(h.throughput_rps)]);
    state.charts.success.plot.setData([t, sel(h.success_rate).map(pct)]);
    state.charts.latency.plot.setData([t, sel(h.p50), sel(h.p95), sel(h.p99)]);
  } catch (e) { /* next round */ }
}

// ---- detail view ------------------------------------------------------------------------
const BACKGROUND = 'body > header, body > main';
const FOCUSABLE = 'button, a[href], input, select, textarea, [tabindex]:not([tabindex="-1"])';

function openDetail(id) {
  closeDetail();
  const dlg = $('detail');
  $('detail-title').textContent = `Antenna ${id}`;
  dlg.hidden = false;
  dlg.dataset.id = id;
  const d = { id, t: [], loss: [], p50: [], p95: [], p99: [], timer: null, opener: document.activeElement };
  for (const el of document.querySelectorAll(BACKGROUND)) el.inert = true; // aria-modal: only the dialog
  if (window.uPlot) {
    d.lossChart = makeChart('chart-d-loss', [['loss %', '#ff7b72']], 1);
    d.latChart = makeChart('chart-d-latency', [['p50', '#79c0ff'], ['p95', '#e3b341'], ['p99', '#ff7b72']], 0);
  }
  state.detail = d;
  loadDetail();
  d.timer = setInterval(loadDetail, POLL_INTERVAL_MS);
  $('detail-close').focus();
}

async function loadDetail() {
  const d = state.detail;
  if (!d) return;
  try {
    const resp = await fetch(`/api/v1/antennas/${encodeURIComponent(d.id)}?window=${state.window}`, { cache: 'no-store' });
    if (state.detail !== d) return;
    if (resp.status === 404) { $('d-status').textContent = 'unknown antenna'; return; }
    if (!resp.ok) return;
    const r = await resp.json();
    if (state.detail !== d) return; // closed while the body arrived
    $('d-status').textContent = r.status;
    $('d-last-seen').textContent = fmtAgo(r.last_seen);
    $('d-records').textContent = fmtCount(r.records);
    $('d-packets').textContent = fmtCount(r.packets);
    $('d-loss-rate').textContent = fmtPercent(lossRate(r));
    $('d-p50').textContent = fmtMs(r.latency_ms.p50);
    $('d-p95').textContent = fmtMs(r.latency_ms.p95);
    $('d-p99').textContent = fmtMs(r.latency_ms.p99);
    d.t.push(Date.now() / 1000);
    d.loss.push(pct(lossRate(r)));
    d.p50.push(r.latency_ms.p50); d.p95.push(r.latency_ms.p95); d.p99.push(r.latency_ms.p99);
    if (d.t.length > HISTORY_SPAN_S) for (const k of ['t', 'loss', 'p50', 'p95', 'p99']) d[k].shift();
    if (d.lossChart) {
      d.lossChart.plot.setData([d.t, d.loss]);
      d.latChart.plot.setData([d.t, d.p50, d.p95, d.p99]);
    }
  } catch (e) { /* the state pill already reports it */ }
}

function closeDetail() {
  const d = state.detail;
  if (!d) return;
  clearInterval(d.timer);
  if (d.lossChart) { d.lossChart.plot.destroy(); d.latChart.plot.destroy(); }
  state.detail = null;
  $('detail').hidden = true;
  for (const el of document.querySelectorAll(BACKGROUND)) el.inert = false;
  // the table was redrawn meanwhile: the row that opened the view, not its old element
  const opener = rowButton(d.id) || (d.opener && d.opener.isConnected ? d.opener : null);
  if (opener) opener.focus();
}

// Tab and Shift+Tab go round the dialog's own controls while it is open.
function trapFocus(ev) {
  if (ev.key !== 'Tab' || !state.detail) return;
  const inside = [...$('detail').querySelectorAll(FOCUSABLE)].filter((el) => !el.disabled && el.offsetParent !== null);
  if (!inside.length) { ev.preventDefault(); return; }
  const first = inside[0], last = inside[inside.length - 1];
  const at = document.activeElement;
  if (!$('detail').contains(at) || (ev.shiftKey ? at === first : at === last)) {
    ev.preventDefault();
    (ev.shiftKey ? last : first).focus();
  }
}

// ---- wiring -----------------------------------------------------------------------------
// The window is kept in the address (?window=300) so a link or a reload opens it again;
// the older #window=300 links still work; anything else opens the default.
function windowFromUrl() {
  const text = new URLSearchParams(location.search).get('window')
    ?? new URLSearchParams(location.hash.slice(1)).get('window');
  const w = text !== null && /^[0-9]+$/.test(text) ? Number(text) : NaN;
  return WINDOWS_S.includes(w) ? w : DEFAULT_WINDOW_S;
}

function windowUrl(w) {
  const q = new URLSearchParams(location.search);
  q.set('window', String(w));
  return `${location.pathname}?${q}`;
}

function init() {
  const sel = $('window');
  state.window = windowFromUrl();
  sel.value = String(state.window);
  sel.addEventListener('change', () => {
    state.window = Number(sel.value);
    history.replaceState(null, '', windowUrl(state.window));
    state.summary = null;
    refreshState();
    state.sseFailures = 0;
    startStream();
    loadTable();
  });
  $('filter').addEventListener('input', (ev) => {
    state.filter = ev.target.value;
    state.offset = 0;
    clearTimeout(state.filterTimer);
    state.filterTimer = setTimeout(loadTable, FILTER_DELAY_MS);
  });
  $('page-prev').addEventListener('click', () => turnPage(-1));
  $('page-next').addEventListener('click', () => turnPage(1));
  for (const b of document.querySelectorAll('#antennas th button')) b.addEventListener('click', () => setSort(b.dataset.sort));
  $('detail-close').addEventListener('click', closeDetail);
  $('detail').addEventListener('click', (ev) => { if (ev.target === $('detail')) closeDetail(); });
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeDetail(); else trapFocus(ev); });
  initCharts();
  loadHistory();
  setInterval(loadHistory, POLL_INTERVAL_MS);
  setInterval(refreshState, POLL_INTERVAL_MS);
  startStream();
}

init();
