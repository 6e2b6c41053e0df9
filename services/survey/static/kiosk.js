/* Tanggap kiosk: one question per screen with big smiley buttons, auto-reset when idle,
 * and an offline queue. Every response gets a UUID when it is completed; it stays in the
 * queue until the server has answered 201 (or a 4xx saying it will never take it), so
 * replays after a network drop never duplicate it (the server treats the UUID as an
 * idempotency key). The queue lives in IndexedDB; what an older version of this script left
 * in localStorage is moved there on start and only then removed from localStorage; without
 * IndexedDB the queue stays in localStorage. Persistent storage is asked for, so the browser
 * does not evict the queue under storage pressure. A heartbeat with the queue's length goes
 * to the server on start, after a flush that sent something and every 5 minutes (the admin
 * fleet page shows it). The page's language and texts come in the JSON data block
 * #kiosk-settings (the page runs no inline script). */
(function () {
  "use strict";
  var K = JSON.parse(document.getElementById("kiosk-settings").textContent), T = K.texts;
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/kiosk/sw.js", {scope: "/kiosk"}).catch(function () {});
  }
  var TOKEN_KEY = "tanggap.kiosk.token", CONFIG_KEY = "tanggap.kiosk.config", QUEUE_KEY = "tanggap.kiosk.queue";
  var DB_NAME = "tanggap-kiosk", DB_STORE = "queue", APP_VERSION = "3", HEARTBEAT_MS = 5 * 60 * 1000;
  var MAX_QUEUED = 100000;   // the heartbeat schema's bound
  var app = document.getElementById("app"), statusEl = document.getElementById("status");
  // Faces drawn as SVG (no emoji font needed): mouth curvature and colour per answer 1..4.
  var FACES = [{mouth: "M30 72 Q50 52 70 72", colour: "#b00020"}, {mouth: "M32 68 Q50 60 68 68", colour: "#b36b00"},
               {mouth: "M32 64 Q50 74 68 64", colour: "#2f6fb0"}, {mouth: "M28 60 Q50 86 72 60", colour: "#1b6e20"}];
  var SVG_NS = "http://www.w3.org/2000/svg";

  function face(level) {
    var f = FACES[level - 1], svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 100 100"); svg.setAttribute("class", "face"); svg.setAttribute("aria-hidden", "true");
    var parts = [["circle", {cx: 50, cy: 50, r: 44, fill: "none", stroke: f.colour, "stroke-width": 6}],
                 ["circle", {cx: 35, cy: 40, r: 6, fill: f.colour}], ["circle", {cx: 65, cy: 40, r: 6, fill: f.colour}],
                 ["path", {d: f.mouth, fill: "none", stroke: f.colour, "stroke-width": 6, "stroke-linecap": "round"}]];
    parts.forEach(function (p) {
      var node = document.createElementNS(SVG_NS, p[0]);
      Object.keys(p[1]).forEach(function (k) { node.setAttribute(k, p[1][k]); });
      svg.appendChild(node);
    });
    return svg;
  }
  var config = null, answers = {}, step = -1, idleTimer = null, flushing = false, store = null, pending = 0;

  function token() { return localStorage.getItem(TOKEN_KEY); }

  // -- the queue: IndexedDB, or localStorage where there is none; both answer with promises --
  function readLocal() {
    try {
      var q = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(q) ? q : [];
    } catch (e) { return []; }
  }

  function localQueue() {
    function write(q) { localStorage.setItem(QUEUE_KEY, JSON.stringify(q)); }
    return {
      kind: "localStorage",
      all: function () { return Promise.resolve(readLocal()); },
      first: function () { return Promise.resolve(readLocal()[0] || null); },
      count: function () { return Promise.resolve(readLocal().length); },
      add: function (item) { var q = readLocal(); q.push(item); write(q); return Promise.resolve(); },
      remove: function (id) { write(readLocal().filter(function (x) { return x.id !== id; })); return Promise.resolve(); }
    };
  }

  function request(r) {
    return new Promise(function (ok, fail) {
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
    });
  }

  function committed(tx) {
    return new Promise(function (ok, fail) {
      tx.oncomplete = function () { ok(); };
      tx.onerror = tx.onabort = function () { fail(tx.error || new Error("transaction aborted")); };
    });
  }

  function openDb() {
    return new Promise(function (ok, fail) {
      if (!window.indexedDB) { fail(new Error("no IndexedDB")); return; }
      var r;
      try { r = indexedDB.open(DB_NAME, 1); } catch (e) { fail(e); return; }
      r.onupgradeneeded = function () {   // records {seq, id, item}: oldest first, one per response id
        r.result.createObjectStore(DB_STORE, {keyPath: "seq", autoIncrement: true}).createIndex("id", "id", {unique: true});
      };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
      r.onblocked = function () { fail(new Error("IndexedDB blocked")); };
    });
  }

  function dbQueue(db) {
    function objects(mode) { var tx = db.transaction(DB_STORE, mode); return {tx: tx, store: tx.objectStore(DB_STORE)}; }
    function addAll(items) {   // one transaction; an id already there (a move that stopped halfway) is skipped
      var o = objects("readwrite");
      items.forEach(function (item) {
        var r = o.store.add({id: item.id, item: item});
        r.onerror = function (ev) {
          if (r.error && r.error.name === "ConstraintError") { ev.preventDefault(); ev.stopPropagation(); }
        };
      });
      return committed(o.tx);
    }
    return {
      kind: "indexedDB",
      addAll: addAll,
      all: function () {
        return request(objects("readonly").store.getAll()).then(function (rows) {
          return rows.map(function (row) { return row.item; });
        });
      },
      first: function () {
        return request(objects("readonly").store.openCursor()).then(function (cursor) {
          return cursor ? cursor.value.item : null;
        });
      },
      count: function () { return request(objects("readonly").store.count()); },
      add: function (item) { return addAll([item]); },
      remove: function (id) {
        var o = objects("readwrite");
        request(o.store.index("id").getKey(id)).then(function (key) { if (key !== undefined) o.store.delete(key); });
        return committed(o.tx);
      }
    };
  }

  function withIds(items) {   // a queued response always has its idempotency key
    return items.filter(function (x) { return x && typeof x === "object"; })
      .map(function (x) { if (!x.id) x.id = uuid4(); return x; });
  }

  function openStore() {
    return openDb().then(function (db) {
      var q = dbQueue(db), old = withIds(readLocal());
      if (!old.length) return q;
      // Removed from localStorage only once IndexedDB has committed every one of them.
      return q.addAll(old).then(function () { localStorage.removeItem(QUEUE_KEY); return q; });
    }).catch(function () { return localQueue(); });
  }

  function refresh() {
    return store.count().then(function (n) { pending = n; showStatus(); }, function () { showStatus(); });
  }

  function enqueue(item) {
    return store.add(item).catch(function () { return localQueue().add(item); })   // moved again on the next start
      .then(refresh);
  }
  function text(obj, idKey, enKey) { return K.lang === "en" ? (obj[enKey] || obj[idKey]) : obj[idKey]; }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function showStatus() {
    var parts = [];
    if (!navigator.onLine) parts.push(T.offline);
    if (pending) parts.push(pending + " " + T.waiting);
    statusEl.textContent = parts.join(" · ");
    statusEl.dataset.pending = String(pending);
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "onclick") node.addEventListener("click", attrs[k]); else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  function questions() {
    return config.template.questions.filter(function (q) { return q.type !== "text"; });
  }

  function resetIdle() {
    clearTimeout(idleTimer);
    if (step >= 0) idleTimer = setTimeout(start, (config.idle_seconds || 60) * 1000);
  }

  function start() {
    clearTimeout(idleTimer);
    answers = {}; step = -1;
    var unitName = config.unit ? text(config.unit, "name", "name_en") : "";
    app.replaceChildren(
      el("h1", {}, [T.start]),
      el("p", {"class": "kiosk-unit"}, [unitName || ""]),
      el("button", {"class": "primary kiosk-begin", "id": "kiosk-begin", onclick: function () { step = 0; render(); }},
         [T.begin]),
      el("button", {"class": "kiosk-complain", "id": "kiosk-complain", onclick: complain}, [T.complain])
    );
  }

  // A complaint from the kiosk: a tap on the part of the service it is about (text is optional
  // on a kiosk), queued like a response and sent to /api/v1/complaints with the device token.
  function complain() {
    step = 0; resetIdle();
    var choices = (K.unsur || []).map(function (u) {
      return el("button", {"class": "kiosk-choice", "data-unsur": u[0], onclick: function () { complained(u[0]); }},
                [el("span", {"class": "label"}, [K.lang === "en" ? u[2] : u[1]])]);
    });
    choices.push(el("button", {"class": "kiosk-choice", "data-unsur": "", onclick: function () { complained(null); }},
                    [el("span", {"class": "label"}, [T.other])]));
    app.replaceChildren(
      el("h1", {"id": "kiosk-question"}, [T.complainWhat]),
      el("div", {"class": "kiosk-choices", "role": "group", "aria-labelledby": "kiosk-question"}, choices),
      el("div", {"class": "kiosk-nav"}, [el("button", {"class": "kiosk-back", onclick: start}, [T.back])])
    );
  }

  function complained(unsur) {
    clearTimeout(idleTimer);
    var item = {id: uuid4(), kind: "pengaduan", lang: K.lang, _path: "/api/v1/complaints"};
    if (unsur) item.unsur = unsur;
    enqueue(item).then(flush);
    app.replaceChildren(el("h1", {"class": "kiosk-thanks"}, [T.complainThanks]));
    setTimeout(start, 4000);
  }

  function answer(code, value) { answers[code] = value; step += 1; render(); }

  function render() {
    resetIdle();
    var qs = questions();
    if (step >= qs.length) { finish(); return; }
    var q = qs[step];
    var buttons = [];
    var max = q.type === "nps" ? 10 : q.scale, min = q.type === "nps" ? 0 : 1;
    for (var n = min; n <= max; n++) {
      (function (value) {
        var label = q.labels && q.labels[value - 1] ? text(q.labels[value - 1], "id", "en") : String(value);
        var icon = (q.type === "scale" && q.scale === 4) ? face(value)
          : el("span", {"class": "face number", "aria-hidden": "true"}, [String(value)]);
        buttons.push(el("button", {"class": "kiosk-choice", "data-value": String(value), "aria-label": label,
                                   onclick: function () { answer(q.code, value); }},
                        [icon, el("span", {"class": "label"}, [label])]));
      })(n);
    }
    if (q.type === "single") {
      buttons = q.choices.map(function (c) {
        return el("button", {"class": "kiosk-choice", onclick: function () { answer(q.code, c.value); }},
                  [el("span", {"class": "label"}, [text(c, "label_id", "label_en")])]);
      });
    }
    app.replaceChildren(
      el("p", {"class": "kiosk-progress"}, [T.question + " " + (step + 1) + " " + T.of + " " + qs.length]),
      q.heading ? el("p", {"class": "kiosk-heading", "id": "kiosk-heading"}, [text(q.heading, "id", "en")]) : el("span"),
      el("h1", {"id": "kiosk-question"}, [text(q, "text_id", "text_en")]),
      el("div", {"class": "kiosk-choices", "role": "group", "aria-labelledby": "kiosk-question"}, buttons),
      el("div", {"class": "kiosk-nav"}, [
        el("button", {"class": "kiosk-back", onclick: function () { step = Math.max(0, step - 1); render(); }}, [T.back]),
        q.required ? el("span") : el("button", {"class": "kiosk-skip", onclick: function () { step += 1; render(); }}, [T.skip])
      ])
    );
  }

  function finish() {
    clearTimeout(idleTimer);
    enqueue({id: uuid4(), deployment: config.deployment, template_version: config.template.version,
             answers: answers, lang: K.lang}).then(flush);
    app.replaceChildren(el("h1", {"class": "kiosk-thanks"}, [T.thanks]));
    setTimeout(start, 4000);
  }

  function flush() {
    if (flushing || !token() || !store) return Promise.resolve(0);
    flushing = true;
    var sent = 0;
    function next() {
      return store.first().then(function (item) {
        if (!item) return null;
        var body = Object.assign({}, item);
        delete body._path;
        return fetch(item._path || "/api/v1/responses", {
          method: "POST", headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token()},
          body: JSON.stringify(body)
        }).then(function (resp) {
          if (resp.status === 201 || resp.status === 400 || resp.status === 409 || resp.status === 413 ||
              resp.status === 422) {
            // Stored (201), or a response the server already holds or will never accept: never send it again.
            return store.remove(item.id).then(function () { sent += 1; return refresh(); }).then(next);
          }
          if (resp.status === 401 || resp.status === 403) { app.replaceChildren(el("p", {"class": "error"}, [T.revoked])); }
          return null;
        });
      });
    }
    return next().catch(function () { return null; }).then(function () {
      flushing = false;
      return refresh().then(function () { if (sent) heartbeat(); return sent; });
    });
  }

  function heartbeat() {
    if (!token() || !store) return Promise.resolve();
    return store.count().then(function (n) {
      return fetch("/api/v1/kiosk/heartbeat", {
        method: "POST", headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token()},
        body: JSON.stringify({queued: Math.min(n, MAX_QUEUED), app_version: APP_VERSION})
      });
    }).catch(function () { return null; });   // offline: the next one tells
  }

  function loadConfig() {
    return fetch("/api/v1/kiosk/config", {headers: {"Authorization": "Bearer " + token()}})
      .then(function (resp) {
        if (resp.status === 401 || resp.status === 403) throw new Error("revoked");
        if (!resp.ok) throw new Error("unavailable");
        return resp.json();
      })
      .then(function (cfg) { localStorage.setItem(CONFIG_KEY, JSON.stringify(cfg)); return cfg; })
      .catch(function (err) {
        if (err.message === "revoked") throw err;
        var cached = localStorage.getItem(CONFIG_KEY);   // offline: run on the last known survey
        if (cached) return JSON.parse(cached);
        throw err;
      });
  }

  ["click", "touchstart", "keydown"].forEach(function (type) { document.addEventListener(type, resetIdle, {passive: true}); });
  window.addEventListener("online", function () { showStatus(); flush(); });
  window.addEventListener("offline", showStatus);
  setInterval(flush, 15000);
  setInterval(heartbeat, HEARTBEAT_MS);
  window.tanggapKiosk = {flush: flush, heartbeat: heartbeat,
                         queue: function () { return store ? store.all() : Promise.resolve([]); },
                         storage: function () { return store ? store.kind : null; }};

  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().catch(function () { return false; });
  }
  if (!token()) { app.replaceChildren(el("p", {"class": "error"}, [T.notSetUp])); return; }
  Promise.all([openStore(), loadConfig()])
    .then(function (ready) { store = ready[0]; config = ready[1]; return refresh(); })
    .then(function () { start(); heartbeat(); flush(); })
    .catch(function (err) { app.replaceChildren(el("p", {"class": "error"}, [err.message === "revoked" ? T.revoked : T.notSetUp])); });
})();
