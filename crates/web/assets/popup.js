/* rtbcat offer popup: ModePopup.init({property, placement, frequency, delay, minTime, debug}) */
(function (w, d) {
  "use strict";
  var me = d.currentScript, base = "", dbg = false, mem = {};
  try { base = new URL(me ? me.src : "/", location.href).origin; } catch (e) {}
  function log(m, e) { if (dbg && w.console) console.warn("[ModePopup] " + m, e || ""); }
  function none(r) { log(r); w.dispatchEvent(new CustomEvent("modepopup:none", { detail: r })); }
  // Blocked storage: memory, never cookies.
  function store(s, k, v) {
    try { var st = s ? sessionStorage : localStorage; if (v === undefined) return st.getItem(k); st.setItem(k, v); }
    catch (e) { if (v === undefined) return mem[k]; mem[k] = v; }
  }
  function today() { return new Date().toISOString().slice(0, 10); }
  function seen(o) {
    var k = "mp_" + o.property;
    return o.frequency === "session" ? store(1, k) === "1" : o.frequency === "daily" ? store(0, k) === today() : false;
  }
  function markSeen(o) {
    var k = "mp_" + o.property;
    if (o.frequency === "session") store(1, k, "1"); else if (o.frequency === "daily") store(0, k, today());
  }
  // Random ids: session (s=1), visitor (sticky A/B arms).
  function rid(s, k) {
    var v = store(s, k);
    if (!v) store(s, k, v = Math.random().toString(36).slice(2) + Date.now().toString(36));
    return v;
  }
  function el(tag, cls, text) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  var CSS = ":host{all:initial!important;position:fixed!important;inset:0!important;z-index:2147483647!important;display:block!important}" +
    ".b{position:fixed;inset:0;background:#0008;display:flex;align-items:center;justify-content:center;padding:12px;font:16px/1.4 system-ui,sans-serif}" +
    ".p{position:relative;box-sizing:border-box;width:100%;max-width:420px;max-height:100%;overflow:auto;background:#fff;color:#111;border-radius:14px;padding:24px;text-align:center;box-shadow:0 8px 30px #0005;border-top:6px solid var(--a)}" +
    "@media (prefers-reduced-motion:no-preference){.p{animation:i .25s ease-out}@keyframes i{from{opacity:0;transform:translateY(12px)}}}" +
    ".x{position:absolute;top:6px;right:6px;width:40px;height:40px;border:0;border-radius:50%;background:transparent;font-size:26px;line-height:1;cursor:pointer;color:#333}" +
    ".x:focus-visible,.c:focus-visible{outline:3px solid var(--b);outline-offset:2px}" +
    "img{display:block;max-width:100%;max-height:180px;margin:0 auto 12px;border-radius:8px}" +
    "h2{font-size:22px;margin:0 0 6px}.t{font-weight:600;color:var(--b);margin:0 0 8px}.s{margin:0 0 18px;color:#333}" +
    ".c{display:inline-block;background:var(--a);color:#fff;text-decoration:none;font-weight:700;padding:12px 28px;border-radius:999px}";

  function show(o, data) {
    var offer = data.offer, prev = d.activeElement, host = el("mode-popup"), root, box, ttl;
    root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var st = el("style"); st.textContent = CSS; root.appendChild(st);
    var back = el("div", "b"), p = el("div", "p");
    p.style.setProperty("--a", offer.theme_primary); p.style.setProperty("--b", offer.theme_accent);
    p.setAttribute("role", "dialog"); p.setAttribute("aria-modal", "true"); p.setAttribute("aria-labelledby", "mp-t");
    var x = el("button", "x", "\u00d7"); x.type = "button"; x.setAttribute("aria-label", "Close");
    p.appendChild(x);
    if (offer.image_url) { var im = el("img"); im.src = offer.image_url; im.alt = ""; p.appendChild(im); }
    ttl = el("h2", "", offer.title); ttl.id = "mp-t"; p.appendChild(ttl);
    if (offer.tagline) p.appendChild(el("p", "t", offer.tagline));
    p.appendChild(el("p", "s", offer.description));
    var a = el("a", "c", offer.cta_text);
    a.href = base + offer.click_path; a.target = "_blank"; a.rel = "noopener noreferrer sponsored";
    p.appendChild(a);
    back.appendChild(p); root.appendChild(back);
    function close() {
      d.removeEventListener("keydown", key, true);
      if (host.parentNode) host.parentNode.removeChild(host);
      try { if (prev && prev.focus) prev.focus(); } catch (e) {}
    }
    function key(e) {
      if (e.key === "Escape") { e.preventDefault(); close(); }
      else if (e.key === "Tab") {
        var f = [x, a], i = f.indexOf(root.activeElement || d.activeElement);
        e.preventDefault(); f[(i + (e.shiftKey ? f.length - 1 : 1)) % f.length].focus();
      }
    }
    x.onclick = close;
    back.onclick = function (e) { if (e.target === back) close(); };
    a.onclick = function () { setTimeout(close, 0); };
    d.addEventListener("keydown", key, true);
    (d.body || d.documentElement).appendChild(host);
    a.focus();
    markSeen(o);
    // Counted once on screen.
    if (offer.impression_pixel_url) new Image().src = offer.impression_pixel_url;
    var u = base + "/api/impression", b = JSON.stringify({ token: offer.token, session: rid(1, "mp_sid") });
    if (!(navigator.sendBeacon && navigator.sendBeacon(u, b)))
      fetch(u, { method: "POST", body: b, keepalive: true, mode: "cors" }).catch(function (e) { log("impression", e); });
  }

  function arm(o, go) {
    var t0 = Date.now(), min = o.minTime == null ? 3000 : o.minTime, done = false, lastY = w.scrollY, lastT = t0;
    function fire() { if (!done && Date.now() - t0 >= min) { done = true; go(); } }
    if (o.placement === "timed") return setTimeout(go, o.delay == null ? 5000 : o.delay);
    if (o.placement !== "exit-intent") return go();
    d.addEventListener("mouseout", function (e) { if (!e.relatedTarget && e.clientY <= (o.sensitivity || 20)) fire(); });
    w.addEventListener("scroll", function () {
      var y = w.scrollY, t = Date.now();
      if (lastY - y > 120 && t - lastT < 250) fire();
      lastY = y; lastT = t;
    }, { passive: true });
    d.addEventListener("visibilitychange", function () { if (d.visibilityState === "visible") fire(); });
  }

  function init(opts) {
    try {
      var o = {}, k;
      for (k in opts || {}) o[k] = opts[k];
      dbg = !!o.debug;
      o.placement = o.placement || "thankyou"; o.frequency = o.frequency || "session";
      if (!o.property) return log("init needs a property");
      if (seen(o)) return none("already shown");
      var url = base + "/api/offers/" + encodeURIComponent(o.property) + "?placement=" + encodeURIComponent(o.placement) + "&session=" + rid(1, "mp_sid") + "&visitor=" + rid(0, "mp_vid");
      fetch(url, { credentials: "omit" }).then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (data) {
          if (!data.offer) return none(data.reason);
          var go = function () { try { if (!seen(o)) show(o, data); } catch (e) { log("render", e); } };
          if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", function () { arm(o, go); }); else arm(o, go);
        })["catch"](function (e) { none("offer request: " + e.message); });
    } catch (e) { log("init", e); }
  }

  // Queued calls: window.ModePopup = {q: [options]}.
  var queued = w.ModePopup && w.ModePopup.q;
  w.ModePopup = { init: init, version: 1 };
  if (queued && queued.length) for (var i = 0; i < queued.length; i++) init(queued[i]);
})(window, document);
