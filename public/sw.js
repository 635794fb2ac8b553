// Sitrep's service worker: responders reach for the console when the network
// is failing, so a reload must open it from this cache, not from the server.
//
// scripts/precache.mjs (a trunk post_build hook) replaces the placeholder
// below with this build's id and its shell files: trunk hashes the js/wasm/css
// names, so the list cannot be written by hand. Every build therefore has a
// byte-different sw.js, which is how the browser notices a deploy.
const PRECACHE = __SITREP_PRECACHE__;
const PREFIX = 'sitrep-shell-';
const CACHE = PREFIX + PRECACHE.build;
const scope = new URL(self.registration.scope);
const url = (file) => new URL(file, scope).href;

self.addEventListener('install', (event) => {
  // No skipWaiting(): the new version waits until a responder chooses
  // "Reload to update", so code never changes under someone mid-edit.
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // no-cache: revalidate even files the server marks immutable (icon.svg
    // keeps its name across builds), so the cache holds exactly this build.
    const responses = await Promise.all(PRECACHE.files.map(async (file) => {
      const res = await fetch(new Request(url(file), { cache: 'no-cache' }));
      if (!res.ok) throw new Error(`precache: ${file} answered ${res.status}`);
      return [file, res];
    }));
    // A deploy caught half-way (new sw.js, old index.html) must not become a
    // shell: fail the install and let the next update check try again.
    const html = await responses.find(([f]) => f === 'index.html')[1].clone().text();
    if (!html.includes(`content="${PRECACHE.build}"`)) throw new Error('precache: index.html is from another build');
    await Promise.all(responses.map(([file, res]) => cache.put(url(file), res)));
  })());
});

self.addEventListener('activate', (event) => {
  // Only now is the old version unused by this worker: drop its cache, then
  // take over open tabs (they keep their loaded code until they reload).
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

// A notification the console showed (src/notices.rs) was clicked: bring
// the console forward on its incident. A window already on it is focused;
// otherwise an open console is focused and asked to go there itself (an
// in-app move: nothing typed on its page is lost); with none open (the
// installed app closed since), a new window opens on the incident.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const path = String(event.notification.data?.url ?? '');
  const target = path.startsWith('/incidents/') ? url(path.slice(1)) : url('');
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const there = windows.find((c) => c.url === target);
    if (there) return there.focus();
    const open = windows[0];
    if (open) {
      const focused = await open.focus();
      focused.postMessage({ type: 'sitrep-open', path });
      return focused;
    }
    return self.clients.openWindow(target);
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const where = new URL(req.url);
  // The API is live data: never answer it from a cache (the replica in
  // IndexedDB is the offline copy, and the outbox handles failed writes).
  if (req.method !== 'GET' || where.origin !== scope.origin || where.pathname.startsWith(scope.pathname + 'api/')) return;
  if (req.mode === 'navigate') {
    // App shell: every route is index.html, served from the cache first so
    // the console starts at once even when the network hangs (a DNS outage
    // fails slowly). New versions arrive through the update prompt instead.
    event.respondWith(fromCache('index.html').then((hit) => hit ?? fetch(req)));
    return;
  }
  event.respondWith(fromCache(req).then((hit) => hit ?? fetch(req)));
});

async function fromCache(what) {
  const cache = await caches.open(CACHE);
  return cache.match(typeof what === 'string' ? url(what) : what);
}
