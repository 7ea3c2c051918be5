// The field app's service worker (served at /shopper/sw.js, scope /shopper/).
// Pages: network first, the cached copy when there is no signal. Assets: network first too, so
// a deploy is picked up at once; the shell cache of a new version is filled completely during
// install, and the old one is dropped only after that, so a visit in progress is never stranded.
const VERSION = 'field-v1';
const SHELL = `shell-${VERSION}`;
const PAGES = 'pages';
const ASSETS = [
  '/static/css/app.css', '/static/css/field.css', '/static/js/field.js', '/static/js/store.js',
  '/static/js/sync.js', '/static/manifest.webmanifest', '/static/icons/icon.svg',
];
const TIMEOUT_MS = 5000;

self.addEventListener('install', (event) => {
  // addAll fails as a whole: a half-downloaded shell never replaces a complete one.
  event.waitUntil(caches.open(SHELL).then((c) => c.addAll(ASSETS)));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('shell-') && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms));
}

async function networkFirst(request, cacheName, event) {
  const cache = await caches.open(cacheName);
  const keep = async (response) => {
    if (response.ok && !response.redirected && response.type === 'basic') {
      await cache.put(request, response.clone());
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
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/static/')) {
    event.respondWith(networkFirst(request, SHELL, event));
  } else if (url.pathname.startsWith(new URL(self.registration.scope).pathname) &&
             !url.pathname.endsWith('/sw.js') && !url.pathname.endsWith('.json')) {
    event.respondWith(networkFirst(request, PAGES, event));
  }
});

// The open visit's pages, fetched now while there is signal, so they open without it.
async function keepPages(urls) {
  const cache = await caches.open(PAGES);
  await Promise.all(urls.map(async (u) => {
    try {
      const response = await fetch(u, { credentials: 'same-origin' });
      if (response.ok && !response.redirected) await cache.put(u, response);
    } catch (err) { /* kept on the next visit to the page */ }
  }));
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  const reply = () => event.ports[0] && event.ports[0].postMessage('ok');
  if (data.type === 'keep-pages' && Array.isArray(data.urls)) {
    event.waitUntil(keepPages(data.urls).then(reply));
  } else if (data.type === 'forget-pages') {
    // Pages hold one user's visits: on a shared phone the next user must not see them.
    event.waitUntil(caches.delete(PAGES).then(reply));
  }
});
