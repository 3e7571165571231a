// Control page logic: press-and-hold drive (mouse, touch, arrows for linus, WASD for
// torvalds) repeating the command while held so the gateway's watchdog never fires
// mid-press, stop on release; sliders and eyes buttons; polling of the robots' state
// and pin levels.
'use strict';

const REPEAT_MS = 150;  // drive repeat while held, well under the 500 ms watchdog
const POLL_MS = 300;    // state and pin refresh
const KEYS = {
  ArrowUp: ['linus', 'forward'], ArrowDown: ['linus', 'backward'],
  ArrowLeft: ['linus', 'left'], ArrowRight: ['linus', 'right'],
  w: ['torvalds', 'forward'], s: ['torvalds', 'backward'],
  a: ['torvalds', 'left'], d: ['torvalds', 'right'],
};
const held = {};  // robot -> {dir, timer, button}

const tokenInput = document.getElementById('token');
tokenInput.value = sessionStorage.getItem('robotToken') || '';
tokenInput.addEventListener('change', () => sessionStorage.setItem('robotToken', tokenInput.value));

function say(text) { document.getElementById('message').textContent = text; }

async function post(path, body) {
  try {
    const resp = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + tokenInput.value },
      body: JSON.stringify(body),
    });
    if (!resp.ok) say((await resp.json()).error || resp.statusText); else say('');
  } catch (err) { say(String(err)); }
}

function speedOf(robot) {
  const slider = document.getElementById(robot + '-speed');
  return slider ? Number(slider.value) : 1;
}

function drive(robot, dir) {
  return post(`/api/v1/robots/${robot}/drive`, { direction: dir, speed: speedOf(robot) });
}

function press(robot, dir, button) {
  if (held[robot] && held[robot].dir === dir) return;
  release(robot, false);
  if (dir === 'stop') { drive(robot, 'stop'); return; }
  const timer = setInterval(() => drive(robot, dir), REPEAT_MS);
  held[robot] = { dir, timer, button };
  if (button) button.classList.add('held');
  drive(robot, dir);
}

function release(robot, sendStop = true) {
  const h = held[robot];
  if (!h) return;
  clearInterval(h.timer);
  if (h.button) h.button.classList.remove('held');
  delete held[robot];
  if (sendStop) drive(robot, 'stop');
}

for (const section of document.querySelectorAll('.robot')) {
  const robot = section.dataset.robot;
  for (const button of section.querySelectorAll('.dpad button')) {
    const dir = button.dataset.dir;
    button.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      button.setPointerCapture(e.pointerId);
      press(robot, dir, button);
    });
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
      button.addEventListener(type, () => release(robot));
    }
    button.addEventListener('keydown', (e) => {
      if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) { e.preventDefault(); press(robot, dir, button); }
    });
    button.addEventListener('keyup', (e) => {
      if (e.key === ' ' || e.key === 'Enter') release(robot);
    });
  }
  for (const button of section.querySelectorAll('.eyes button')) {
    button.addEventListener('click', () => post(`/api/v1/robots/${robot}/eyes`, { state: button.dataset.eyes }));
  }
  for (const slider of section.querySelectorAll('input.servo')) {
    const out = document.getElementById(slider.id + '-value');
    slider.addEventListener('input', () => { out.textContent = slider.value; });
    slider.addEventListener('change', () =>
      post(`/api/v1/robots/${robot}/servos/${slider.dataset.servo}`, { angle: Number(slider.value) }));
  }
  const speed = document.getElementById(robot + '-speed');
  if (speed) {
    speed.addEventListener('input', () => {
      document.getElementById(robot + '-speed-value').textContent = Number(speed.value).toFixed(2);
    });
  }
}

function keyOf(e) { return e.key.length === 1 ? e.key.toLowerCase() : e.key; }

document.addEventListener('keydown', (e) => {
  if (e.target === tokenInput) return;
  const hit = KEYS[keyOf(e)];
  if (!hit) return;
  e.preventDefault();
  if (e.repeat) return;
  const [robot, dir] = hit;
  const button = document.querySelector(`#robot-${robot} .dpad [data-dir="${dir}"]`);
  press(robot, dir, button);
});
document.addEventListener('keyup', (e) => {
  const hit = KEYS[keyOf(e)];
  if (hit && held[hit[0]] && held[hit[0]].dir === hit[1]) release(hit[0]);
});
window.addEventListener('blur', () => { for (const robot of Object.keys(held)) release(robot); });

function showRobot(r) {
  const status = document.getElementById(r.name + '-status');
  status.textContent = r.connected ? 'connected' : 'not connected';
  status.className = 'status ' + (r.connected ? 'up' : 'down');
  const body = document.getElementById(r.name + '-pins');
  body.replaceChildren();
  for (const pin of r.pins || []) {
    const row = document.createElement('tr');
    row.dataset.gpio = pin.gpio;
    const value = pin.dutycycle !== undefined ? `duty ${pin.dutycycle}`
      : pin.pulse_us !== undefined ? `${pin.pulse_us} us` : '';
    for (const text of [pin.gpio, pin.role, pin.level === null ? '?' : pin.level, value]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.appendChild(cell);
    }
    row.children[2].className = pin.level === 1 ? 'high' : '';
    row.children[2].dataset.level = pin.level;
    body.appendChild(row);
  }
}

async function poll() {
  try {
    const resp = await fetch('/api/v1/robots');
    const doc = await resp.json();
    for (const r of doc.robots) showRobot(r);
  } catch (err) { /* the next poll retries */ }
  setTimeout(poll, POLL_MS);
}
poll();
