/* The field app's service worker (docs/field.md#the-service-worker). The page /field/sw.js sets self.FIELD_SW (the
 * cache version, the scope, the URLs to keep: the shell, its static files, the icons, the manifest, the JavaScript
 * catalog) and imports this file.
 *
 * - Kept: only what carries no personal data: the shell (the same page for everyone), static files, the manifest
 *   and the catalog. NEVER an /api/ answer, NEVER any other page: those go to the network untouched.
 * - Navigations under the scope: the network first; offline, the kept shell.
 * - Static files: the cache first.
 * - A new version fills its own cache, then deletes the older ones.
 */
/* global self, caches, fetch, URL, Request, Response */

const CONFIG = self.FIELD_SW;
const PREFIX = "childprotect-field-";
const CACHE = PREFIX + CONFIG.version;
const PRECACHE = new Set(CONFIG.precache);

function isApi(url) {
  return url.pathname === "/api" || url.pathname.startsWith("/api/");
}

function isKeepable(url) {
  // What may ever enter the cache: static files, the catalog (any language), and the precache list itself.
  if (url.origin !== self.location.origin || isApi(url)) return false;
  return (
    url.pathname.startsWith(CONFIG.staticUrl) ||
    url.pathname === CONFIG.catalogPath ||
    PRECACHE.has(url.pathname + url.search)
  );
}

async function precache() {
  const cache = await caches.open(CACHE);
  await Promise.all(
    CONFIG.precache.map(async (path) => {
      const response = await fetch(new Request(path, { cache: "reload", credentials: "same-origin" }));
      // A redirect (to the login page, the session gone) is not the shell: the install fails and is tried again.
      if (!response.ok || response.redirected) throw new Error(`precache ${path}: ${response.status}`);
      await cache.put(path, response);
    }),
  );
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

async function shellFirstOnline(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cache = await caches.open(CACHE);
    const shell = await cache.match(CONFIG.shell, { ignoreVary: true, ignoreSearch: true });
    if (shell) return shell;
    throw error;
  }
}

async function cacheFirst(request, url) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, { ignoreVary: true });
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok && response.type === "basic" && !response.redirected && isKeepable(url)) {
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // writes go to the network untouched
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (isApi(url)) return; // never answered from, nor put in, a cache
  if (request.mode === "navigate") {
    if (url.pathname.startsWith(CONFIG.scope)) event.respondWith(shellFirstOnline(request));
    return; // any other page: the network's, untouched
  }
  if (isKeepable(url)) event.respondWith(cacheFirst(request, url));
});
