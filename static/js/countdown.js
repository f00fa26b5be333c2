/* Keeps the deadline countdowns of a page current ("còn 3 giờ 20 phút", "quá hạn 2 giờ"), issue 15.
   The server writes the text; this script only recomputes it every 30 seconds from each <time data-countdown>'s
   datetime, with the words of the page's language from the JSON block #countdown-words. No inline script (CSP). */
(function () {
  "use strict";
  var block = document.getElementById("countdown-words");
  if (!block) { return; }
  var words = JSON.parse(block.textContent);
  function fill(pattern, value) { return pattern.replace("{n}", value).replace("{t}", value); }
  function duration(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    var parts = [];
    if (days) {
      parts.push(fill(words.day, days));
      if (hours) { parts.push(fill(words.hour, hours)); }
    } else if (hours) {
      parts.push(fill(words.hour, hours));
      if (mins) { parts.push(fill(words.minute, mins)); }
    } else if (mins) {
      parts.push(fill(words.minute, mins));
    } else {
      return words.under;
    }
    return parts.join(" ");
  }
  function update() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) { return; }
      var late = due <= now;
      el.textContent = fill(late ? words.late : words.left, duration(now - due));
      el.classList.toggle("countdown-overdue", late);
      var badge = el.previousElementSibling;
      if (late && badge && badge.classList.contains("badge-due-soon")) {
        badge.classList.replace("badge-due-soon", "badge-overdue");
        badge.textContent = words.overdue;
      }
    });
  }
  setInterval(update, 30000);
})();
