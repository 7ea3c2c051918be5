// The field app's service worker (served at /shopper/sw.js, scope /shopper/).
// Static files: their URLs carry the build (/static/<build>/...), so a kept copy is right for
// ever: cache first, no request at all. A visit's checklist pages, once kept: the kept copy at
// once, revalidated behind it (ETag: a 304 while unchanged), so a warm open waits for no round
// trip; what the shopper types lives in the phone's store, not in the page. Other pages:
// network first, revalidated the same way, the kept copy when there is no signal.
// A deploy changes BUILD, so the browser installs a new worker; it fills its shell completely
// during install, and the old build's files go only once it activates, so a visit in progress
// is never stranded (enketo/enketo#986).
const VERSION = 'field-v1';
const BUILD = 'dev';  // the server writes the static build here (audit/shopper/views.py)
const ASSETS = [];  // ... and the shell's versioned URLs here
const SHELL = `shell-${VERSION}`;
const PAGES = 'pages';
const TIMEOUT_MS = 5000;
const VERSIONED = /^\/static\/v-[0-9a-f]{12}\//;
const CHECKLIST = /\/visits\/(\d+)\/sections\/\d+$/;
const STATUS_CHANGE = /\/visits\/(\d+)\/(?:start|end|submit)$/;
const KEPT = new URL('__kept__/', self.registration.scope).href;  // markers: a visit's pages kept

self.addEventListener('install', (event) => {
  // addAll fails as a whole: a half-downloaded shell never replaces a complete one.
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(ASSETS)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('shell-') && name !== SHELL) await caches.delete(name);
    }
    // Files of earlier builds: no page of this worker asks for them (see sameFileNow).
    const shell = await caches.open(SHELL);
    const keep = new Set(ASSETS.map((u) => new URL(u, self.location.origin).href));
    for (const request of await shell.keys()) {
      if (!keep.has(request.url)) await shell.delete(request);
    }
    await self.clients.claim();
  })());
});

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms));
}

// Extend the event's life for work that ends after the answer (a cache write).
function later(event, work) {
  try { event.waitUntil(work); } catch (err) { /* the event is over: the work still runs */ }
}

// A page kept before a deploy names the old build's files: offline, the current build's copy.
function sameFileNow(url) {
  return caches.match(url.pathname.replace(VERSIONED, `/static/${BUILD}/`), { ignoreVary: true });
}

async function cacheFirst(request, event) {
  const url = new URL(request.url);
  const cached = await caches.match(request, { ignoreVary: true });
  if (cached) return cached;
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic' && url.pathname.includes(`/${BUILD}/`)) {
      const copy = response.clone();
      later(event, caches.open(SHELL).then((c) => c.put(request, copy)));
    }
    return response;
  } catch (err) {
    return (await sameFileNow(url)) || Response.error();
  }
}

async function networkFirst(request, cacheName, event) {
  const cache = await caches.open(cacheName);
  const keep = (response) => {
    if (response.ok && !response.redirected && response.type === 'basic') {
      const copy = response.clone();
      later(event, cache.put(request, copy));  // not awaited: the page needs the answer now
    }
    return response;
  };
  const pending = fetch(request).then(keep);
  try {
    return await Promise.race([pending, timeout(TIMEOUT_MS)]);
  } catch (err) {
    const cached = (await cache.match(request)) || (await caches.match(request, { ignoreSearch: true }));
    if (cached) {
      // A slow answer (weak signal, busy server) still arrives: keep it and tell the page, so a
      // list shown from the cache does not stay stale once the real one is here.
      if (request.mode === 'navigate') event.waitUntil(tellWhenFresh(pending, event.resultingClientId));
      return cached;
    }
    const home = await caches.match(new URL('./', self.registration.scope).pathname);
    if (request.mode === 'navigate' && home) return home;
    return Response.error();
  }
}

// The marker of a visit whose pages are all kept, for the visit's status, language and build.
const keptMarker = (vid) => `${KEPT}${encodeURIComponent(vid)}`;

// A checklist page the phone keeps opens from it; the network refreshes the copy behind it.
// Only while the visit's kept pages are current: after this phone starts, ends or sends the
// visit, its pages say something else, so the next opens go to the network until the page has
// kept them again under the new status.
async function keptFirst(request, event, vid) {
  const cache = await caches.open(PAGES);
  const current = await cache.match(keptMarker(vid), { ignoreSearch: true });
  const kept = current && (await cache.match(request));
  if (!kept) return networkFirst(request, PAGES, event);
  later(event, refreshKept(cache, request, kept.clone(), event.resultingClientId));
  return kept;
}

// What the page's script cannot put right itself: the visit's status, the language, the build.
// (Answers saved since differ too, but the page shows the phone's own, newer ones.)
const SHAPE = /data-offline-version="([^"]*)"/;
async function shapeOf(response) {
  const found = SHAPE.exec(await response.clone().text());
  return found ? found[1] : '';
}

// Keep the server's newer copy, or none when the page is gone (sent, logged out; 410: the visit
// was cancelled or given to someone else, and the network's page says so);
// when its shape changed, tell the page, which reloads itself only while it is untouched.
async function refreshKept(cache, request, kept, clientId) {
  let response;
  try {
    response = await fetch(request);
  } catch (err) {
    return;  // no signal: the kept copy was the right answer
  }
  let changed = false;
  if (response.ok && response.type === 'basic' && !response.redirected) {
    if (response.headers.get('ETag') === kept.headers.get('ETag')) return;
    const [was, now] = await Promise.all([shapeOf(kept), shapeOf(response)]);
    await cache.put(request, response);
    changed = was !== now;
  } else if (response.type === 'opaqueredirect' || response.redirected
             || response.status === 404 || response.status === 410) {
    changed = true;
    await cache.delete(request);
  }
  if (changed) await tellPage(clientId, { type: 'fresh-page', kept: true });
}

// The page being opened may not be a client yet when the network answers: look for it a while.
async function tellPage(clientId, message) {
  for (let tries = 0; clientId && tries < 50; tries += 1) {
    const client = await self.clients.get(clientId);
    if (client) { client.postMessage(message); return; }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function tellWhenFresh(pending, clientId) {
  try {
    const response = await pending;
    const client = clientId && (await self.clients.get(clientId));
    if (response.ok && client) client.postMessage({ type: 'fresh-page' });
  } catch (err) { /* no signal after all: the cached copy was the right answer */ }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const changes = request.method === 'POST' && STATUS_CHANGE.exec(url.pathname);
  if (changes) {  // not answered here: the request goes to the network as it is
    event.waitUntil(caches.open(PAGES)
      .then((c) => c.delete(keptMarker(changes[1]), { ignoreSearch: true })));
    return;
  }
  if (request.method !== 'GET') return;
  if (VERSIONED.test(url.pathname)) {
    event.respondWith(cacheFirst(request, event));
  } else if (url.pathname.startsWith('/static/')) {
    event.respondWith(networkFirst(request, SHELL, event));
  } else if (url.pathname.startsWith(new URL(self.registration.scope).pathname) &&
             !url.pathname.endsWith('/sw.js') && !url.pathname.endsWith('.json')) {
    const checklist = request.mode === 'navigate' && CHECKLIST.exec(url.pathname);
    event.respondWith(checklist ? keptFirst(request, event, checklist[1])
      : networkFirst(request, PAGES, event));
  }
});

// The open visit's pages, fetched while there is signal so that they open without it: all of
// them once per visit and version (status, language, build), then only those not kept yet. A
// page opened online refreshes its own copy anyway (networkFirst), so nothing goes stale.
async function keepPages(urls, key, version) {
  const cache = await caches.open(PAGES);
  const marker = `${keptMarker(key)}?v=${encodeURIComponent(version)}`;
  const renew = !!version && !(await cache.match(marker));  // first open, or a new version
  const todo = [];
  for (const u of urls) {
    if (renew || !(await cache.match(u))) todo.push(u);
  }
  const got = await Promise.all(todo.map(async (u) => {
    try {
      const response = await fetch(u, { credentials: 'same-origin' });
      if (!response.ok) return false;
      // A page that now redirects (a visit already sent) has nothing to keep.
      if (!response.redirected) await cache.put(u, response);
      return true;
    } catch (err) {
      return false;  // kept on the next visit to the page
    }
  }));
  if (renew && got.every(Boolean)) {
    await cache.delete(keptMarker(key), { ignoreSearch: true });
    await cache.put(marker, new Response(version));
  }
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  const reply = () => event.ports[0] && event.ports[0].postMessage('ok');
  if (data.type === 'keep-pages' && Array.isArray(data.urls)) {
    event.waitUntil(keepPages(data.urls, String(data.key || ''), data.version || '').then(reply));
  } else if (data.type === 'visit-changed') {
    // The page starts the visit and opens its first screen next: from the network, not a copy
    // kept while the visit was still scheduled (the POST may not have gone out yet).
    event.waitUntil(caches.open(PAGES)
      .then((c) => c.delete(keptMarker(String(data.vid)), { ignoreSearch: true })).then(reply));
  } else if (data.type === 'forget-pages') {
    // Pages hold one user's visits: on a shared phone the next user must not see them.
    event.waitUntil(caches.delete(PAGES).then(reply));
  }
});
