// Loopdesk live desk: what the page does with its event stream (htmx's SSE
// extension opens it; the listeners in the page fetch what changed).
// - A refreshed part never takes away what someone is doing: a part holding
//   a form being edited, or the focused field, is left as it is; a focused
//   link or button and the queue's selected rows come back after a refresh.
// - The ticket page beats while open (who else is here, who is typing).
// - "5 s ago" stays current.
// - Screen readers hear what is new once: a colleague starting a reply, a
//   change not told before (the status region #live-say).
// Without this file pages work as before, only without live updates.
(function () {
  'use strict';

  // --- The stream resumes where it stopped ---------------------------------
  // The browser's own reconnects send Last-Event-ID; when the extension has to
  // open a new stream (after an error), it reads sse-connect again.
  document.addEventListener('htmx:sseMessage', function (e) {
    var id = e.detail && e.detail.lastEventId;
    if (id) {
      document.body.setAttribute('sse-connect', '/events?last=' + encodeURIComponent(id));
    }
  });

  // --- Forms being edited are left alone -----------------------------------
  function markDirty(e) {
    var f = e.target && e.target.form;
    if (f && !e.target.hasAttribute('data-live-ignore')) { f.setAttribute('data-dirty', ''); }
  }
  document.addEventListener('input', markDirty);
  document.addEventListener('change', markDirty);
  document.addEventListener('submit', function (e) { e.target.removeAttribute('data-dirty'); });

  function isField(el) {
    return el && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && el.type !== 'checkbox';
  }

  // focusKey names the focused element so that its copy in the new content
  // can take the focus back.
  function focusKey(el) {
    if (!el || el === document.body) { return null; }
    if (el.id) { return { sel: '#' + CSS.escape(el.id) }; }
    var row = el.closest('[data-ticket]');
    var tag = el.tagName.toLowerCase();
    var href = el.getAttribute('href');
    var sel = tag + (href ? '[href="' + CSS.escape(href) + '"]' : '') +
      (el.name ? '[name="' + CSS.escape(el.name) + '"]' : '') +
      (el.value && tag === 'input' ? '[value="' + CSS.escape(el.value) + '"]' : '');
    var scope = row || document;
    var nth = Array.prototype.indexOf.call(scope.querySelectorAll(sel), el);
    return { row: row ? row.getAttribute('data-ticket') : null, sel: sel, nth: Math.max(0, nth) };
  }

  var pending = null; // what to restore after the swap of one target
  document.addEventListener('htmx:oobBeforeSwap', function (e) {
    var target = e.detail.target;
    var active = document.activeElement;
    var within = active && target.contains(active);
    if (target.querySelector('form[data-dirty]') || (target.matches('form[data-dirty]')) || (within && isField(active))) {
      e.detail.shouldSwap = false; // someone is working here: keep it
      return;
    }
    var checked = Array.prototype.map.call(target.querySelectorAll('input[type=checkbox][data-select]:checked'),
      function (c) { return c.value; });
    var current = target.querySelector('tr.current[data-ticket]');
    pending = {
      target: target.id,
      focus: within ? focusKey(active) : null,
      checked: checked,
      current: current ? current.getAttribute('data-ticket') : null
    };
  });
  document.addEventListener('htmx:oobAfterSwap', function (e) {
    if (!pending) { return; }
    var root = document.getElementById(pending.target);
    if (!root) { pending = null; return; }
    var p = pending;
    pending = null;
    p.checked.forEach(function (v) {
      var c = root.querySelector('input[type=checkbox][data-select][value="' + CSS.escape(v) + '"]');
      if (c) { c.checked = true; }
    });
    if (p.current) {
      var row = root.querySelector('tr[data-ticket="' + CSS.escape(p.current) + '"]');
      if (row) { row.classList.add('current'); }
    }
    if (p.focus) {
      var scope = root;
      if (p.focus.row) { scope = root.querySelector('[data-ticket="' + CSS.escape(p.focus.row) + '"]'); }
      var el = scope && (scope.matches(p.focus.sel) ? scope : scope.querySelectorAll(p.focus.sel)[p.focus.nth || 0]);
      if (el) { el.focus({ preventScroll: true }); }
    }
    document.dispatchEvent(new CustomEvent('live:refreshed', { detail: { target: root } }));
  });

  // --- Who else is here: the ticket page beats -----------------------------
  var BEAT = 20000, IDLE = 5000, TYPING_EVERY = 4000;
  function presenceURL() {
    var p = document.getElementById('presence');
    return p ? '/tickets/' + p.getAttribute('data-ticket') + '/presence' : null;
  }
  var state = 'viewing', lastSent = 0, idleTimer = null;
  function beat(s) {
    var url = presenceURL();
    if (!url) { return; }
    state = s;
    lastSent = Date.now();
    fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state: s })
    }).catch(function () {});
  }
  function startPresence() {
    if (!presenceURL()) { return; }
    beat('viewing');
    setInterval(function () {
      if (document.visibilityState === 'visible' || state === 'typing') { beat(state); }
    }, BEAT);
    document.addEventListener('input', function (e) {
      if (!e.target.closest || !e.target.closest('#f-body, textarea[name=body]')) { return; }
      if (state !== 'typing' || Date.now() - lastSent > TYPING_EVERY) { beat('typing'); }
      clearTimeout(idleTimer);
      idleTimer = setTimeout(function () { beat('viewing'); }, IDLE);
    });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') { beat(state); }
    });
    window.addEventListener('pagehide', function () {
      var url = presenceURL();
      if (url && navigator.sendBeacon) { navigator.sendBeacon(url, new URLSearchParams({ state: 'left' })); }
    });
  }

  // --- "5 s ago" stays current ------------------------------------------------
  function tick() {
    var now = Date.now();
    document.querySelectorAll('time[data-ago]').forEach(function (t) {
      var s = Math.max(0, Math.floor((now - Date.parse(t.getAttribute('datetime'))) / 1000));
      var fmt = s < 60 ? t.dataset.s : s < 3600 ? t.dataset.m : t.dataset.h;
      var n = s < 60 ? s : s < 3600 ? Math.floor(s / 60) : Math.floor(s / 3600);
      if (fmt) { t.textContent = fmt.replace('#', String(n)); }
    });
  }

  // --- Screen readers hear what is new, once -------------------------------
  // The presence list and the notice are redrawn whenever anything changes;
  // #live-say (role=status) gets only what is new since the last look.
  var present = null; // who was listed, and whether typing, at the last look
  var told = {};      // the notice's events already said
  function look() {
    var region = document.getElementById('live-say');
    if (!region) { return; }
    var first = present === null, say = [], now = {};
    document.querySelectorAll('#presence [data-who]').forEach(function (li) {
      var who = li.getAttribute('data-who'), typing = li.hasAttribute('data-typing');
      now[who] = typing;
      if (!first && typing && !present[who]) { say.push(li.getAttribute('data-say')); }
    });
    present = now;
    document.querySelectorAll('#live-notice [data-event]').forEach(function (li) {
      var id = li.getAttribute('data-event');
      if (!told[id]) {
        told[id] = true;
        if (!first) { say.push(li.getAttribute('data-say')); }
      }
    });
    if (say.length) {
      var text = say.join(' ');
      if (region.textContent === text) {
        // The same words again (someone typing once more): clear first, or
        // nothing changes and nothing is said.
        region.textContent = '';
        setTimeout(function () { region.textContent = text; }, 100);
      } else {
        region.textContent = text;
      }
    }
    document.dispatchEvent(new CustomEvent('live:heard', { detail: { said: say } }));
  }
  document.addEventListener('htmx:afterSettle', look);
  document.addEventListener('htmx:oobAfterSwap', look);

  function start() {
    look();
    startPresence();
    setInterval(tick, 5000);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
