// Browser test of the robot control page: holds D-pad buttons with the mouse and the
// keyboard (arrows for linus, WASD for torvalds) and checks with Debian's `pigs` that the
// motor pins follow while held (past the watchdog period, so the page must repeat the
// command) and stop on release. Prints one JSON line; exit status 0 only if all passed.
//   node robot.mjs <gateway-url> <token> <linus-pigpio-port> <torvalds-pigpio-port> <screenshot>
import { execFileSync } from 'node:child_process';
import { launchBrowser } from './launch.mjs';

const [url, token, linusPort, torvaldsPort, screenshot] = process.argv.slice(2);
const LINUS_IN = [13, 21, 17, 27];
const TORVALDS_IN = [7, 8, 9, 10];
const WAIT_MS = 5000;         // longest wait for pins to follow
const POLL_MS = 50;
const HOLD_PAST_WATCHDOG_MS = 1200;  // more than twice the 500 ms watchdog

function levels(port, pins) {
  return pins.map((gpio) => Number(execFileSync('pigs', ['r', String(gpio)], {
    env: { ...process.env, PIGPIO_ADDR: '127.0.0.1', PIGPIO_PORT: String(port) },
  }).toString().trim())).join('');
}

async function waitLevels(port, pins, expected, what) {
  const deadline = Date.now() + WAIT_MS;
  let got;
  while (Date.now() < deadline) {
    got = levels(port, pins);
    if (got === expected) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`${what}: pins ${pins} are ${got}, expected ${expected}`);
}

const checks = [];
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  await page.goto(url);
  await page.getByLabel('Robot token').fill(token);
  await page.getByLabel('Robot token').dispatchEvent('change');
  await page.locator('#linus-status', { hasText: /^connected$/ }).waitFor({ timeout: WAIT_MS });
  await page.locator('#torvalds-status', { hasText: /^connected$/ }).waitFor({ timeout: WAIT_MS });
  checks.push('both robots shown connected');

  // Mouse: press and hold linus forward past the watchdog period.
  const forward = page.getByRole('button', { name: 'linus forward' });
  const box = await forward.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await waitLevels(linusPort, LINUS_IN, '1010', 'linus forward while held');
  await page.waitForTimeout(HOLD_PAST_WATCHDOG_MS);
  const held = levels(linusPort, LINUS_IN);
  if (held !== '1010') throw new Error(`linus stopped while the button was held: ${held}`);
  await page.locator('#linus-pins tr[data-gpio="13"] td[data-level="1"]').waitFor({ timeout: WAIT_MS });
  await page.screenshot({ path: screenshot, fullPage: true });
  checks.push('mouse hold drives linus forward past the watchdog, page shows GPIO 13 high');
  await page.mouse.up();
  await waitLevels(linusPort, LINUS_IN, '0000', 'linus stops on release');
  await page.locator('#linus-pins tr[data-gpio="13"] td[data-level="0"]').waitFor({ timeout: WAIT_MS });
  checks.push('mouse release stops linus');

  // Keyboard: arrows drive linus, WASD drives torvalds.
  await page.locator('h1').click();
  await page.keyboard.down('ArrowLeft');
  await waitLevels(linusPort, LINUS_IN, '0110', 'linus left while ArrowLeft held');
  await page.keyboard.up('ArrowLeft');
  await waitLevels(linusPort, LINUS_IN, '0000', 'linus stops on ArrowLeft release');
  checks.push('ArrowLeft hold/release');
  await page.keyboard.down('w');
  await waitLevels(torvaldsPort, TORVALDS_IN, '0110', 'torvalds forward while W held');
  await page.keyboard.up('w');
  await waitLevels(torvaldsPort, TORVALDS_IN, '0000', 'torvalds stops on W release');
  checks.push('W hold/release');

  // Speed slider then a held backward, and the stop button.
  await page.getByLabel(/^Speed/).fill('0.5');
  const back = page.getByRole('button', { name: 'linus backward' });
  const backBox = await back.boundingBox();
  await page.mouse.move(backBox.x + backBox.width / 2, backBox.y + backBox.height / 2);
  await page.mouse.down();
  await waitLevels(linusPort, LINUS_IN, '0101', 'linus backward while held');
  const duty = execFileSync('pigs', ['gdc', '12'], {
    env: { ...process.env, PIGPIO_ADDR: '127.0.0.1', PIGPIO_PORT: String(linusPort) },
  }).toString().trim();
  if (duty !== '128') throw new Error(`speed 0.5 gave dutycycle ${duty}, expected 128`);
  await page.mouse.up();
  await waitLevels(linusPort, LINUS_IN, '0000', 'linus stops on release');
  await page.getByRole('button', { name: 'linus stop' }).click();
  await waitLevels(linusPort, LINUS_IN, '0000', 'stop button');
  checks.push('speed slider 0.5 -> dutycycle 128, stop');
  console.log(JSON.stringify({ ok: true, checks }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, checks, error: String(err) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
