// Browser test: the dashboard page tells the truth, driven by
// tests/integration/test_dashboard_browser_truth.py after one burst of `records` reports
// from `antennas` antennas, the first at Unix second firstReportS. Argument: one JSON object
//   {url, analytics, antennas, records, firstReportS}
// The script prints STEP lines (STOP-REDIS, START-REDIS) and waits for the driver to answer
// "done" on stdin before checking the page's reaction.
import { check, runOnPage, step } from './dashboard_steps.mjs';

const cfg = JSON.parse(process.argv[2]);
// Bounds on waiting (never a speed requirement): the page redraws its table and gets a
// summary once a second; analytics reconnects to Redis within its 5 s backoff.
const WAIT_MS = 30000;
// How old the summary a page shows may be: one push a second, the snapshot's cache age
// and a refresh, with room for a loaded machine.
const SUMMARY_AGE_S = 3;
const DETAIL_POINTS = 3;
const DETAIL_SPAN_S = 6; // the detail charts' data span before their axes are checked

const raw = (page, id) => page.$eval(`#${id}`, (el) => el.dataset.raw);
const text = (page, sel) => page.$eval(sel, (el) => el.textContent.trim());
const statuses = (page) => page.$$eval('#antennas tbody tr .badge:first-child', (els) => els.map((e) => e.textContent));
const waitState = (page, s) => page.waitForFunction((want) => document.getElementById('conn').dataset.state === want, s, { timeout: WAIT_MS });
const waitRaw = (page, id, value) => page.waitForFunction(([i, v]) => document.getElementById(i).dataset.raw === v, [id, value], { timeout: WAIT_MS });
const waitStatuses = (page, s) => page.waitForFunction((want) => {
  const got = [...document.querySelectorAll('#antennas tbody tr .badge:first-child')].map((e) => e.textContent);
  return got.length > 0 && got.every((x) => x === want);
}, s, { timeout: WAIT_MS });

// Records/s is records over the seconds the data covers: the burst's records divided by a
// whole number of seconds, counted from the first report to `atS` (its own second included),
// under the window's 60 s.
function checkCoveredRate(rate, atS, what) {
  const span = cfg.records / rate;
  check(Math.abs(span - Math.round(span)) < 1e-6, `${what}: ${cfg.records} records / ${rate}/s is a whole number of seconds`);
  check(span < 60, `${what}: divided by ${span} s, not the full window, in the first minute`);
  const end = cfg.firstReportS + Math.round(span) - 1;
  check(end <= atS && atS - end <= SUMMARY_AGE_S, `${what}: ${span} s since the first report ends at ${end}, near ${atS}`);
}

// Waits until the table has been drawn again (its rows are new elements).
async function waitRedraw(page) {
  await page.$$eval('#antennas tbody tr', (trs) => trs.forEach((tr) => { tr.dataset.old = '1'; }));
  await page.waitForFunction(() => {
    const trs = document.querySelectorAll('#antennas tbody tr');
    return trs.length > 0 && [...trs].every((tr) => !tr.dataset.old);
  }, null, { timeout: WAIT_MS });
}

const focusedRow = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return el && el.matches('#antennas tbody tr button.id') ? el.closest('tr').dataset.id : `<${el ? el.tagName : 'none'}>`;
});

// An axis' ticks: distinct labels, evenly spaced by 1, 2 or 5 times a power of ten.
function checkAxis(splits, labels, what, minStep) {
  check(splits.length >= 2, `${what}: at least two ticks (${splits})`);
  check(new Set(labels).size === labels.length, `${what}: distinct labels ${JSON.stringify(labels)}`);
  const step = splits[1] - splits[0];
  for (let i = 1; i < splits.length; i++) {
    check(Math.abs(splits[i] - splits[i - 1] - step) < 1e-9 * Math.max(1, step), `${what}: even ticks ${splits}`);
  }
  const exp = Math.floor(Math.log10(step) + 1e-9);
  const mantissa = Math.round(step / 10 ** exp * 1000) / 1000;
  check([1, 2, 5].includes(mantissa) || [15, 30].includes(step), `${what}: round step ${step}`);
  check(step >= minStep, `${what}: step ${step} at least ${minStep}`);
}

async function checkDetailAxes(page) {
  // Points are added as the page polls, at their arrival times: on a loaded machine three
  // of them can span little more than a second, too short for two whole-second ticks.
  await page.waitForFunction(([n, span]) => {
    const t = state.detail && state.detail.t;
    return t && t.length >= n && t[t.length - 1] - t[0] >= span;
  }, [DETAIL_POINTS, DETAIL_SPAN_S], { timeout: WAIT_MS });
  const axes = await page.evaluate(() => ['lossChart', 'latChart'].map((k) => {
    const u = state.detail[k].plot;
    return { x: u.axes[0]._splits, y: u.axes[1]._splits, yLabels: u.axes[1]._values.map(String) };
  }));
  for (const [i, a] of axes.entries()) {
    const name = ['loss chart', 'latency chart'][i];
    checkAxis(a.y, a.yLabels, `${name} y-axis`, i === 0 ? 0.1 : 1);
    checkAxis(a.x, a.x.map(String), `${name} time axis`, 1);
  }
}

runOnPage(async (page) => {

  // The default window, on purpose: the first choice, one minute.
  await page.goto(`${cfg.url}/`);
  check(await page.$eval('#window', (el) => el.value) === '60', 'opens on "Last 1 min"');
  check(await page.evaluate(() => state.window) === 60, 'asks for the 1-minute window');

  // Records/s in the first minute: over the seconds since the first report.
  await page.waitForFunction((n) => state.summary && state.summary.records === n, cfg.records, { timeout: WAIT_MS });
  const shown = await page.evaluate(() => ({ raw: document.getElementById('m-throughput').dataset.raw,
    records: state.summary.records, rate: state.summary.throughput_rps, at: Math.floor(Date.now() / 1000) }));
  check(Number(shown.raw) === shown.rate, 'the card shows the summary\'s records/s');
  checkCoveredRate(shown.rate, shown.at, 'records/s card');
  const allInS = shown.at + 1;
  await page.waitForFunction((t) => { const d = state.charts.throughput.plot.data; return d[0].length && d[0][d[0].length - 1] >= t; },
    allInS, { timeout: WAIT_MS });
  const point = await page.evaluate(() => { const d = state.charts.throughput.plot.data; const i = d[0].length - 1; return [d[0][i], d[1][i]]; });
  checkCoveredRate(point[1], point[0], 'throughput chart');

  // The burst is over: every antenna goes offline, and the cards add up.
  await waitRaw(page, 'm-offline', String(cfg.antennas));
  check(await raw(page, 'm-active') === '0', 'no antenna reporting while all are offline');
  await waitStatuses(page, 'offline');

  // Focus stays on the row across redraws.
  const rowId = await page.$eval('#antennas tbody tr:nth-child(2)', (tr) => tr.dataset.id);
  await page.focus(`#antennas tbody tr[data-id="${rowId}"] button.id`);
  await waitRedraw(page);
  await waitRedraw(page);
  check(await focusedRow(page) === rowId, `focus kept on ${rowId} across redraws, got ${await focusedRow(page)}`);

  // The detail view keeps focus inside, closes with Escape and gives focus back to the row.
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail:not([hidden])', { timeout: WAIT_MS });
  check(await page.evaluate(() => document.activeElement.id) === 'detail-close', 'focus moves into the dialog');
  for (const key of ['Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    check(await page.evaluate(() => document.getElementById('detail').contains(document.activeElement)),
      `${key} stays inside the dialog (focus on ${await page.evaluate(() => document.activeElement.tagName)})`);
  }
  await checkDetailAxes(page);
  await waitRedraw(page);
  await page.keyboard.press('Escape');
  check(await page.$eval('#detail', (el) => el.hidden), 'Escape closes the detail view');
  check(await focusedRow(page) === rowId, `focus back on the row that opened it (${rowId}), got ${await focusedRow(page)}`);

  // Redis stops while analytics keeps running: the pipeline is degraded, antennas unknown.
  await step('STOP-REDIS');
  await waitState(page, 'degraded');
  const banner = await text(page, '#banner');
  check(banner.includes('redis not connected') && banner.includes(cfg.analytics), `banner: ${banner}`);
  await waitStatuses(page, 'unknown');
  await waitRaw(page, 'm-unknown', String(cfg.antennas));
  check(await raw(page, 'm-offline') === '0' && await raw(page, 'm-active') === '0', 'none offline while the broker is away');
  check(await page.$eval('#card-unknown', (el) => !el.hidden), 'the unknown card is shown');
  await step('START-REDIS');
  await waitState(page, 'live');
  await waitStatuses(page, 'offline');
  await waitRaw(page, 'm-offline', String(cfg.antennas));
  check(await page.$eval('#card-unknown', (el) => el.hidden), 'the unknown card hides again');

  // The chosen window lives in the address: a reload and a link keep it; bad values fall back.
  await page.selectOption('#window', '300');
  check(await page.evaluate(() => location.search) === '?window=300', 'the window in the address');
  await page.reload();
  check(await page.$eval('#window', (el) => el.value) === '300', 'a reload keeps the window');
  await page.goto(`${cfg.url}/?window=900`);
  check(await page.$eval('#window', (el) => el.value) === '900' && await page.evaluate(() => state.window) === 900, 'a link opens its window');
  for (const bad of ['7', 'abc', '', '60x']) {
    await page.goto(`${cfg.url}/?window=${bad}`);
    check(await page.$eval('#window', (el) => el.value) === '60' && await page.evaluate(() => state.window) === 60, `?window=${bad} falls back to 60`);
  }
});
