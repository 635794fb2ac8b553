// The public status page, improved when script runs: times shown in the
// reader's own zone, with UTC beside. Without it the page already says
// UTC (or the zone chosen in the footer form); this only rewrites text.
(function () {
  'use strict';
  if (document.body.hasAttribute('data-zone-chosen')) return;
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || zone === 'UTC' || zone === 'Etc/UTC') return;
  // dateStyle/timeStyle cannot be combined with timeZoneName: fields one by one.
  var local = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  var utc = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC' });
  var times = document.querySelectorAll('time[datetime]');
  for (var i = 0; i < times.length; i++) {
    var d = new Date(times[i].getAttribute('datetime'));
    if (isNaN(d.getTime())) continue;
    times[i].textContent = local.format(d) + ' · ' + utc.format(d) + ' UTC';
  }
})();
