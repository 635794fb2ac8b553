// Sitrep's in-app banner for your product's pages. Embed with
//   <div id="sitrep-banner"></div>
//   <script src="https://STATUS-HOST/status/banner.js" async></script>
// (optionally <link rel="stylesheet" href="https://STATUS-HOST/status/banner.css">).
// No inline script is needed: allow STATUS-HOST in script-src and
// connect-src (and style-src for the stylesheet). The text is set as text,
// never as HTML. The server must list your page's origin (--banner-origin).
(function () {
  'use strict';
  var me = document.currentScript;
  if (!me) return;
  var base = new URL(me.src).origin;
  var holderId = me.getAttribute('data-target') || 'sitrep-banner';
  var every = Math.max(30, parseInt(me.getAttribute('data-refresh') || '60', 10)) * 1000;
  function show(b) {
    var holder = document.getElementById(holderId);
    if (!holder) return;
    while (holder.firstChild) holder.removeChild(holder.firstChild);
    if (!b) { holder.hidden = true; return; }
    var box = document.createElement('div');
    box.className = 'sitrep-banner sitrep-banner--' + (/^(critical|warning|info)$/.test(b.severity) ? b.severity : 'info');
    box.setAttribute('role', 'status');
    var text = document.createElement('span');
    text.className = 'sitrep-banner__text';
    text.textContent = String(b.text || '');
    box.appendChild(text);
    if (/^https?:\/\//.test(b.url || '')) {
      box.appendChild(document.createTextNode(' '));
      var more = document.createElement('a');
      more.className = 'sitrep-banner__link';
      more.href = b.url;
      more.textContent = 'Details';
      box.appendChild(more);
    }
    holder.appendChild(box);
    holder.hidden = false;
  }
  function load() {
    fetch(base + '/api/v2/banner.json', { credentials: 'omit', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) show(d.banner); })
      .catch(function () { /* keep what is shown; try again later */ });
  }
  load();
  setInterval(load, every);
})();
