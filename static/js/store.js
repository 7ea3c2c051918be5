// What the phone keeps: one record per user and visit in localStorage (answers as form fields,
// the queued start, end and submission), and photos in IndexedDB until the server has them.
const PREFIX = 'audit:visit:';

export const recordKey = (uid, vid) => `${PREFIX}${uid}:${vid}`;

function blank() {
  return { fields: {}, rev: 0, syncedRev: 0, start: null, startSent: false, endedAt: null,
    endSent: false, submit: null, state: '', message: '', sw: {}, sentAt: null, oldUuids: [] };
}

export function load(uid, vid) {
  try {
    return Object.assign(blank(), JSON.parse(localStorage.getItem(recordKey(uid, vid))) || {});
  } catch (e) {
    return blank();
  }
}

// Throws on a full storage: the caller tells the shopper instead of pretending it was saved.
export function save(uid, vid, rec) {
  localStorage.setItem(recordKey(uid, vid), JSON.stringify(rec));
}

export function update(uid, vid, change) {
  const rec = load(uid, vid);
  change(rec);
  save(uid, vid, rec);
  return rec;
}

// The server took the visit back (a reviewer returned it): it is open again on this phone. The
// answers typed since stay; the old submission id is never used again (the server refuses it).
export function reopen(uid, vid) {
  return update(uid, vid, (r) => {
    if (r.submit) r.oldUuids = [...(r.oldUuids || []), r.submit.uuid];
    Object.assign(r, { state: '', submit: null, message: '', sentAt: null });
  });
}

// Visit ids this user has records for (never another user's: the key holds the user id).
export function visitIds(uid) {
  const ids = [];
  const mine = `${PREFIX}${uid}:`;
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key && key.startsWith(mine)) ids.push(key.slice(mine.length));
  }
  return ids;
}

export function unsent(rec) {
  return (rec.start && !rec.startSent) || rec.rev > rec.syncedRev ||
    (rec.submit && rec.state !== 'sent') || (rec.endedAt && !rec.endSent);
}

// ---------------------------------------------------------------- photos (IndexedDB)
let dbPromise = null;

function openPhotos() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open('audit-field', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('photos', { keyPath: 'id' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

async function tx(mode, work) {
  const db = await openPhotos();
  return new Promise((resolve, reject) => {
    const t = db.transaction('photos', mode);
    const result = work(t.objectStore('photos'));
    t.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

export const putPhoto = (photo) => tx('readwrite', (s) => s.put(photo));
export const deletePhoto = (id) => tx('readwrite', (s) => s.delete(id));

export async function photosOf(uid, vid) {
  const all = (await tx('readonly', (s) => s.getAll())) || [];
  return all.filter((p) => p.uid === String(uid) && p.vid === String(vid));
}

export function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
