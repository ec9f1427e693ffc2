// Loopdesk keyboard shortcuts. "?" shows them all (the list is in the page,
// in the user's language). They never fire while typing in a field or with
// Ctrl, Alt or Meta held, and whatever they move to gets the visible focus.
(function () {
  'use strict';

  var QUEUE_KEY = 'loopdesk-queue';

  function typing(e) {
    var t = e.target;
    if (!t || t === document.body) { return false; }
    if (t.isContentEditable) { return true; }
    if (t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') { return true; }
    if (t.tagName === 'INPUT') {
      return !/^(checkbox|radio|button|submit|reset)$/.test(t.type);
    }
    return false;
  }

  function dialog() { return document.getElementById('shortcuts'); }

  function openHelp() {
    var d = dialog();
    if (d && !d.open && d.showModal) {
      d.showModal();
    }
  }

  // --- Queues -----------------------------------------------------------------
  function rows() {
    var r = document.getElementById('queue-results');
    return r ? Array.prototype.slice.call(r.querySelectorAll('tr[data-ticket]')) : [];
  }
  function current() {
    return document.querySelector('#queue-results tr.current[data-ticket]');
  }
  function rowLink(row) {
    var links = row.querySelectorAll('td a[href^="/tickets/"]');
    return links[links.length > 1 ? 1 : 0];
  }
  function moveTo(row) {
    rows().forEach(function (r) { r.classList.remove('current'); r.removeAttribute('aria-current'); });
    if (!row) { return; }
    row.classList.add('current');
    row.setAttribute('aria-current', 'true');
    var a = rowLink(row);
    if (a) { a.focus(); }
    row.scrollIntoView({ block: 'nearest' });
  }
  function step(by) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.indexOf(current());
    if (at < 0) {
      // Start from the row holding the focus, else the top (or the bottom for k).
      var f = document.activeElement && document.activeElement.closest && document.activeElement.closest('tr[data-ticket]');
      at = f ? all.indexOf(f) : (by > 0 ? -1 : all.length);
    }
    moveTo(all[Math.max(0, Math.min(all.length - 1, at + by))]);
  }
  function onRow(fn) {
    var row = current() || (document.activeElement && document.activeElement.closest && document.activeElement.closest('tr[data-ticket]'));
    if (row) { fn(row); }
  }

  // --- Ticket page --------------------------------------------------------------
  function reply(kind) {
    var radio = document.getElementById(kind === 'internal' ? 'kind-internal' : 'kind-public');
    var body = document.getElementById('f-body');
    if (!body) { return; }
    if (radio) { radio.checked = true; }
    body.focus();
    body.scrollIntoView({ block: 'center' });
  }
  function escalate() {
    var d = document.getElementById('escalate');
    if (!d) { return; }
    d.open = true;
    var first = d.querySelector('select, textarea, input');
    (first || d.querySelector('summary')).focus();
  }
  function status() {
    var s = document.getElementById('f-status');
    if (s) { s.focus(); s.scrollIntoView({ block: 'center' }); }
  }

  var pendingG = 0;

  document.addEventListener('keydown', function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (typing(e)) {
      // Esc leaves the field, so that the shortcuts work again.
      if (e.key === 'Escape' && !(dialog() && dialog().open)) { e.target.blur(); }
      return;
    }
    var d = dialog();
    if (d && d.open) { return; } // the dialog handles its own keys (Esc closes it)
    var k = e.key;
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      if (k === 'q') {
        e.preventDefault();
        location.href = sessionStorage.getItem(QUEUE_KEY) || '/queue/mine';
      }
      return;
    }
    pendingG = 0;
    var inQueue = !!document.getElementById('queue-results');
    var onTicket = !!document.getElementById('thread-list');
    var handled = true;
    switch (k) {
      case '?': openHelp(); break;
      case '/':
        var s = document.getElementById('header-search');
        if (s) { s.focus(); s.select(); } else { handled = false; }
        break;
      case 'g': pendingG = Date.now(); break;
      default:
        handled = false;
    }
    if (!handled && inQueue) {
      handled = true;
      switch (k) {
        case 'j': step(1); break;
        case 'k': step(-1); break;
        case 'o':
          onRow(function (r) { var a = rowLink(r); if (a) { a.click(); } });
          break;
        case 'Enter':
          // A focused link or button does its own thing.
          if (document.activeElement && /^(A|BUTTON)$/.test(document.activeElement.tagName)) { handled = false; break; }
          onRow(function (r) { var a = rowLink(r); if (a) { a.click(); } });
          break;
        case 'x':
          onRow(function (r) {
            var c = r.querySelector('input[type=checkbox][data-select]');
            if (c) { c.checked = !c.checked; c.dispatchEvent(new Event('change', { bubbles: true })); }
          });
          break;
        case 't':
          onRow(function (r) {
            var b = r.querySelector('form[action$="/take"] button');
            if (b) { b.click(); }
          });
          break;
        default:
          handled = false;
      }
    }
    if (!handled && onTicket) {
      handled = true;
      switch (k) {
        case 'r': reply('public'); break;
        case 'n': reply('internal'); break;
        case 'e': escalate(); break;
        case 's': status(); break;
        default:
          handled = false;
      }
    }
    if (handled) {
      e.preventDefault();
      swallow(k);
    }
  });

  // swallow drops the character of a shortcut key that moved the focus into
  // a field: a browser does not type it after a prevented keydown, but some
  // synthetic keyboards send it separately.
  function swallow(k) {
    function press(e) { if (e.key === k) { e.preventDefault(); } }
    function up() {
      document.removeEventListener('keypress', press, true);
      document.removeEventListener('keyup', up, true);
    }
    document.addEventListener('keypress', press, true);
    document.addEventListener('keyup', up, true);
  }

  function start() {
    document.documentElement.setAttribute('data-keys', 'ready'); // tests wait for it
    if (document.getElementById('queue-results')) {
      sessionStorage.setItem(QUEUE_KEY, location.pathname + location.search);
    }
    var d = dialog();
    if (d) {
      d.addEventListener('click', function (e) {
        if (e.target === d || e.target.closest('[data-close]')) { d.close(); }
      });
    }
    document.querySelectorAll('[data-shortcuts]').forEach(function (b) {
      b.hidden = false;
      b.addEventListener('click', openHelp);
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
