// Backlog screens. On an entry form (form[data-enter-next]) Enter moves to the next
// field and saves from the last one, so a trained operator never leaves the keyboard.
// On an import's page the progress bar and counts follow the import (its JSON progress,
// once a second) until it has finished, then the page reloads with the rejected rows.
(function () {
  'use strict';
  document.querySelectorAll('form[data-enter-next]').forEach(function (form) {
    form.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter' || e.isComposing || e.shiftKey || e.ctrlKey || e.altKey) {
        return;
      }
      var t = e.target;
      if (!(t instanceof HTMLInputElement || t instanceof HTMLSelectElement)) {
        return;
      }
      var fields = Array.prototype.filter.call(form.elements, function (el) {
        return (el instanceof HTMLInputElement && el.type !== 'hidden' && !el.disabled) ||
          el instanceof HTMLSelectElement;
      });
      var i = fields.indexOf(t);
      e.preventDefault();
      if (i >= 0 && i < fields.length - 1) {
        fields[i + 1].focus();
        if (fields[i + 1] instanceof HTMLInputElement) {
          fields[i + 1].select();
        }
      } else {
        form.requestSubmit();
      }
    });
  });

  var box = document.getElementById('import-status');
  if (!box) {
    return;
  }
  var finished = function (s) { return s === 'done' || s === 'failed'; };
  if (finished(box.dataset.status)) {
    return;
  }
  var locale = box.dataset.digits === 'arab' ? 'ar-EG-u-nu-arab' : 'en-u-nu-latn';
  var fmt = new Intl.NumberFormat(locale);
  var state = document.getElementById('import-state');
  var bar = document.getElementById('import-progress');
  var percent = document.getElementById('import-percent');
  var tick = function () {
    fetch('/api/v1/backlog/imports/' + encodeURIComponent(box.dataset.import), {
      credentials: 'same-origin', headers: { 'Accept': 'application/json' }
    }).then(function (r) {
      return r.ok ? r.json() : Promise.reject(r.status);
    }).then(function (im) {
      bar.value = im.percent;
      bar.textContent = im.percent + '%';
      percent.textContent = fmt.format(im.percent) + '%';
      var label = state.dataset['label' + im.status.charAt(0).toUpperCase() + im.status.slice(1)];
      if (label) {
        state.textContent = label;
      }
      box.querySelectorAll('[data-count]').forEach(function (dd) {
        var n = im[dd.dataset.count];
        dd.textContent = n >= 0 ? fmt.format(n) : '…';
      });
      if (finished(im.status)) {
        window.location.reload();
        return;
      }
      window.setTimeout(tick, 1000);
    }).catch(function () {
      window.setTimeout(tick, 5000);
    });
  };
  window.setTimeout(tick, 500);
})();
