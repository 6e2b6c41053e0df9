// Kiosk service worker: keeps the kiosk page and its assets available when the office
// network drops, so a reload does not lose the kiosk. Responses are queued by kiosk.js.
const CACHE = "tanggap-kiosk-v2";   // a new name when the assets change; old caches are removed
const ASSETS = ["/kiosk", "{{ url_for('pages.static', filename='kiosk.js') }}",
                "{{ url_for('pages.static', filename='kiosk.css') }}", "{{ url_for('ui.static', filename='tanggap.css') }}",
                "{{ url_for('kiosk_manifest') }}", "{{ url_for('pages.static', filename='kiosk-icon.svg') }}"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("tanggap-kiosk-") && n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.pathname.startsWith("/api/")) return;
  event.respondWith(
    fetch(event.request).then((response) => {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(event.request, copy));
      return response;
    }).catch(() => caches.match(event.request, {ignoreSearch: true}))
  );
});
