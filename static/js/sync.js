// The outbox: sends each visit's queued start, answers, end, photos and submission, in that
// order, on page load, on the `online` event and on a timer (no Background Sync). Every request
// is safe to repeat: the start keeps the first, photos carry a client id, the submission a UUID.
import { deletePhoto, load, photosOf, putPhoto, save, unsent, update, visitIds } from './store.js';

let running = null;
let token = null;

class Offline extends Error {}
class LoggedOut extends Error {}

function csrf() {
  if (!token) {
    const input = document.querySelector('input[name="csrf_token"]');
    token = input ? input.value : '';
  }
  return token;
}

// A page cached before a new login has a stale CSRF token: fetch a fresh one from a live page.
async function refreshToken(home) {
  const res = await fetch(home, { credentials: 'same-origin', cache: 'no-store' });
  const m = /name="csrf_token" (?:type="hidden" )?value="([^"]+)"/.exec(await res.text());
  token = m ? m[1] : token;
}

async function post(app, url, body, retried) {
  let res;
  const isForm = body instanceof FormData;
  try {
    res = await fetch(url, {
      method: 'POST', credentials: 'same-origin', redirect: 'manual',
      headers: Object.assign({ Accept: 'application/json', 'X-CSRFToken': csrf() },
        isForm ? {} : { 'Content-Type': 'application/json' }),
      body: isForm ? body : JSON.stringify(body),
    });
  } catch (e) {
    throw new Offline();
  }
  if (res.type === 'opaqueredirect' || res.status === 401) throw new LoggedOut();
  const json = (res.headers.get('Content-Type') || '').includes('json') ? await res.json() : null;
  if (res.status === 400 && !json && !retried) {
    await refreshToken(app.home).catch(() => { throw new Offline(); });
    return post(app, url, body, true);
  }
  if (res.status >= 500 || (!json && !res.ok)) throw new Offline();
  return { status: res.status, ok: res.ok, json };
}

async function sendVisit(app, vid) {
  const base = `${app.home}visits/${vid}/`;
  let rec = load(app.uid, vid);
  if (rec.state === 'sent' || rec.state === 'refused') return;
  if (rec.start && !rec.startSent) {
    const r = await post(app, base + 'start', rec.start);
    if (!r.ok && r.status !== 409) return refuse(app, vid, r);
    rec = update(app.uid, vid, (x) => { x.startSent = true; });
  }
  if (rec.rev > rec.syncedRev && !rec.submit) {
    const rev = rec.rev;
    const r = await post(app, base + 'draft', { fields: rec.fields });
    if (!r.ok) return refuse(app, vid, r);
    if (r.json && r.json.errors && Object.keys(r.json.errors).length) {
      document.dispatchEvent(new CustomEvent('audit:field-errors', { detail: r.json.errors }));
    }
    rec = update(app.uid, vid, (x) => { x.syncedRev = Math.max(x.syncedRev, rev); });
  }
  if (rec.endedAt && !rec.endSent && !rec.submit) {
    const r = await post(app, base + 'end', { ended_at: rec.endedAt });
    if (!r.ok) return refuse(app, vid, r);
    rec = update(app.uid, vid, (x) => { x.endSent = true; });
  }
  const photos = await photosOf(app.uid, vid);
  for (const p of photos.filter((x) => !x.sent)) {
    const form = new FormData();
    form.append('file', p.blob, `${p.id}.jpg`);
    form.append('client_id', p.id);
    form.append('criterion', p.key);
    const r = await post(app, base + 'photos', form);
    if (!r.ok) {
      p.error = (r.json && r.json.message) || String(r.status);
      await putPhoto(p);
      document.dispatchEvent(new CustomEvent('audit:photo', { detail: p }));
      continue;  // a refused photo does not hold back the rest of the visit
    }
    // Confirmed by the server: the picture itself may leave the phone, its id stays for submit.
    Object.assign(p, { sent: true, blob: null, serverId: r.json.id, url: r.json.url, error: '' });
    await putPhoto(p);
    document.dispatchEvent(new CustomEvent('audit:photo', { detail: p }));
  }
  if (rec.submit) {
    const body = { uuid: rec.submit.uuid, fields: rec.fields, ended_at: rec.endedAt,
      photos: photos.filter((p) => p.sent).map((p) => p.id) };
    const r = await post(app, base + 'submit', body);
    if (r.status === 409 && r.json && r.json.error === 'photos_missing') return;  // next round
    if (!r.ok) return refuse(app, vid, r);
    const sentAt = (r.json && r.json.submitted_at) || '';  // the server's clock, as pages show it
    update(app.uid, vid, (x) => { Object.assign(x, { state: 'sent', message: '', fields: {}, syncedRev: x.rev, sentAt }); });
    for (const p of photos) await deletePhoto(p.id);
  }
}

function refuse(app, vid, r) {
  const message = (r.json && (r.json.message + detail(r.json))) || String(r.status);
  update(app.uid, vid, (x) => {
    x.message = message;
    // A submission the server will never take must not be retried for ever; the answers stay.
    if (x.submit && r.status !== 422) x.state = 'refused';
    // The visit was cancelled or given to another shopper (410), or is not this shopper's
    // (404): nothing of it will ever be taken. Stop sending it; the message says why.
    if (r.status === 410 || r.status === 404) x.state = 'refused';
    if (r.status === 422 && x.submit) { x.submit = null; }
    if (r.status === 409 && !x.submit) x.syncedRev = x.rev;
  });
}

function detail(json) {
  if (!json.details || typeof json.details !== 'object') return '';
  const list = Array.isArray(json.details) ? json.details : Object.keys(json.details);
  return list.length ? ` (${list.join(', ')})` : '';
}

async function sendAll(app) {
  for (const vid of visitIds(app.uid)) {
    if (unsent(load(app.uid, vid))) await sendVisit(app, vid);
  }
  return 'done';
}

// One sender at a time, across tabs too (Web Locks where the browser has them).
export function flush(app) {
  if (running) return running;
  const work = () => sendAll(app).catch((e) => (e instanceof LoggedOut ? 'login' : 'offline'));
  running = (navigator.locks ? navigator.locks.request('audit-outbox', work) : work())
    .then((result) => { app.lastResult = result; return result; })
    .finally(() => { running = null; document.dispatchEvent(new CustomEvent('audit:synced')); });
  return running;
}

// What the server holds for a visit now (state.json), or null without signal or session.
export async function serverState(app, vid) {
  try {
    const res = await fetch(`${app.home}visits/${vid}/state.json`, {
      credentials: 'same-origin', cache: 'no-store', redirect: 'manual',
      headers: { Accept: 'application/json' } });
    const json = (res.headers.get('Content-Type') || '').includes('json');
    return res.ok && json ? await res.json() : null;
  } catch (e) {
    return null;
  }
}

export function startSending(app) {
  window.addEventListener('online', () => flush(app));
  setInterval(() => flush(app), 20000);
  return flush(app);
}

export { save };
