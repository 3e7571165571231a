// Browser test of the dashboard page against a real local stack, driven by
// tests/integration/test_dashboard_browser.py. Argument: one JSON object
//   {url, analytics, antennaIds, packets, loss, screenshot}
// The script prints STEP lines (STOP-ANALYTICS, START-ANALYTICS, STOP-DASHBOARD) and waits
// for the driver to answer "done" on stdin before checking the page's reaction.
import { check, runOnPage, step } from './dashboard_steps.mjs';

const cfg = JSON.parse(process.argv[2]);
const WAIT_MS = 20000;
const RETRIES = 40;
const RETRY_MS = 250;
const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

async function getJson(url) {
  const resp = await fetch(url);
  check(resp.ok, `${url} -> ${resp.status}`);
  return resp.json();
}

const raw = (page, id) => page.$eval(`#${id}`, (el) => el.dataset.raw);
const text = (page, sel) => page.$eval(sel, (el) => el.textContent.trim());
const rowIds = (page) => page.$$eval('#antennas tbody tr', (trs) => trs.map((tr) => tr.dataset.id));
// The server sorts, filters and pages: the rows change once its answer arrives.
async function waitRows(page, ids, what) {
  try {
    await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('#antennas tbody tr')]
      .map((tr) => tr.dataset.id)) === want, JSON.stringify(ids), { timeout: WAIT_MS });
  } catch (e) {
    throw new Error(`check failed: ${what}: rows ${JSON.stringify(await rowIds(page))}, want ${JSON.stringify(ids)}`);
  }
}
const num = (v) => (v === '' ? null : Number(v));
const near = (a, b) => a === b || (a !== null && b !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));

// Headline figures (exact values in data-raw) against analytics' own API, same moment.
async function headlineMatches(page) {
  const api = await getJson(`${cfg.analytics}/api/v1/summary?window=0`);
  // the page's "reporting" card: antennas tracked and not offline (so it and the offline
  // card add up to every antenna)
  const reporting = (await getJson(`${cfg.analytics}/api/v1/antennas?window=0`))
    .filter((r) => r.status !== 'offline').length;
  const want = {
    'm-packets': api.packets, 'm-delivered': api.delivered, 'm-lost': api.loss,
    'm-success': api.success_rate, 'm-lat-avg': api.latency_ms.avg, 'm-lat-p50': api.latency_ms.p50,
    'm-lat-p95': api.latency_ms.p95, 'm-lat-p99': api.latency_ms.p99,
    'm-active': reporting, 'm-offline': api.antennas.offline,
    'm-malformed': api.malformed, 'm-lag': api.lag,
  };
  const diffs = [];
  for (const [id, value] of Object.entries(want)) {
    const shown = num(await raw(page, id));
    if (!near(shown, value)) diffs.push(`${id}: page ${shown} api ${value}`);
  }
  return { ok: diffs.length === 0, diffs, api };
}

async function retry(what, fn) {
  let last;
  for (let i = 0; i < RETRIES; i++) {
    last = await fn();
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  throw new Error(`${what}: ${JSON.stringify(last.diffs || last)}`);
}

async function waitState(page, state) {
  await page.waitForFunction((s) => document.getElementById('conn').dataset.state === s, state, { timeout: WAIT_MS });
}

runOnPage(async (page, browser) => {
  await page.goto(`${cfg.url}/?window=0`);
  check((await page.$eval('#window', (el) => el.value)) === '0', 'window from the URL');

  // Headline numbers after the drain.
  await page.waitForFunction((p) => document.getElementById('m-packets').dataset.raw === String(p),
    cfg.packets, { timeout: WAIT_MS });
  await waitState(page, 'live');
  const { api } = await retry('headline equals analytics', () => headlineMatches(page));
  check(api.packets === cfg.packets && api.loss === cfg.loss, 'analytics equals the stream sums');
  check(await text(page, '#m-packets') === nf0.format(cfg.packets), 'packets formatted with separators');
  const success = ((cfg.packets - cfg.loss) / cfg.packets * 100).toFixed(2) + ' %';
  check(await text(page, '#m-success') === success, `success rate shown as ${success}`);
  check(/\/s$/.test(await text(page, '#m-throughput')), 'throughput has a unit');
  check(/ ms$/.test(await text(page, '#m-lat-p95')), 'latency has a unit');

  // The table lists every antenna, sorted by id to begin with.
  await page.waitForFunction((n) => document.querySelectorAll('#antennas tbody tr').length === n,
    cfg.antennaIds.length, { timeout: WAIT_MS });
  check(JSON.stringify(await rowIds(page)) === JSON.stringify(cfg.antennaIds), 'every antenna, by id');
  const rows = await getJson(`${cfg.analytics}/api/v1/antennas?window=0`);
  const rate = (r) => (r.packets ? r.loss / r.packets : -1);
  const byLoss = [...rows].sort((a, b) => rate(b) - rate(a) || a.antenna_id.localeCompare(b.antenna_id))
    .map((r) => r.antenna_id);
  // "worst": the three highest loss rates of the network, only where degraded (> 5 %)
  const worst = byLoss.slice(0, 3).filter((id) => rate(rows.find((r) => r.antenna_id === id)) > 0.05);
  const highlighted = await page.$$eval('#antennas tbody tr.worst', (trs) => trs.map((tr) => tr.dataset.id));
  check(JSON.stringify([...highlighted].sort()) === JSON.stringify([...worst].sort()), `worst highlighted ${highlighted} vs ${worst}`);

  // Sorting by loss rate (descending first), then back by id.
  await page.click('button[data-sort="loss_rate"]');
  await waitRows(page, byLoss, 'sorted by loss rate');
  check(await page.$eval('button[data-sort="loss_rate"]', (b) => b.parentElement.getAttribute('aria-sort')) === 'descending', 'aria-sort');
  await page.click('button[data-sort="loss_rate"]');
  await waitRows(page, [...byLoss].reverse(), 'loss rate ascending');
  await page.click('button[data-sort="antenna_id"]');
  await waitRows(page, cfg.antennaIds, 'sorted by id again');

  // Filtering by id.
  const target = cfg.antennaIds[2];
  await page.fill('#filter', target);
  await waitRows(page, cfg.antennaIds.filter((id) => id.includes(target)), 'filter');
  check(await text(page, '#antenna-count') === '(1 matching)', 'the count says how many match');
  await page.fill('#filter', 'no-such-antenna');
  await waitRows(page, [], 'filter matching nothing');
  check(await text(page, '#table-empty') === 'No antenna id contains that text.', 'an empty filter says so');
  await page.fill('#filter', '');
  await waitRows(page, cfg.antennaIds, 'filter cleared');

  // Detail view by mouse, closed by Escape; then by keyboard.
  const detailId = cfg.antennaIds[1];
  const want = rows.find((r) => r.antenna_id === detailId);
  await page.click(`#antennas tbody tr[data-id="${detailId}"] button.id`);
  await page.waitForSelector('#detail:not([hidden])', { timeout: WAIT_MS });
  check((await text(page, '#detail-title')).includes(detailId), 'detail title');
  await page.waitForFunction((p) => document.getElementById('d-packets').textContent === p,
    nf0.format(want.packets), { timeout: WAIT_MS });
  check(await text(page, '#d-status') === want.status, 'detail status');
  await page.waitForSelector('#chart-d-loss canvas', { timeout: WAIT_MS });
  await page.waitForSelector('#chart-d-latency canvas', { timeout: WAIT_MS });
  await page.keyboard.press('Escape');
  check(await page.$eval('#detail', (el) => el.hidden), 'Escape closes the detail view');
  await page.focus(`#antennas tbody tr[data-id="${detailId}"] button.id`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#detail:not([hidden])', { timeout: WAIT_MS });
  check(await page.evaluate(() => document.activeElement.id) === 'detail-close', 'focus moves into the dialog');
  await page.keyboard.press('Enter');
  check(await page.$eval('#detail', (el) => el.hidden), 'Close button by keyboard');

  // Every control has a label; main charts are drawn.
  for (const id of ['window', 'filter']) {
    check(await page.$(`label[for="${id}"]`) !== null, `label for ${id}`);
  }
  await page.waitForSelector('#chart-throughput canvas', { timeout: WAIT_MS });
  await page.screenshot({ path: cfg.screenshot, fullPage: true });

  // A phone: no sideways scrolling of the page itself.
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await phone.goto(`${cfg.url}/?window=0`);
  await phone.waitForFunction((p) => document.getElementById('m-packets').dataset.raw === String(p), cfg.packets, { timeout: WAIT_MS });
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `phone layout fits (overflow ${overflow}px)`);
  await phone.close();

  // Analytics stops: the page says so and names the replica; it comes back after a restart.
  await step('STOP-ANALYTICS');
  await waitState(page, 'unreachable');
  const banner = await text(page, '#banner');
  check(banner.includes('unreachable') && banner.includes(cfg.analytics.replace('http://', '')), `banner: ${banner}`);
  await step('START-ANALYTICS');
  await waitState(page, 'live');
  await retry('headline after restart', () => headlineMatches(page));
  check(await page.$eval('#banner', (el) => el.hidden), 'banner cleared');

  // The dashboard itself goes away: the page marks the data stale.
  await step('STOP-DASHBOARD');
  await waitState(page, 'stale');
  check((await text(page, '#banner')).includes('stale'), 'stale banner');
});
