// Shared by the dashboard browser tests: checks that fail loudly, and the STEP handshake
// with the Python driver (the script prints "STEP NAME", the driver acts and answers
// "done" on stdin), and the page a script runs on.
import { createInterface } from 'node:readline';
import { launchBrowser } from './launch.mjs';

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

export function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

export async function step(name) {
  console.log(`STEP ${name}`);
  const answer = await lines.next();
  check(!answer.done && answer.value.trim() === 'done', `driver answered ${name}`);
}

// Runs body(page, browser) on a desktop-sized page in chromium; page errors fail the run;
// prints PASS and exits 0, or prints the failure and exits 1.
export function runOnPage(body) {
  const run = async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await body(page, browser);
      check(errors.length === 0, `page errors: ${errors.join('; ')}`);
      console.log('PASS');
    } finally {
      await browser.close();
    }
  };
  run().then(() => process.exit(0), (err) => { console.error(err.stack || String(err)); process.exit(1); });
}
