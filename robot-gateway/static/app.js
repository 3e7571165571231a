// Control page logic. Cards are built from GET /api/v1/robots: every robot's D-pad, one
// speed slider per motor (its enables), one slider per servo and the eyes buttons come
// from its config. Press-and-hold drive (mouse, touch, keys: arrows for the first robot,
// WASD for the second) repeats the command while held, so the watchdog never fires
// mid-press, and sends stop on release. The state is polled: when the gateway does not
// answer, or a robot's daemon is not connected, the page says so, disables the controls
// it cannot honour and marks the pin table stale. Keys leave focused inputs alone.
'use strict';

const REPEAT_MS = 150;         // drive repeat while held, well under the 500 ms watchdog
const POLL_MS = 300;           // state and pin refresh
const POLL_TIMEOUT_MS = 1000;  // a poll not answered by then counts as a failure
const SERVO_HOLD_MS = 1500;    // a servo slider just moved by the user is not overwritten
const DASHBOARD_PORT = 8000;   // where the dashboard listens when no URL is configured
const KEY_SETS = [
  { hint: 'Keys: arrow keys', keys: { ArrowUp: 'forward', ArrowDown: 'backward', ArrowLeft: 'left', ArrowRight: 'right' } },
  { hint: 'Keys: W A S D', keys: { w: 'forward', s: 'backward', a: 'left', d: 'right' } },
];
const SLIDER_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown']);
const EYES = [['on', 'Eyes on'], ['off', 'Eyes off'], ['blink', 'Blink']];

const $ = (id) => document.getElementById(id);
const cards = {};  // robot name -> {el, robot, keys, enabled, servoTouched}
const held = {};   // robot name -> {dir, timer, button}
let configKey = '';
let lastOk = null;

const tokenInput = $('token');
tokenInput.value = sessionStorage.getItem('robotToken') || '';
tokenInput.addEventListener('input', () => sessionStorage.setItem('robotToken', tokenInput.value));
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem('robotToken', tokenInput.value);
  tokenInput.blur();  // the keys drive again at once
  say(tokenInput.value ? 'Token set.' : 'Token cleared.');
});
$('nav-dashboard').href = `${location.protocol}//${location.hostname}:${DASHBOARD_PORT}/`;

function say(text) { $('message').textContent = text; }

function setConn(state, text, banner) {
  const pill = $('conn');
  pill.dataset.state = state;
  pill.textContent = text;
  const box = $('banner');
  box.hidden = !banner;
  box.textContent = banner || '';
  if (banner) box.dataset.kind = 'unreachable'; else delete box.dataset.kind;
}

async function post(path, body) {
  try {
    const resp = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + tokenInput.value },
      body: JSON.stringify(body),
    });
    if (resp.ok) { say(''); return; }
    const doc = await resp.json().catch(() => ({}));
    say(resp.status === 401 ? 'Enter the robot token (Authorization refused).' : (doc.error || resp.statusText));
  } catch (err) {
    say('The robot gateway does not answer: ' + err.message);
  }
}

function speedOf(card) {
  const motors = card.robot.config.motors;
  const value = (m) => Number(card.el.querySelector(`[data-motor="${m}"]`).value);
  if (motors.length === 0) return undefined;
  if (motors.length === 1) return value(motors[0]);
  return Object.fromEntries(motors.map((m) => [m, value(m)]));
}

function drive(name, dir) {
  const card = cards[name];
  const body = { direction: dir };
  const speed = speedOf(card);
  if (speed !== undefined && dir !== 'stop') body.speed = speed;
  return post(`/api/v1/robots/${name}/drive`, body);
}

function press(name, dir, button) {
  if (!cards[name] || !cards[name].enabled) return;
  if (held[name] && held[name].dir === dir) return;
  release(name, false);
  if (dir === 'stop') { drive(name, 'stop'); return; }
  const timer = setInterval(() => drive(name, dir), REPEAT_MS);
  held[name] = { dir, timer, button };
  if (button) button.classList.add('held');
  drive(name, dir);
}

function release(name, sendStop = true) {
  const h = held[name];
  if (!h) return;
  clearInterval(h.timer);
  if (h.button) h.button.classList.remove('held');
  delete held[name];
  if (sendStop) drive(name, 'stop');
}

function releaseAll(sendStop) { for (const name of Object.keys(held)) release(name, sendStop); }

function element(tag, props = {}, text = '') {
  const el = document.createElement(tag);
  Object.assign(el, props);
  if (text) el.textContent = text;
  return el;
}

function addSlider(parent, id, label, attrs) {
  const wrap = element('div', { className: 'slider' });
  const out = element('output', { id: id + '-value' });
  const input = element('input', { id, type: 'range', ...attrs });
  wrap.append(element('label', { htmlFor: id }, label), out, input);
  parent.append(wrap);
  return [input, out];
}

function wireDpad(card) {
  const name = card.robot.name;
  for (const button of card.el.querySelectorAll('.dpad button')) {
    const dir = button.dataset.dir;
    button.setAttribute('aria-label', `${name} ${dir}`);
    button.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      button.setPointerCapture(e.pointerId);
      press(name, dir, button);
    });
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
      button.addEventListener(type, () => release(name));
    }
    button.addEventListener('keydown', (e) => {
      if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) { e.preventDefault(); press(name, dir, button); }
    });
    button.addEventListener('keyup', (e) => { if (e.key === ' ' || e.key === 'Enter') release(name); });
  }
}

function buildSliders(card) {
  const { name, config, speeds } = card.robot;
  const box = card.el.querySelector('.sliders');
  for (const motor of config.motors) {
    const id = `${name}-speed-${motor}`;
    const [input, out] = addSlider(box, id, `${motor[0].toUpperCase()}${motor.slice(1)} motor speed`,
      { min: 0, max: 1, step: 0.05, value: speeds ? speeds[motor] : 1 });
    input.dataset.motor = motor;
    const show = () => { out.textContent = Number(input.value).toFixed(2); };
    input.addEventListener('input', show);
    show();
  }
  for (const servo of config.servos) {
    const id = `${name}-servo-${servo.servo}`;
    const [input, out] = addSlider(box, id, `Servo ${servo.servo} (GPIO ${servo.gpio})`,
      { min: -90, max: 90, step: 1, value: 0 });
    input.dataset.servo = servo.servo;
    input.addEventListener('input', () => {
      card.servoTouched[servo.servo] = Date.now();
      out.textContent = `${input.value}°`;
    });
    input.addEventListener('change', () => {
      card.servoTouched[servo.servo] = Date.now();
      post(`/api/v1/robots/${name}/servos/${servo.servo}`, { angle: Number(input.value) });
    });
  }
}

function buildEyes(card) {
  const name = card.robot.name;
  const group = card.el.querySelector('.eyes');
  group.setAttribute('aria-label', `${name} eyes`);
  for (const [state, label] of EYES) {
    const button = element('button', { type: 'button' }, label);
    button.dataset.eyes = state;
    button.setAttribute('aria-label', `${name} ${label.toLowerCase()}`);
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', () => post(`/api/v1/robots/${name}/eyes`, { state }));
    group.append(button);
  }
}

function buildCard(robot, index) {
  const el = $('robot-card').content.firstElementChild.cloneNode(true);
  el.id = `robot-${robot.name}`;
  el.dataset.robot = robot.name;
  el.setAttribute('aria-labelledby', `${robot.name}-title`);
  const title = el.querySelector('.robot-name');
  title.id = `${robot.name}-title`;
  title.textContent = robot.name;
  el.querySelector('.robot-status').id = `${robot.name}-status`;
  el.querySelector('.dpad').setAttribute('aria-label', `${robot.name} drive`);
  el.querySelector('.pins').setAttribute('aria-label', `${robot.name} pin levels`);
  el.querySelector('.pins tbody').id = `${robot.name}-pins`;
  const keys = KEY_SETS[index] || null;
  el.querySelector('.keys').textContent = keys ? keys.hint : '';
  const card = { el, robot, keys: keys ? keys.keys : {}, enabled: false, servoTouched: {} };
  cards[robot.name] = card;
  wireDpad(card);
  buildSliders(card);
  buildEyes(card);
  return el;
}

function buildAll(robots) {
  releaseAll(false);
  for (const name of Object.keys(cards)) delete cards[name];
  const box = $('robots');
  box.replaceChildren(...robots.map(buildCard));
  box.removeAttribute('aria-busy');
}

function setEnabled(card, on) {
  card.enabled = on;
  for (const control of card.el.querySelectorAll('button, input')) control.disabled = !on;
  if (!on) release(card.robot.name, false);
}

function clock(t) { return t ? t.toLocaleTimeString() : 'never'; }

function markStale(card, why) {
  const table = card.el.querySelector('.pins');
  table.dataset.stale = 'true';
  table.querySelector('caption').textContent = `Stale: ${why}; last read ${clock(card.readAt)}`;
}

function showPins(card, pins) {
  const table = card.el.querySelector('.pins');
  const body = table.querySelector('tbody');
  body.replaceChildren();
  for (const pin of pins) {
    const row = element('tr');
    row.dataset.gpio = pin.gpio;
    const value = pin.dutycycle !== undefined ? `duty ${pin.dutycycle}`
      : pin.pulse_us !== undefined ? `${pin.pulse_us} µs` : '';
    const cells = [[pin.gpio, 'num'], [pin.role, ''], [pin.level === null ? '?' : pin.level, 'num'], [value, 'num']];
    for (const [text, cls] of cells) row.append(element('td', { className: cls }, String(text)));
    row.children[2].dataset.level = pin.level;
    body.append(row);
  }
  card.readAt = new Date();
  table.dataset.stale = 'false';
  table.querySelector('caption').textContent = `Read back from the daemon at ${clock(card.readAt)}`;
}

function showServos(card, robot) {
  for (const servo of robot.servos) {
    const input = card.el.querySelector(`[data-servo="${servo.servo}"]`);
    if (!input) continue;
    const out = $(input.id + '-value');
    input.dataset.angle = servo.angle === null ? '' : servo.angle;
    const touched = card.servoTouched[servo.servo] || 0;
    if (document.activeElement === input && Date.now() - touched < SERVO_HOLD_MS) continue;
    if (servo.angle === null) { out.textContent = 'off'; continue; }
    input.value = Math.round(servo.angle);
    out.textContent = `${servo.angle}° (${servo.pulse_us} µs)`;
  }
}

function showEyes(card, robot) {
  const lamp = card.el.querySelector('.eye-lamp');
  lamp.dataset.level = robot.eyes_level === null ? '' : robot.eyes_level;
  const now = robot.eyes_level === null ? 'unknown' : robot.eyes_level ? 'lit' : 'dark';
  card.el.querySelector('.eyes-state').textContent = `Eyes ${robot.eyes} (now ${now})`;
  for (const button of card.el.querySelectorAll('.eyes button')) {
    button.setAttribute('aria-pressed', String(button.dataset.eyes === robot.eyes));
  }
}

function showRobot(robot) {
  const card = cards[robot.name];
  card.robot = robot;
  const status = card.el.querySelector('.robot-status');
  status.dataset.state = robot.connected ? 'live' : 'disconnected';
  status.textContent = robot.connected ? 'connected' : 'daemon disconnected';
  setEnabled(card, robot.connected);
  if (robot.connected && robot.pins) showPins(card, robot.pins);
  else markStale(card, `pigpio daemon at ${robot.pigpio} not connected`);
  showServos(card, robot);
  showEyes(card, robot);
}

function showDoc(doc) {
  const key = JSON.stringify(doc.robots.map((r) => [r.name, r.config]));
  if (key !== configKey) { buildAll(doc.robots); configKey = key; }
  if (doc.dashboard_url) $('nav-dashboard').href = doc.dashboard_url;
  for (const robot of doc.robots) showRobot(robot);
  lastOk = new Date();
  const down = doc.robots.filter((r) => !r.connected).map((r) => r.name);
  if (down.length) setConn('partial', `Live · ${down.join(', ')} disconnected`);
  else setConn('live', 'Live');
}

function showUnreachable(err) {
  const since = lastOk ? `last answer ${clock(lastOk)}` : 'no answer yet';
  setConn('unreachable', 'Gateway unreachable',
    `The robot gateway does not answer (${err}); ${since}. Controls are disabled until it does.`);
  for (const card of Object.values(cards)) {
    setEnabled(card, false);
    const status = card.el.querySelector('.robot-status');
    status.dataset.state = 'stale';
    status.textContent = 'unknown';
    markStale(card, 'the gateway does not answer');
  }
}

// One state request: the document, or null after saying why the gateway did not answer.
async function fetchState() {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), POLL_TIMEOUT_MS);
  try {
    const resp = await fetch('/api/v1/robots', { signal: abort.signal, cache: 'no-store' });
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
    return await resp.json();
  } catch (err) {
    showUnreachable(err.name === 'AbortError' ? `no reply within ${POLL_TIMEOUT_MS} ms` : err.message);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

async function poll() {
  const doc = await fetchState();
  try {
    if (doc) showDoc(doc);
  } catch (err) {
    setConn('stale', 'Page error', `The page could not show the robots' state: ${err.message}`);
  }
  setTimeout(poll, POLL_MS);
}

function keyOf(e) { return e.key.length === 1 ? e.key.toLowerCase() : e.key; }

// A key belongs to a focused text field, or to a focused slider when the slider uses it.
function keyIsTheInputs(e) {
  const t = e.target;
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') return true;
  if (t.tagName !== 'INPUT') return false;
  return t.type === 'range' ? SLIDER_KEYS.has(e.key) : true;
}

function keyTarget(e) {
  const key = keyOf(e);
  for (const card of Object.values(cards)) {
    if (card.keys[key]) return [card.robot.name, card.keys[key]];
  }
  return null;
}

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || keyIsTheInputs(e)) return;
  const hit = keyTarget(e);
  if (!hit) return;
  e.preventDefault();
  if (e.repeat) return;
  const [name, dir] = hit;
  press(name, dir, cards[name].el.querySelector(`.dpad [data-dir="${dir}"]`));
});
document.addEventListener('keyup', (e) => {
  const hit = keyTarget(e);
  if (hit && held[hit[0]] && held[hit[0]].dir === hit[1]) release(hit[0]);
});
window.addEventListener('blur', () => releaseAll(true));
poll();
