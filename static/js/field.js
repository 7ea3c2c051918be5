// The field app on top of plain server forms: autosave, stopwatch, counter, "now" buttons,
// photos kept on the phone, the offline start and submission, and the service worker.
import { load, newId, photosOf, putPhoto, reopen, unsent, update, visitIds } from './store.js';
import { flush, serverState, startSending } from './sync.js';

document.documentElement.classList.add('js');
const root = document.querySelector('[data-field-app]');
const msgEl = document.querySelector('[data-messages]');
const msg = (name) => (msgEl && msgEl.dataset[name]) || name;
const app = root && { uid: root.dataset.user, vid: root.dataset.visit, home: root.dataset.home };
const $ = (sel, el = document) => el.querySelector(sel);
const $$ = (sel, el = document) => [...el.querySelectorAll(sel)];

function status(text, kind = '') {
  const el = $('[data-sync]');
  if (el) { el.textContent = text; el.dataset.kind = kind; }
}

function keep(change) {
  try {
    return update(app.uid, app.vid, change);
  } catch (e) {
    status(msg('storageFull'), 'error');
    throw e;
  }
}

// Statuses in which the shopper may change the visit; with 'scheduled', the ones still to do.
const EDITABLE = ['in_progress', 'returned'];
const OPEN = ['scheduled', ...EDITABLE];

// Whether a page (or row) rendered by the server shows the visit back with the shopper after
// this phone's last send: it was rendered after that send (its submitted_at is at least the
// send's), yet the visit is editable. A page older than the send (a cached copy) proves nothing.
function returnedSince(rec, status, submittedAt) {
  if (!EDITABLE.includes(status)) return false;
  if (rec.state === 'sent') return !!(rec.sentAt && submittedAt && submittedAt >= rec.sentAt);
  return rec.state === 'refused' && status === 'returned';
}

// Ask the server about a visit this phone has sent; reopen it if it came back. null offline.
const asked = new Set();
async function askServer(vid) {
  if (asked.has(vid) || !navigator.onLine || load(app.uid, vid).state !== 'sent') return null;
  asked.add(vid);
  const server = await serverState(app, vid);
  if (!server) { asked.delete(vid); return null; }
  if (EDITABLE.includes(server.status) && load(app.uid, vid).state === 'sent') {
    reopen(app.uid, vid);
    return { server, reopened: true };
  }
  return { server, reopened: false };
}

function adoptPageStatus() {
  if (!app.vid) return;
  if (returnedSince(load(app.uid, app.vid), root.dataset.status, root.dataset.submittedAt)) {
    reopen(app.uid, app.vid);
  }
}

function showState() {
  if (!app.vid) return indexBadges();
  const rec = load(app.uid, app.vid);
  if (root.dataset.summary !== undefined) summaryState(rec);
  if (rec.state === 'sent') { checkVisit(); return status(`✓ ${msg('sent')}`, 'sent'); }
  if (rec.message) return status(`${msg('refused')} ${rec.message}`, 'error');
  // The session ran out (e.g. while offline): nothing is lost, it is sent after the next login.
  if (app.lastResult === 'login' && (rec.submit || unsent(rec))) return status(msg('login'), 'error');
  if (rec.submit) return status(navigator.onLine ? msg('sending') : msg('queued'), 'queued');
  if (unsent(rec)) return status(navigator.onLine ? msg('savedLocal') : msg('offline'), 'local');
  if (rec.rev) status(msg('savedServer'), 'saved');
}

// A sent visit on its own page: a copy older than the send (or a return since) is corrected.
async function checkVisit() {
  const got = await askServer(app.vid);
  if (!got) return;
  if (got.reopened) return location.reload();  // the page shown was older than the return
  if (root.dataset.summary !== undefined) showServerSummary(got.server);
}

function indexBadges() {
  // The service worker showed My visits because the page asked for is not on the phone.
  if (location.pathname !== app.home) status(msg('notOnPhone'), 'error');
  for (const row of $$('[data-visit-row]')) {
    const vid = row.dataset.visitRow;
    if (returnedSince(load(app.uid, vid), row.dataset.status, row.dataset.submittedAt)) reopen(app.uid, vid);
    const rec = load(app.uid, vid);
    const badge = $('[data-queue-badge]', row);
    const text = rec.state === 'sent' ? `✓ ${msg('sent')}` : rec.submit ? msg('waiting')
      : unsent(rec) ? msg('onPhone') : '';
    badge.hidden = !text;
    badge.textContent = text;
    badge.dataset.kind = rec.state === 'sent' ? 'sent' : 'local';
    if (rec.state === 'sent' && OPEN.includes(row.dataset.status)) checkRow(row);
  }
}

// A row that says "to do" for a visit this phone has sent: the list is older than the send, or
// the visit came back. The server says which; the row follows without a reload.
async function checkRow(row) {
  const got = await askServer(row.dataset.visitRow);
  if (!got) return;
  const badge = $('.badge[class*="status-"]', row);
  if (badge && got.server.status !== row.dataset.status) {
    badge.className = `badge status-${got.server.status}`;
    badge.textContent = got.server.status_label;
    row.dataset.status = got.server.status;
    row.dataset.submittedAt = got.server.submitted_at || '';
  }
  if (got.reopened) indexBadges();
}

let timer = null;
function soon() {
  clearTimeout(timer);
  timer = setTimeout(() => flush(app), 1500);
}

// ---------------------------------------------------------------- the checklist form
const form = $('[data-checklist]');

function fieldsOf(fieldset) {
  const out = {};
  for (const el of $$('input[name], textarea[name], select[name]', fieldset)) {
    if (el.type === 'file' || el.type === 'hidden') continue;
    if (el.type === 'radio') { if (!(el.name in out) || el.checked) out[el.name] = el.checked ? el.value : ''; }
    else if (el.type === 'checkbox') out[el.name] = el.checked ? '1' : '';
    else out[el.name] = el.value;
  }
  return out;
}

function restore(fields) {
  for (const [name, value] of Object.entries(fields)) {
    for (const el of $$(`[name="${CSS.escape(name)}"]`, form)) {
      if (el.type === 'radio') el.checked = el.value === value;
      else if (el.type === 'checkbox') el.checked = value === '1';
      else if (el.type !== 'file') el.value = value;
    }
  }
  for (const d of $$('details.comment', form)) if ($('textarea', d).value) d.open = true;
}

function remember(fieldset) {
  const fields = fieldsOf(fieldset);
  keep((rec) => { Object.assign(rec.fields, fields, { tz: String(-new Date().getTimezoneOffset()) }); rec.rev += 1; });
  showState();
  soon();
}

function setupChecklist() {
  const rec = load(app.uid, app.vid);
  const hint = $('[data-start-hint]');
  if (hint && (rec.start || rec.rev)) hint.hidden = true;  // a page cached before the start
  restore(rec.fields);
  $('[data-tz]').value = String(-new Date().getTimezoneOffset());
  applyLogic();
  const changed = (e) => { const fs = e.target.closest('fieldset.q'); if (fs) { remember(fs); applyLogic(); } };
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  form.addEventListener('submit', (e) => {
    const go = e.submitter && e.submitter.dataset.go;
    if (!go) return;  // "Remove photo" and the like stay plain form posts
    e.preventDefault();
    for (const fs of $$('fieldset.q', form)) remember(fs);
    location.href = go;
  });
  $$('[data-stopwatch]').forEach(stopwatch);
  $$('[data-counter]').forEach(counter);
  $$('[data-now]').forEach((b) => b.addEventListener('click', () => {
    const input = $(`[name="${CSS.escape(b.dataset.now)}"]`, form);
    // A step already recorded is never overwritten by a tap: the old time may be the true one.
    if (input.value) return fieldError(b.closest('fieldset.q'), fmt('stepTwice', { step: b.dataset.label, time: input.value.replace('T', ' ') }));
    const d = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
    input.value = d.toISOString().slice(0, 16);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    shareStep(input);
  }));
  form.addEventListener('change', (e) => { if (e.target.dataset.sharedStep) shareStep(e.target); });
  $$('[data-interval]').forEach(intervalField);
  $$('[data-photo-input]').forEach(photoInput);
  showPhotos();
}

// ---------------------------------------------------------------- show-if: criteria/logic.py's rules
// The page carries the set's conditions (condition_data) and answer types; the answers come from
// this page's inputs and, for the other pages, from what the phone keeps. Same rules as the
// server: unanswered, N/A or hidden fails a test; "eq" on a list means "ticked".
const logicEl = $('[data-logic]');
const logic = logicEl && JSON.parse(logicEl.textContent);
const NUMERIC = ['rating', 'count', 'number', 'amount', 'nps', 'duration'];

function valueOf(fields, key, type) {
  if (fields[`na-${key}`] === '1') return undefined;
  if (type === 'multi_choice') {
    const prefix = `a-${key}-o-`;
    const ticked = Object.keys(fields).filter((n) => n.startsWith(prefix) && fields[n] === '1');
    if (ticked.length) return ticked.map((n) => n.slice(prefix.length));
    return fields[`a-${key}-none`] === '1' ? [] : undefined;
  }
  if (type === 'duration') {
    const [m, s] = [fields[`a-${key}-min`], fields[`a-${key}-sec`]];
    return m || s ? Number(m || 0) * 60 + Number(s || 0) : undefined;
  }
  const raw = (fields[`a-${key}`] || '').trim();
  if (!raw) return undefined;
  if (type === 'yes_no') return raw === 'yes' ? true : raw === 'no' ? false : undefined;
  if (NUMERIC.includes(type)) {
    const n = Number(raw.replace(',', '.'));
    return Number.isFinite(n) ? n : undefined;
  }
  return raw;
}

const same = (a, b) => (Array.isArray(a) ? a.includes(b) : a === b);

function holds(rule, answers, hidden) {
  if (rule.all) return rule.all.every((r) => holds(r, answers, hidden));
  if (rule.any) return rule.any.some((r) => holds(r, answers, hidden));
  const a = hidden.has(rule.key) ? undefined : answers[rule.key];
  if (a === undefined) return false;
  if ('eq' in rule) return same(a, rule.eq);
  if ('in' in rule) return rule.in.some((v) => same(a, v));
  if ('not' in rule) return !same(a, rule.not);
  return typeof a === 'number' && (rule.min == null || a >= rule.min) && (rule.max == null || a <= rule.max);
}

function hiddenKeys(fields) {
  const answers = {};
  for (const [key, type] of Object.entries(logic.types)) answers[key] = valueOf(fields, key, type);
  const hidden = new Set();
  for (const s of logic.rules.sections) {
    const off = s.show_if && !holds(s.show_if, answers, hidden);
    for (const c of s.criteria) if (off || (c.show_if && !holds(c.show_if, answers, hidden))) hidden.add(c.key);
  }
  return hidden;
}

function applyLogic() {
  if (!logic) return;
  const fields = { ...load(app.uid, app.vid).fields };
  for (const fs of $$('fieldset.q', form)) Object.assign(fields, fieldsOf(fs));
  const hidden = hiddenKeys(fields);
  for (const fs of $$('fieldset.q', form)) fs.hidden = hidden.has(fs.dataset.key);
}

// ---------------------------------------------------------------- intervals: steps days apart
const SKEW = 5 * 60000;  // the server allows the phone's clock this far ahead
const fmt = (name, vars) => msg(name).replace(/\{(\w+)\}/g, (m, k) => vars[k]);

function elapsed(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600) % 24;
  const m = Math.floor((s % 3600) / 60);
  if (s < 60) return fmt('fmtS', { n: s });
  if (s < 3600) return fmt('fmtMin', { m });
  if (s < 86400) return m ? fmt('fmtHMin', { h, m }) : fmt('fmtH', { h });
  const days = new Intl.NumberFormat(document.documentElement.lang || 'en',
    { style: 'unit', unit: 'day', unitDisplay: 'long' }).format(Math.floor(s / 86400));
  return h ? `${days} ${fmt('fmtH', { h })}` : days;
}

function fieldError(fs, text) {
  let p = $('[data-js-error]', fs);
  if (!p && !text) return;
  if (!p) {
    p = document.createElement('p');
    p.className = 'error';
    p.setAttribute('role', 'alert');
    p.dataset.jsError = '';
    const box = $('[data-interval]', fs);
    if (box) box.after(p); else fs.append(p);  // next to the times it is about
  }
  p.textContent = text;
  p.hidden = !text;
  fs.classList.toggle('has-error', !!text);
}

// The shopper's own words for a step shared by several questions ("Order placed") fill the rest.
function shareStep(input) {
  for (const other of $$(`[data-shared-step="${CSS.escape(input.dataset.sharedStep || '')}"]`, form)) {
    if (other !== input && !other.value && input.value) {
      other.value = input.value;
      other.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }
}

// datetime-local values are the phone's wall time; new Date() reads them as such.
function intervalField(box) {
  const fs = box.closest('fieldset.q');
  const [from, to] = ['from', 'to'].map((p) => $(`[name="a-${box.dataset.interval}-${p}"]`, box));
  const out = $('[data-elapsed]', box);
  const deadline = Number(box.dataset.deadline) * 1000 || null;
  const { first, second } = box.dataset;
  const check = () => {
    const a = from.value ? new Date(from.value).getTime() : null;
    const b = to.value ? new Date(to.value).getTime() : null;
    const now = Date.now();
    let error = '';
    let shown = '';
    if (a && a > now + SKEW) error = fmt('stepFuture', { step: first });
    else if (b && b > now + SKEW) error = fmt('stepFuture', { step: second });
    else if (b && !a) error = fmt('stepFirst', { step: first });
    else if (a && b && b < a) error = fmt('stepBefore', { first, second });
    else if (a && b) shown = fmt('timeBetween', { t: elapsed(b - a) });
    else if (a && deadline && now - a >= deadline) shown = msg('noAnswer');
    else if (a) shown = fmt('waitingFor', { t: elapsed(now - a) });
    out.textContent = shown;
    out.classList.toggle('no-answer', shown === msg('noAnswer'));
    fieldError(fs, error);
  };
  box.addEventListener('input', check);
  check();
  setInterval(check, 60000);
}

// Answers the server refused in a draft: the message goes to the question, the typing stays.
document.addEventListener('audit:field-errors', (e) => {
  for (const [key, text] of Object.entries(e.detail || {})) {
    const fs = document.getElementById(`q-${key}`);
    if (fs) fieldError(fs, text);
  }
});

const pad = (n) => String(n).padStart(2, '0');
const clock = (s) => `${Math.floor(s / 60)}:${pad(Math.floor(s % 60))}`;

// The stopwatch survives a reload: its start time is kept with the visit's record.
function stopwatch(el) {
  const key = el.dataset.stopwatch;
  const out = $('[data-sw-time]', el);
  const [startB, stopB, resetB] = [$('[data-sw-start]', el), $('[data-sw-stop]', el), $('[data-sw-reset]', el)];
  const min = $(`[name="a-${key}-min"]`, form);
  const sec = $(`[name="a-${key}-sec"]`, form);
  let tick = null;
  const state = () => load(app.uid, app.vid).sw[key] || { since: null, acc: 0 };
  const seconds = (s) => s.acc + (s.since ? (Date.now() - s.since) / 1000 : 0);
  const draw = () => {
    const s = state();
    out.textContent = clock(seconds(s));
    startB.disabled = !!s.since;
    stopB.disabled = !s.since;
    el.classList.toggle('running', !!s.since);
    // A live reading every second would drown a screen reader: it speaks the time once stopped.
    out.setAttribute('aria-busy', String(!!s.since));
  };
  const run = () => { clearInterval(tick); tick = setInterval(draw, 250); draw(); };
  startB.addEventListener('click', () => {
    keep((r) => { const s = r.sw[key] || { acc: 0 }; r.sw[key] = { since: Date.now(), acc: s.acc || 0 }; });
    run();
  });
  stopB.addEventListener('click', () => {
    let total = 0;
    keep((r) => { const s = r.sw[key]; total = Math.round(seconds(s)); r.sw[key] = { since: null, acc: total }; });
    clearInterval(tick);
    min.value = String(Math.floor(total / 60));
    sec.value = String(total % 60);
    min.dispatchEvent(new Event('input', { bubbles: true }));
    draw();
  });
  resetB.addEventListener('click', () => {
    keep((r) => { r.sw[key] = { since: null, acc: 0 }; });
    clearInterval(tick);
    draw();
  });
  if (state().since) run(); else draw();
}

function counter(el) {
  const input = $('input', el);
  const live = $('[data-counter-live]', el);  // says the new count after a tap on - or +
  for (const b of $$('[data-step]', el)) {
    b.addEventListener('click', () => {
      const now = parseInt(input.value || '0', 10) || 0;
      input.value = String(Math.max(0, now + Number(b.dataset.step)));
      if (live) live.textContent = input.value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }
}

// ---------------------------------------------------------------- photos
const MAX_SIDE = 1600;

async function downscale(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
}

function photoInput(input) {
  input.addEventListener('change', async () => {
    for (const file of input.files) {
      let blob;
      try { blob = await downscale(file); } catch (e) { status(msg('notImage'), 'error'); continue; }
      const photo = { id: newId(), uid: app.uid, vid: app.vid, key: input.dataset.photoInput, blob, sent: false };
      try { await putPhoto(photo); } catch (e) { status(msg('storageFull'), 'error'); continue; }
      keep((r) => { r.rev += 1; });
    }
    input.value = '';
    await showPhotos();
    showState();
    soon();
  });
}

async function showPhotos() {
  for (const p of await photosOf(app.uid, app.vid)) {
    const list = $(`[data-thumbs="${CSS.escape(p.key)}"]`);
    if (!list) continue;
    let li = $(`[data-photo-client="${CSS.escape(p.id)}"]`, list);
    if (!li) {
      li = document.createElement('li');
      li.dataset.photoClient = p.id;
      const img = document.createElement('img');
      img.width = 96; img.height = 96; img.alt = '';
      img.src = p.blob ? URL.createObjectURL(p.blob) : p.url;
      li.append(img, document.createElement('span'));
      list.append(li);
    }
    const note = $('span', li);
    if (note) note.textContent = p.error ? `${msg('refused')} ${p.error}` : p.sent ? `✓ ${msg('sent')}` : msg('onPhone');
  }
}
document.addEventListener('audit:photo', () => form && showPhotos());

// ---------------------------------------------------------------- start, end, summary, submit
function position() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve({});
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy }),
      () => resolve({}), { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  });
}

function setupStart(startForm) {
  const rec = load(app.uid, app.vid);
  const first = root.dataset.offlineUrls.split(' ').find((u) => u.includes('/sections/1'));
  if (rec.start) {
    startForm.hidden = true;
    $('[data-continue]').hidden = false;
    status(msg('startedOffline'), 'local');
    return;
  }
  startForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    $('[data-start]', startForm).disabled = true;
    const body = { started_at: new Date().toISOString() };
    if (root.dataset.channel === 'physical') Object.assign(body, await position());
    else {
      body.online_url = startForm.elements.online_url.value;
      body.online_channel = startForm.elements.online_channel.value;
    }
    keep((r) => { r.start = body; });
    await Promise.race([flush(app), new Promise((ok) => setTimeout(ok, 3000))]);
    await tellWorker({ type: 'visit-changed', vid: app.vid });
    location.href = first;
  });
}

function hasAnswer(fields, key, type) {
  if (fields[`na-${key}`] === '1') return true;
  if (type === 'multi_choice') return Object.keys(fields).some((n) => (n.startsWith(`a-${key}-o-`) || n === `a-${key}-none`) && fields[n] === '1');
  if (type === 'duration') return !!(fields[`a-${key}-min`] || fields[`a-${key}-sec`]);
  if (type === 'interval') return !!fields[`a-${key}-from`];
  return !!fields[`a-${key}`];
}

async function missingNow() {
  const rec = load(app.uid, app.vid);
  const photos = await photosOf(app.uid, app.vid);
  const known = (key) => [`a-${key}`, `a-${key}-min`, `a-${key}-from`, `na-${key}`, `a-${key}-none`].some((n) => n in rec.fields);
  const hidden = logic ? hiddenKeys(rec.fields) : new Set();
  let missing = 0;
  for (const li of $$('[data-req]')) {
    const { req: key, type } = li.dataset;
    // A question an answer hides is never missing; one the server hid is asked once shown.
    const answered = hidden.has(key) || photos.some((p) => p.key === key) ||
      (known(key) || 'logicHidden' in li.dataset ? hasAnswer(rec.fields, key, type) : 'serverAnswered' in li.dataset);
    li.hidden = answered;
    if (!answered) missing += 1;
  }
  $('[data-all-done]').hidden = missing > 0;
  return missing;
}

// The online steps whose answer may still come, by the phone's own record: names for the question.
function waitingNow() {
  const rec = load(app.uid, app.vid);
  const when = new Intl.DateTimeFormat(document.documentElement.lang || 'en', { dateStyle: 'medium', timeStyle: 'short' });
  const names = [];
  for (const li of $$('[data-wait]')) {
    const key = li.dataset.wait;
    const value = (part, kept) => (`a-${key}-${part}` in rec.fields ? rec.fields[`a-${key}-${part}`] : kept);
    const sent = value('from', li.dataset.sent) ? new Date(value('from', li.dataset.sent)).getTime() : null;
    const deadline = Number(li.dataset.deadline) * 1000 || null;
    const waiting = !!sent && !value('to', li.dataset.received) && rec.fields[`na-${key}`] !== '1' &&
      !(deadline && Date.now() - sent >= deadline);
    li.hidden = !waiting;
    if (!waiting) continue;
    const step = li.dataset.step;
    $('[data-until]', li).textContent = deadline
      ? fmt('waitingUntil', { step, when: when.format(new Date(sent + deadline)) }) : fmt('waitingStep', { step });
    names.push(`${$('[data-wait-name]', li).textContent.trim()} (${step})`);
  }
  const card = $('[data-waiting-card]');
  if (card) card.hidden = !names.length;
  return names;
}

function summaryState(rec) {
  const note = $('[data-score-note]');
  if (note && unsent(rec) && rec.state !== 'sent') note.textContent = msg('scoreStale');
  if (rec.state === 'sent') {
    for (const f of $$('[data-end-form], [data-submit-form]')) f.hidden = true;
    $('[data-after-sent]').hidden = false;
  }
}

// After the send, the score and photos the server holds now, not those of when the page loaded.
function showServerSummary(server) {
  const score = $('[data-score] .score');
  if (score) {
    const n = server.score;
    score.className = `score ${n === null ? 'score-none' : n >= 80 ? 'score-good' : n >= 60 ? 'score-mid' : 'score-bad'}`;
    score.textContent = server.score_text;
  }
  const photos = $('[data-photo-count]');
  if (photos) photos.textContent = server.photos_text;
  const note = $('[data-score-note]');
  if (note) note.textContent = msg('scoreSent');
}

function setupSummary() {
  missingNow();
  waitingNow();
  const consent = $('[data-waiting-consent]');
  if (consent) consent.remove();  // the script asks in a dialog that names the steps
  const endForm = $('[data-end-form]');
  if (endForm) {
    if (load(app.uid, app.vid).endedAt) { $('button', endForm).hidden = true; $('[data-ended-note]', endForm).hidden = false; }
    endForm.addEventListener('submit', (e) => {
      e.preventDefault();
      keep((r) => { r.endedAt = r.endedAt || new Date().toISOString(); });
      $('button', endForm).hidden = true;
      $('[data-ended-note]', endForm).hidden = false;
      soon();
    });
  }
  const submitForm = $('[data-submit-form]');
  submitForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (load(app.uid, app.vid).submit) return;  // a second tap: the first is on its way
    if (await missingNow()) { status(msg('missing'), 'error'); $('[data-missing-list]').scrollIntoView(); return; }
    // A step still waiting would be scored as unanswered: the shopper may keep the visit open.
    const waiting = waitingNow();
    if (waiting.length && !window.confirm(fmt('submitWaiting', { steps: waiting.join('; ') }))) return;
    keep((r) => {
      // A page kept from before a return may hold the id already used: never send it twice.
      const offered = submitForm.elements.uuid.value;
      const uuid = offered && !(r.oldUuids || []).includes(offered) ? offered : newId();
      r.submit = r.submit || { uuid, at: new Date().toISOString() };
      r.endedAt = r.endedAt || r.submit.at;
      r.message = '';
      r.state = '';
    });
    $('[data-submit-button]').disabled = true;
    showState();
    await flush(app);
    showState();
  });
  if (load(app.uid, app.vid).submit) $('[data-submit-button]').disabled = true;
}

// ---------------------------------------------------------------- logout, service worker
// The worker's registration once known. A page can be without a controller while the worker is
// active (opened by a hard reload, or while the worker was installing: clients.claim() passes
// over a page still loading), and logging out there must still clear the pages kept offline.
let workerReg = null;

function guardLogout() {
  const logout = $('form[data-logout]');
  if (!logout) return;
  logout.addEventListener('submit', (e) => {
    const pending = visitIds(app.uid).some((vid) => unsent(load(app.uid, vid)));
    // Nothing is deleted either way: the drafts belong to this user and wait for their next login.
    if (pending && !window.confirm(msg('logoutWarning'))) { e.preventDefault(); return; }
    const worker = navigator.serviceWorker &&
      (navigator.serviceWorker.controller || (workerReg && workerReg.active));
    if (worker) worker.postMessage({ type: 'forget-pages' });
  });
}

// The worker served this page from its cache because the network was slow, and the real page
// has now arrived. My visits has nothing to type into, so it simply shows the real one; at most
// once a minute, so a server that is always slow cannot keep reloading the page.
// A checklist page opens from the phone's copy; when the server's copy differs, it reloads
// only while the shopper has not touched it (what they typed is in the store either way).
let touched = false;
for (const kind of ['pointerdown', 'keydown', 'input']) {
  document.addEventListener(kind, () => { touched = true; }, { once: true, capture: true });
}

function reloadWhenFresh(event) {
  // (also My visits shown in place of a page the phone did not have: the real one is here now)
  if (!event.data || event.data.type !== 'fresh-page') return;
  if (app.vid && (!event.data.kept || touched)) return;
  // A page that changed on each render would reload for ever: a few times a minute at most.
  const key = `audit-fresh-reload:${location.pathname}`;
  const recent = JSON.parse(sessionStorage.getItem(key) || '[]').filter((t) => Date.now() - t < 60000);
  if (recent.length >= (event.data.kept ? 3 : 1)) return;
  sessionStorage.setItem(key, JSON.stringify([...recent, Date.now()]));
  location.reload();
}

// A message to the active worker, answered (or given up on after a second). Not only to the
// controller: this page may have loaded before the worker took control.
async function tellWorker(message) {
  if (!('serviceWorker' in navigator)) return undefined;
  const second = new Promise((done) => setTimeout(done, 1000));
  const reg = await Promise.race([navigator.serviceWorker.ready, second]);
  const worker = reg && reg.active;
  if (!worker) return undefined;
  return new Promise((done) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = done;
    worker.postMessage(message, [channel.port2]);
    setTimeout(done, 1000);
  });
}

async function setupWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    workerReg = await navigator.serviceWorker.register(root.dataset.sw, { scope: app.home });
    const reg = await navigator.serviceWorker.ready;
    const urls = (root.dataset.offlineUrls || app.home).split(' ');
    if (!navigator.onLine || !reg.active) return;
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const ready = $('[data-ready-note]');
      if (ready) ready.hidden = false;
      root.dataset.offline = 'ready';
    };
    const { offlineVersion: version } = root.dataset;
    reg.active.postMessage({ type: 'keep-pages', urls, key: app.vid || 'home', version }, [channel.port2]);
  } catch (e) { /* the app works online without a worker */ }
}

if (app) {
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  guardLogout();
  if ('serviceWorker' in navigator) {
    // Listen now, not at load: a message queued for this page is delivered once the page has
    // been parsed, and one from before the listener would be lost.
    navigator.serviceWorker.addEventListener('message', reloadWhenFresh);
    navigator.serviceWorker.startMessages();
  }
  adoptPageStatus();
  if (form) setupChecklist();
  const startForm = $('[data-start-form]');
  if (startForm) setupStart(startForm);
  if (root.dataset.summary !== undefined) setupSummary();
  document.addEventListener('audit:synced', showState);
  window.addEventListener('offline', showState);
  showState();
  startSending(app);
  // The worker and the pages it keeps wait until this page has loaded: on a first visit they
  // would take the slow network's bandwidth from the page itself.
  if (document.readyState === 'complete') setupWorker();
  else window.addEventListener('load', setupWorker, { once: true });
  // The page answers taps from here on (tests/benchmarks/phone.py times it).
  performance.mark('audit:interactive');
}
