// Browser test of the robot control page at desktop (1400x900) and phone (390x844) size:
// holds D-pad buttons with the mouse and the keys (arrows: linus, WASD: torvalds), keys
// with and without a focused slider, keys straight after the token, per-motor speeds,
// servo angles and eyes read back (also after a reload), a robot whose daemon is killed
// (its controls disabled, then back), touch targets, and the gateway killed while the page
// is open (the page must say so within 2 s). Every pin is read back with Debian's `pigs`.
// Prints one JSON line; exit status 0 only if every check passed.
//   node robot.mjs <url> <token> <linus-port> <torvalds-port> <gateway-pid> <torvalds-sim-pid>
//                  <pigpio-sim-binary> <screenshot-dir>
import { execFileSync, spawn } from 'node:child_process';
import { launchBrowser } from './launch.mjs';

const [url, token, linusPort, torvaldsPort, gatewayPid, torvaldsSimPid, simBinary, shotDir] =
  process.argv.slice(2);
const LINUS_IN = [13, 21, 17, 27];
const TORVALDS_IN = [7, 8, 9, 10];
const WAIT_MS = 10000;               // longest wait for something that should come sooner
const POLL_MS = 50;
const HOLD_PAST_WATCHDOG_MS = 1200;  // more than twice the 500 ms watchdog
const QUIET_MS = 600;                // how long a key must leave the pins alone
const GATEWAY_GONE_BOUND_MS = 2000;  // the bound for saying the gateway is down
const MIN_TARGET_PX = 44;

function pigs(port, ...args) {
  return execFileSync('pigs', args.map(String), {
    env: { ...process.env, PIGPIO_ADDR: '127.0.0.1', PIGPIO_PORT: String(port) },
  }).toString().trim();
}

function levels(port, pins) { return pins.map((gpio) => pigs(port, 'r', gpio)).join(''); }

async function waitFor(what, fn) {
  const deadline = Date.now() + WAIT_MS;
  let got;
  while (Date.now() < deadline) {
    got = await fn();
    if (got === true) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`${what}: still ${JSON.stringify(got)}`);
}

const waitLevels = (port, pins, expected, what) =>
  waitFor(what, () => { const got = levels(port, pins); return got === expected || got; });

function check(cond, what) { if (!cond) throw new Error(what); }

async function center(locator) {
  const box = await locator.boundingBox();
  return [box.x + box.width / 2, box.y + box.height / 2];
}

async function hold(page, locator, port, pins, expected, what) {
  const [x, y] = await center(locator);
  await page.mouse.move(x, y);
  await page.mouse.down();
  await waitLevels(port, pins, expected, `${what} while held`);
  await page.waitForTimeout(HOLD_PAST_WATCHDOG_MS);
  check(levels(port, pins) === expected, `${what} stopped while the button was held`);
  await page.mouse.up();
  await waitLevels(port, pins, '0000', `${what} stops on release`);
}

async function openPage(browser, viewport, extra) {
  const context = await browser.newContext({ viewport, ...extra });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
  await page.goto(url);
  await page.getByLabel('Robot token').fill(token);
  await page.getByLabel('Robot token').press('Enter');
  for (const name of ['linus', 'torvalds']) {
    await page.locator(`#${name}-status`, { hasText: /^connected$/ }).waitFor({ timeout: WAIT_MS });
  }
  return { page, problems };
}

async function setSlider(page, label, value) {
  const slider = page.getByLabel(label);
  await slider.fill(String(value));
  await slider.dispatchEvent('change');
}

async function desktop(browser, checks) {
  const { page, problems } = await openPage(browser, { width: 1400, height: 900 });
  check(await page.locator('#robot-linus input[type=range]').count() === 4, 'linus: 2 speeds + 2 servos');
  check(await page.locator('#robot-torvalds input[type=range]').count() === 0, 'torvalds has no sliders');
  const nav = await page.locator('#nav-dashboard').getAttribute('href');
  check(nav === 'http://127.0.0.1:8000/', `dashboard link ${nav}`);
  check(await page.locator('.keys', { hasText: 'arrow keys' }).isVisible(), 'key hint on desktop');
  checks.push('desktop: cards built from the config, dashboard link, key hint');

  // Keys work straight after Enter in the token field, without clicking the page.
  await page.keyboard.down('ArrowUp');
  await waitLevels(linusPort, LINUS_IN, '1010', 'linus forward on ArrowUp after the token');
  await page.keyboard.up('ArrowUp');
  await waitLevels(linusPort, LINUS_IN, '0000', 'linus stops on ArrowUp release');
  checks.push('keys drive right after the token is entered');

  await hold(page, page.getByRole('button', { name: 'linus forward' }), linusPort, LINUS_IN, '1010',
    'linus forward (mouse)');
  await page.keyboard.down('w');
  await waitLevels(torvaldsPort, TORVALDS_IN, '0110', 'torvalds forward while W held');
  await page.keyboard.up('w');
  await waitLevels(torvaldsPort, TORVALDS_IN, '0000', 'torvalds stops on W release');
  checks.push('mouse hold past the watchdog, W hold/release');

  // A focused slider keeps its arrow keys; letters still drive torvalds.
  const left = page.getByLabel('Left motor speed');
  await left.focus();
  await page.keyboard.press('ArrowLeft');
  await page.waitForTimeout(QUIET_MS);
  check(levels(linusPort, LINUS_IN) === '0000', 'ArrowLeft on a focused slider drove linus');
  check(await left.inputValue() === '0.95', `slider moved to ${await left.inputValue()}`);
  await page.keyboard.down('d');
  await waitLevels(torvaldsPort, TORVALDS_IN, '0101', 'torvalds right on D with a slider focused');
  await page.keyboard.up('d');
  await waitLevels(torvaldsPort, TORVALDS_IN, '0000', 'torvalds stops on D release');
  await page.locator('h1').click();
  await page.keyboard.down('ArrowLeft');
  await waitLevels(linusPort, LINUS_IN, '0110', 'linus left on ArrowLeft without focus');
  await page.keyboard.up('ArrowLeft');
  await waitLevels(linusPort, LINUS_IN, '0000', 'linus stops on ArrowLeft release');
  checks.push('arrows move a focused slider, drive linus otherwise');

  await left.fill('0.5');
  await page.getByLabel('Right motor speed').fill('1');
  const back = page.getByRole('button', { name: 'linus backward' });
  const [bx, by] = await center(back);
  await page.mouse.move(bx, by);
  await page.mouse.down();
  await waitLevels(linusPort, LINUS_IN, '0101', 'linus backward while held');
  const duty = [pigs(linusPort, 'gdc', 12), pigs(linusPort, 'gdc', 26)].join(' ');
  await page.mouse.up();
  check(duty === '128 255', `per-motor speeds gave dutycycles ${duty}`);
  await waitLevels(linusPort, LINUS_IN, '0000', 'linus stops on release');
  checks.push('per-motor sliders: left 0.5 -> 128 on GPIO 12, right 1 -> 255 on GPIO 26');

  for (const [angle, width] of [[-90, '1000'], [0, '1500'], [90, '2000'], [45, '1750']]) {
    await setSlider(page, /^Servo 1/, angle);
    await waitFor(`servo 1 at ${angle}`, () => pigs(linusPort, 'gpw', 22) === width || pigs(linusPort, 'gpw', 22));
  }
  pigs(linusPort, 's', 23, 1000);  // moved behind the page's back
  await page.reload();
  await page.locator('#linus-status', { hasText: /^connected$/ }).waitFor({ timeout: WAIT_MS });
  await waitFor('servo sliders after reload', async () => {
    const got = [await page.getByLabel(/^Servo 1/).inputValue(), await page.getByLabel(/^Servo 2/).inputValue(),
      await page.locator('#linus-servo-1-value').textContent()];
    return got.join('|') === '45|-90|45° (1750 µs)' || got;
  });
  checks.push('servo -90/0/90/45 -> 1000/1500/2000/1750 us; sliders show the daemon after a reload');

  await page.getByRole('button', { name: 'linus eyes on' }).click();
  await waitFor('eyes on', () => pigs(linusPort, 'r', 16) === '1' || 'dark');
  await page.locator('#robot-linus .eye-lamp[data-level="1"]').waitFor({ timeout: WAIT_MS });
  check(await page.getByRole('button', { name: 'linus eyes on' }).getAttribute('aria-pressed') === 'true', 'on pressed');
  await page.getByRole('button', { name: 'linus blink' }).click();
  await page.locator('#robot-linus .eye-lamp[data-level="0"]').waitFor({ timeout: WAIT_MS });
  await page.locator('#robot-linus .eye-lamp[data-level="1"]').waitFor({ timeout: WAIT_MS });
  await page.getByRole('button', { name: 'linus eyes off' }).click();
  await waitFor('eyes off', () => pigs(linusPort, 'r', 16) === '0' || 'lit');
  checks.push('eyes on/blink/off: pins and the eye lamp follow the daemon');
  check(problems.length === 0, `console errors or failed requests: ${problems.join('; ')}`);
  checks.push('no console errors, no failed requests (favicon included)');

  // torvalds' daemon dies: its controls are disabled and its pins marked stale; it returns.
  process.kill(Number(torvaldsSimPid), 'SIGKILL');
  await page.locator('#torvalds-status', { hasText: 'daemon disconnected' }).waitFor({ timeout: WAIT_MS });
  check(await page.getByRole('button', { name: 'torvalds forward' }).isDisabled(), 'torvalds D-pad enabled');
  check(await page.getByRole('button', { name: 'linus forward' }).isEnabled(), 'linus D-pad disabled');
  await page.locator('#robot-torvalds .pins[data-stale="true"]').waitFor({ timeout: WAIT_MS });
  await page.screenshot({ path: `${shotDir}/robots-desktop-disconnected.png` });
  restarted.push(spawn(simBinary, ['--listen', '127.0.0.1', '--port', torvaldsPort], { stdio: 'ignore' }));
  await page.locator('#torvalds-status', { hasText: /^connected$/ }).waitFor({ timeout: WAIT_MS });
  check(await page.getByRole('button', { name: 'torvalds forward' }).isEnabled(), 'torvalds back');
  checks.push('a killed daemon disables that robot only, and it comes back');
  await page.locator('h1').click();
  await page.locator('#robot-torvalds .pins[data-stale="false"]').waitFor({ timeout: WAIT_MS });
  await page.screenshot({ path: `${shotDir}/screenshot-robots.png` });
  await page.context().close();
}

async function phone(browser, checks) {
  const { page } = await openPage(browser, { width: 390, height: 844 },
    { isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  check(!(await page.locator('.keys').first().isVisible()), 'key hint shown on a phone');
  const small = await page.evaluate((min) => [...document.querySelectorAll('button, input, a')]
    .filter((el) => el.offsetParent !== null)
    .map((el) => [el.getAttribute('aria-label') || el.textContent.trim() || el.id, el.getBoundingClientRect().height])
    .filter(([, h]) => h < min), MIN_TARGET_PX);
  check(small.length === 0, `targets under ${MIN_TARGET_PX}px: ${JSON.stringify(small)}`);
  checks.push('phone: no key hint, every target at least 44 px tall');
  const forward = page.getByRole('button', { name: 'linus forward' });
  await forward.scrollIntoViewIfNeeded();
  await hold(page, forward, linusPort, LINUS_IN, '1010', 'linus forward (phone)');
  checks.push('phone: hold linus forward past the watchdog');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator('#linus-pins tr[data-gpio="13"] td[data-level="0"]').waitFor({ timeout: WAIT_MS });
  await page.screenshot({ path: `${shotDir}/screenshot-robots-phone.png`, fullPage: true });

  const killed = Date.now();
  process.kill(Number(gatewayPid), 'SIGKILL');
  await page.locator('#conn[data-state="unreachable"]').waitFor({ timeout: WAIT_MS });
  const saidMs = Date.now() - killed;
  check(saidMs <= GATEWAY_GONE_BOUND_MS, `gateway down shown after ${saidMs} ms`);
  check(await page.locator('#banner').isVisible(), 'no banner for the dead gateway');
  check(await forward.isDisabled(), 'D-pad still enabled without a gateway');
  await page.locator('#robot-linus .pins[data-stale="true"]').waitFor({ timeout: WAIT_MS });
  checks.push(`gateway killed: unreachable shown after ${saidMs} ms, controls disabled, pins stale`);
  await page.screenshot({ path: `${shotDir}/robots-phone-unreachable.png` });
  await page.context().close();
}

const checks = [];
const restarted = [];  // pigpio-sims this script started in place of a killed one
const browser = await launchBrowser();
try {
  await desktop(browser, checks);
  await phone(browser, checks);
  console.log(JSON.stringify({ ok: true, checks }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, checks, error: String(err) }));
  process.exitCode = 1;
} finally {
  await browser.close();
  for (const sim of restarted) sim.kill('SIGTERM');
}
