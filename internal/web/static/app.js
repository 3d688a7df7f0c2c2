// grimbots dashboard: small progressive enhancements. Everything works
// without this file except the copy buttons and the funnel editor.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="text">.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy]");
    if (!btn) return;
    ev.preventDefault();
    var text = btn.getAttribute("data-copy");
    var done = function () {
      var label = btn.textContent;
      btn.textContent = btn.getAttribute("data-copied") || "✓";
      setTimeout(function () { btn.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
    } else {
      fallbackCopy(text);
      done();
    }
  });

  function fallbackCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "hidden-copy";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(ta);
  }

  // Forms asking for confirmation: <form data-confirm="question">.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var q = form.getAttribute && form.getAttribute("data-confirm");
    if (q && !window.confirm(q)) ev.preventDefault();
  });

  // Refresh buttons: <button data-reload>.
  document.addEventListener("click", function (ev) {
    if (ev.target.closest("[data-reload]")) window.location.reload();
  });
})();
