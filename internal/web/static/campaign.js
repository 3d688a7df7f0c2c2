// Live progress of a running campaign: reads the campaign from the JSON
// API every few seconds and updates the numbers; stops when it ends.
(function () {
  "use strict";
  var root = document.getElementById("campaign");
  if (!root || root.getAttribute("data-follow") !== "1") return;
  var api = root.getAttribute("data-api");

  function brl(c) {
    var units = String(Math.floor(Math.abs(c) / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    var cents = String(Math.abs(c) % 100);
    return (c < 0 ? "-" : "") + "R$ " + units + "," + (cents.length < 2 ? "0" + cents : cents);
  }

  function set(attr, key, value) {
    var el = root.querySelector("[" + attr + '="' + key + '"]');
    if (el) el.textContent = value;
  }

  function poll() {
    fetch(api, { credentials: "same-origin", headers: { "Accept": "application/json" } }).then(function (res) {
      if (!res.ok) throw new Error(String(res.status));
      return res.json();
    }).then(function (data) {
      var c = data.campaign || {};
      var p = c.progress || {};
      ["total", "sent", "queued", "failed", "blocked", "skipped"].forEach(function (k) {
        if (p[k] !== undefined) set("data-progress", k, String(p[k]));
      });
      var r = c.results || {};
      if (r.sales !== undefined) set("data-results", "sales", String(r.sales));
      if (r.clicks !== undefined) set("data-results", "clicks", String(r.clicks));
      if (r.revenue_cents !== undefined) set("data-results", "revenue", brl(r.revenue_cents));
      if (c.status === "sending" || c.status === "scheduled") {
        setTimeout(poll, 3000);
      } else {
        window.location.reload(); // finished, paused or cancelled: show the new state and actions
      }
    }).catch(function () { setTimeout(poll, 10000); });
  }
  setTimeout(poll, 3000);
})();
