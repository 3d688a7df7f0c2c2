// Live sales on the dashboard: listens to the seller's server-sent events
// (GET /api/v1/events, same-origin, the session cookie) and adds each sale
// to the recent sales and, when the period shown includes today, to the
// revenue and sales counters. The page works without it (refresh link).
(function () {
  "use strict";
  var box = document.getElementById("recent-sales");
  if (!box || !box.getAttribute("data-events") || !window.EventSource) return;
  var table = document.getElementById("sales-table");
  var tbody = table && table.querySelector("tbody");
  var badge = document.getElementById("live-badge");
  var tz = box.getAttribute("data-tz") || undefined;
  var live = box.getAttribute("data-live") === "1";

  // brl formats centavos as the server does: "R$ 1.234,50".
  function brl(c) {
    var neg = c < 0;
    c = Math.abs(c);
    var units = String(Math.floor(c / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    var cents = String(c % 100);
    if (cents.length < 2) cents = "0" + cents;
    return (neg ? "-" : "") + "R$ " + units + "," + cents;
  }

  function when(iso) {
    var d = iso ? new Date(iso) : new Date();
    try {
      return d.toLocaleString("pt-BR", { timeZone: tz, day: "2-digit", month: "2-digit", year: "numeric",
        hour: "2-digit", minute: "2-digit" }).replace(",", "");
    } catch (e) {
      return d.toLocaleString("pt-BR");
    }
  }

  function cell(text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    return td;
  }

  function botName(id) {
    var row = id && document.querySelector('[data-bot-id="' + Number(id) + '"]');
    return row ? row.getAttribute("data-bot-name") : "—";
  }

  function bump(id, add, format) {
    var el = document.querySelector("#" + id + " .value");
    if (!el) return;
    var v = Number(el.getAttribute("data-value") || "0") + add;
    el.setAttribute("data-value", String(v));
    el.textContent = format(v);
  }

  var source = new EventSource(box.getAttribute("data-events"));
  source.addEventListener("open", function () {
    if (badge) { badge.textContent = badge.getAttribute("data-on"); badge.className = "badge ok"; }
  });
  source.addEventListener("error", function () {
    if (badge) { badge.textContent = badge.getAttribute("data-off"); badge.className = "badge warn"; }
  });
  source.addEventListener("sale", function (ev) {
    var sale;
    try { sale = JSON.parse(ev.data); } catch (e) { return; }
    if (!tbody) return;
    var tr = document.createElement("tr");
    tr.className = "new-row";
    tr.setAttribute("data-payment-id", String(sale.payment_id));
    tr.appendChild(cell(when(sale.paid_at)));
    tr.appendChild(cell("—"));
    tr.appendChild(cell(sale.description || ""));
    tr.appendChild(cell(botName(sale.bot_id)));
    tr.appendChild(cell(brl(sale.amount_cents), "num"));
    tbody.insertBefore(tr, tbody.firstChild);
    table.classList.remove("hidden");
    var empty = document.getElementById("sales-empty");
    if (empty) empty.classList.add("hidden");
    if (live) {
      bump("stat-revenue", sale.amount_cents, brl);
      bump("stat-sales", 1, String);
    }
  });
})();
