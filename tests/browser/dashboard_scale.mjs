// Browser test of the dashboard page at network size, driven by
// tests/integration/test_dashboard_scale.py. Argument: one JSON object
//   {url, antennas, prefix}
// with `antennas` ids <prefix>-0 ... already merged by the dashboard. Checks that the page
// holds one page of rows, not the network, pages and filters through the server, and
// prints the time from opening the page to its first rows ("FIRST-DATA-MS n").
import { launchBrowser } from './launch.mjs';

const cfg = JSON.parse(process.argv[2]);
const WAIT_MS = 30000;
const PAGE_ROWS = 50;
const nf0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

const rowIds = (page) => page.$$eval('#antennas tbody tr', (trs) => trs.map((tr) => tr.dataset.id));
const text = (page, sel) => page.$eval(sel, (el) => el.textContent.trim());

async function waitRows(page, ids, what) {
  try {
    await page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('#antennas tbody tr')]
      .map((tr) => tr.dataset.id)) === want, JSON.stringify(ids), { timeout: WAIT_MS });
  } catch (e) {
    throw new Error(`check failed: ${what}: rows ${JSON.stringify(await rowIds(page))}`);
  }
}

async function main() {
  const ids = Array.from({ length: cfg.antennas }, (_, i) => `${cfg.prefix}-${i}`).sort();
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const opened = Date.now();
    await page.goto(`${cfg.url}/?window=0`);
    await page.waitForFunction(() => document.querySelectorAll('#antennas tbody tr').length > 0,
      null, { timeout: WAIT_MS });
    console.log(`FIRST-DATA-MS ${Date.now() - opened}`);
    // every antenna counted once: reporting, offline or (pipeline degraded) unknown
    await page.waitForFunction((n) => ['m-active', 'm-offline', 'm-unknown']
      .reduce((sum, id) => sum + Number(document.getElementById(id).dataset.raw || 0), 0) === n,
    cfg.antennas, { timeout: WAIT_MS });
    await waitRows(page, ids.slice(0, PAGE_ROWS), 'the first page, by id');
    check(await page.$$eval('#antennas tbody tr', (trs) => trs.length) === PAGE_ROWS, 'one page of rows in the DOM');
    check(await text(page, '#antenna-count') === `(${nf0.format(cfg.antennas)})`, 'the count of every antenna');
    check(await text(page, '#page-info') === `1–50 of ${nf0.format(cfg.antennas)}`, 'page info');
    check(await page.$eval('#page-prev', (b) => b.disabled), 'no page before the first');

    await page.click('#page-next');
    await waitRows(page, ids.slice(PAGE_ROWS, 2 * PAGE_ROWS), 'the second page');
    check(await text(page, '#page-info') === `51–100 of ${nf0.format(cfg.antennas)}`, 'second page info');
    await page.click('#page-prev');
    await waitRows(page, ids.slice(0, PAGE_ROWS), 'back to the first page');

    // The filter runs on the server: every id containing it, counted.
    const needle = `${cfg.prefix}-9999`;
    const matching = ids.filter((id) => id.includes(needle));
    await page.fill('#filter', needle);
    await waitRows(page, matching.slice(0, PAGE_ROWS), 'filtered');
    check(await text(page, '#antenna-count') === `(${matching.length} matching)`, 'matching count');
    await page.fill('#filter', '');
    await waitRows(page, ids.slice(0, PAGE_ROWS), 'filter cleared');

    // Sorted by loss rate on the server: the page shows the network's worst first.
    await page.click('button[data-sort="loss_rate"]');
    const descending = () => {
      const rates = [...document.querySelectorAll('#antennas tbody tr td:nth-child(5)')]
        .map((td) => parseFloat(td.textContent));
      return rates.length === 50 && rates[0] > 5 && rates.every((r, i) => i === 0 || r <= rates[i - 1]);
    };
    try {
      await page.waitForFunction(descending, null, { timeout: WAIT_MS });
    } catch (e) {
      throw new Error('check failed: loss rates descending from the worst: ' +
        JSON.stringify(await page.$$eval('#antennas tbody tr td:nth-child(5)', (tds) => tds.map((td) => td.textContent))));
    }
    check(await page.$$eval('#antennas tbody tr.worst', (trs) => trs.length) === 3, 'the worst three of the network marked');
    check(errors.length === 0, `page errors: ${errors.join('; ')}`);
    console.log('PASS');
  } finally {
    await browser.close();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
