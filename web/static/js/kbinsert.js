// Loopdesk ticket page: "Insert link" beside a suggested help centre article
// puts "Title: address" into the reply at the cursor (or over the selected
// text) instead of reloading the page, which is what the button does
// without this script.
(function () {
  'use strict';

  document.addEventListener('click', function (e) {
    var btn = e.target.closest ? e.target.closest('button[data-kb-insert]') : null;
    var area = document.getElementById('f-body');
    if (!btn || !area) { return; }
    e.preventDefault();
    var text = btn.getAttribute('data-kb-insert');
    var start = area.selectionStart, end = area.selectionEnd;
    var placed = typeof start === 'number' && (document.activeElement === area || area.dataset.kbTouched === '1');
    if (!placed) {
      // The rep has not put the cursor anywhere: append a paragraph, as the no-script path does.
      start = end = area.value.length;
    }
    var before = area.value.slice(0, start), after = area.value.slice(end);
    if (!placed && before.trim()) {
      before = before.replace(/\s+$/, '');
      text = '\n\n' + text;
    } else if (before && !/\s$/.test(before)) {
      text = ' ' + text;
    }
    if (after && !/^\s/.test(after)) { text += ' '; }
    area.value = before + text + after;
    var caret = before.length + text.length;
    area.focus();
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event('input', { bubbles: true }));
    var status = document.getElementById('kb-reply-status');
    if (status) { status.textContent = status.getAttribute('data-inserted'); }
  });

  // Where the cursor was when the rep left the text area (to press the button).
  document.addEventListener('focusout', function (e) {
    if (e.target && e.target.id === 'f-body') { e.target.dataset.kbTouched = '1'; }
  });
}());
