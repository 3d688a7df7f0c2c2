// The funnel editor: loads the bot's funnel document from the JSON API,
// edits it as a form, saves it as a new version and shows the server's
// validation errors next to the fields they name. Fields the form does not
// show (texts, schema) are kept as loaded.
(function () {
  "use strict";
  var root = document.getElementById("funnel-editor");
  if (!root) return;
  var api = root.getAttribute("data-api");
  var L = JSON.parse(root.getAttribute("data-labels") || "{}");
  var form = document.getElementById("funnel-form");
  var statusEl = document.getElementById("editor-status");
  var errorsEl = document.getElementById("editor-errors");
  var saveStatus = document.getElementById("save-status");
  var jsonEl = document.getElementById("funnel-json");
  var doc = null, version = 0;

  function t(key) { return L[key] || key; }

  // Field kinds: text, area (a message text), money (centavos shown as
  // reais), int, list (comma separated ids), url, media.
  var message = { text: "area", media: "media" };
  var delivery = { access_link: "url", message: "area" };
  var schema = {
    welcome: { group: message },
    offers: { list: { id: "text", button: "text", name: "text", price_cents: "money", delivery: { group: delivery },
      bumps: { list: { id: "text", name: "text", message: { group: message }, price_cents: "money", accept: "text",
        decline: "text", delivery: { group: delivery, optional: true } }, max: 3, fresh: function () {
          return { id: "", name: "", message: { text: "" }, price_cents: 0 }; } } },
      max: 8, fresh: function () { return { id: "", button: "", name: "", price_cents: 0, delivery: { access_link: "" }, bumps: [] }; } },
    url_buttons: { list: { text: "text", url: "url" }, max: 8, fresh: function () { return { text: "", url: "" }; } },
    downsells: { list: { id: "text", after_minutes: "int", offers: "ids", message: { group: message }, price_cents: "money",
      percent_off: "int", button: "text" }, max: 5, fresh: function () {
        return { id: "", after_minutes: 10, offers: [], message: { text: "" }, percent_off: 10 }; } },
    upsells: { list: { id: "text", after_minutes: "int", offers: "ids", name: "text", message: { group: message },
      price_cents: "money", button: "text", delivery: { group: delivery } }, max: 5, fresh: function () {
        return { id: "", after_minutes: 5, offers: [], name: "", message: { text: "" }, price_cents: 0, delivery: { access_link: "" } }; } }
  };

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }

  function reais(cents) {
    if (cents === undefined || cents === null || cents === "") return "";
    var n = Number(cents);
    if (!isFinite(n)) return String(cents);
    var s = String(Math.abs(Math.round(n)));
    while (s.length < 3) s = "0" + s;
    return (n < 0 ? "-" : "") + s.slice(0, -2) + "," + s.slice(-2);
  }

  // parseReais reads "19,90", "19.90" or "1.234,56"; NaN when unreadable.
  function parseReais(s) {
    s = s.trim();
    if (s === "") return 0;
    if (s.indexOf(",") >= 0) s = s.replace(/\./g, "").replace(",", ".");
    if (!/^\d+(\.\d{1,2})?$/.test(s)) return NaN;
    return Math.round(parseFloat(s) * 100);
  }

  function field(path, kind, name, obj) {
    var id = "fld-" + path.replace(/[^A-Za-z0-9]/g, "-");
    var value = obj[name];
    var input;
    if (kind === "area") {
      input = el("textarea", { id: id, rows: "4" });
      input.value = value || "";
    } else {
      input = el("input", { id: id, type: kind === "url" ? "url" : kind === "int" ? "number" : "text" });
      if (kind === "money") { input.setAttribute("inputmode", "decimal"); input.value = reais(value); }
      else if (kind === "ids") input.value = (value || []).join(", ");
      else input.value = value === undefined || value === null ? "" : value;
    }
    input.setAttribute("data-path", path);
    input.addEventListener("input", function () {
      var v = input.value;
      clearError(wrap);
      if (kind === "money") {
        var c = parseReais(v);
        if (isNaN(c)) { showError(wrap, t("bad_money")); return; }
        obj[name] = c;
      } else if (kind === "int") {
        obj[name] = v === "" ? 0 : parseInt(v, 10);
      } else if (kind === "ids") {
        obj[name] = v.split(",").map(function (x) { return x.trim(); }).filter(Boolean);
      } else if (v === "" && name !== "text" && name !== "access_link" && name !== "id") {
        delete obj[name];
      } else {
        obj[name] = v;
      }
      syncJSON();
    });
    var label = el("label", { "for": id }, [t("f." + name) + (kind === "money" ? " (R$)" : "")]);
    var wrap = el("div", { "class": "field", "data-field": path }, [label, input]);
    var help = L["h." + name];
    if (help) wrap.appendChild(el("small", { "class": "help" }, [help]));
    return wrap;
  }

  function mediaField(path, obj) {
    var media = obj.media || {};
    var sel = el("select", { "data-path": path + ".kind", id: "fld-" + path.replace(/[^A-Za-z0-9]/g, "-") });
    ["", "photo", "video", "animation", "document", "audio"].forEach(function (k) {
      var o = el("option", { value: k }, [t("media." + (k || "none"))]);
      if (media.kind === k) o.selected = true;
      sel.appendChild(o);
    });
    var url = el("input", { type: "url", "data-path": path + ".url", placeholder: "https://…" });
    url.value = media.url || "";
    function update() {
      if (!sel.value) { delete obj.media; } else { obj.media = { kind: sel.value, url: url.value }; }
      syncJSON();
    }
    sel.addEventListener("change", update);
    url.addEventListener("input", update);
    return el("div", { "class": "row", "data-field": path }, [
      el("div", { "class": "field" }, [el("label", {}, [t("f.media")]), sel]),
      el("div", { "class": "field", "data-field": path + ".url" }, [el("label", {}, [t("f.media_url")]), url])]);
  }

  // render builds the inputs of obj following spec, under path.
  function render(container, spec, obj, path) {
    Object.keys(spec).forEach(function (name) {
      var s = spec[name];
      var p = path ? path + "." + name : name;
      if (typeof s === "string") {
        container.appendChild(s === "media" ? mediaField(p, obj) : field(p, s, name, obj));
      } else if (s.group) {
        var fs = el("fieldset", { "data-field": p }, [el("legend", {}, [t("g." + name)])]);
        if (s.optional && !obj[name]) {
          var add = el("button", { type: "button", "class": "btn small" }, [t("add.delivery")]);
          add.addEventListener("click", function () { obj[name] = { access_link: "" }; redraw(); });
          fs.appendChild(add);
        } else {
          obj[name] = obj[name] || {};
          render(fs, s.group, obj[name], p);
          if (s.optional) {
            var rm = el("button", { type: "button", "class": "btn small danger" }, [t("remove")]);
            rm.addEventListener("click", function () { delete obj[name]; redraw(); });
            fs.appendChild(rm);
          }
        }
        container.appendChild(fs);
      } else if (s.list) {
        obj[name] = obj[name] || [];
        var list = obj[name];
        var sec = el("div", { "class": "editor-section", "data-field": p }, [el("h3", {}, [t("g." + name)])]);
        if (L["h." + name]) sec.appendChild(el("p", { "class": "help" }, [L["h." + name]]));
        list.forEach(function (item, i) {
          var ip = p + "[" + i + "]";
          var rm = el("button", { type: "button", "class": "btn small danger" }, [t("remove")]);
          rm.addEventListener("click", function () { list.splice(i, 1); redraw(); });
          var box = el("div", { "class": "editor-item", "data-field": ip }, [
            el("div", { "class": "editor-item-head" }, [el("strong", {}, [t("i." + name) + " " + (i + 1)]), rm])]);
          render(box, s.list, item, ip);
          sec.appendChild(box);
        });
        if (list.length < s.max) {
          var addBtn = el("button", { type: "button", "class": "btn small" }, [t("add." + name)]);
          addBtn.addEventListener("click", function () { list.push(s.fresh()); redraw(); });
          sec.appendChild(addBtn);
        }
        container.appendChild(sec);
      }
    });
  }

  function redraw() {
    form.textContent = "";
    var w = el("section", { "class": "card", "data-field": "welcome" }, [el("h2", {}, [t("g.welcome")])]);
    doc.welcome = doc.welcome || { text: "" };
    render(w, message, doc.welcome, "welcome");
    form.appendChild(w);
    ["offers", "url_buttons", "downsells", "upsells"].forEach(function (name) {
      var card = el("section", { "class": "card" });
      var spec = {};
      spec[name] = schema[name];
      render(card, spec, doc, "");
      form.appendChild(card);
    });
    syncJSON();
  }

  function syncJSON() { if (jsonEl) jsonEl.value = JSON.stringify(doc, null, 2); }

  function clearError(wrap) {
    wrap.classList.remove("has-error");
    var e = wrap.querySelector(":scope > .field-error");
    if (e) e.remove();
  }

  function showError(wrap, msg) {
    wrap.classList.add("has-error");
    wrap.appendChild(el("p", { "class": "field-error" }, [msg]));
  }

  function clearErrors() {
    errorsEl.classList.add("hidden");
    errorsEl.textContent = "";
    Array.prototype.forEach.call(form.querySelectorAll(".field-error"), function (e) { e.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll(".has-error"), function (e) { e.classList.remove("has-error"); });
  }

  // showProblem puts each field error next to its field (or the closest
  // enclosing part of the form), the rest on top.
  function showProblem(problem) {
    clearErrors();
    var unplaced = [];
    (problem.errors || []).forEach(function (e) {
      var path = (e.location || "").replace(/^body\.config\.?/, "").replace(/^body\.?/, "");
      var msg = translate(e.message || "");
      var target = null;
      for (var p = path; p; ) {
        target = form.querySelector('[data-field="' + p.replace(/"/g, "") + '"]');
        if (target) break;
        var up = p.replace(/(\.[^.\[]*|\[\d+\])$/, "");
        if (up === p) break;
        p = up;
      }
      if (target) showError(target, msg); else unplaced.push((path ? path + ": " : "") + msg);
    });
    var head = t("invalid");
    if (!(problem.errors || []).length) head = problem.detail ? translate(problem.detail) : t("failed");
    errorsEl.textContent = head + (unplaced.length ? " " + unplaced.join("; ") : "");
    if (problem.request_id) errorsEl.textContent += " (" + t("request") + " " + problem.request_id + ")";
    errorsEl.classList.remove("hidden");
    var first = form.querySelector(".has-error");
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "center" });
  }

  // translate shows the validator's English messages in pt-BR where the
  // catalog knows them: "m." + the message, or + its longest known start
  // (the rest, often a value, is kept).
  function translate(msg) {
    if (L["m." + msg]) return L["m." + msg];
    var best = "";
    Object.keys(L).forEach(function (k) {
      if (k.indexOf("m.") === 0 && msg.indexOf(k.slice(2)) === 0 && k.length - 2 > best.length) best = k.slice(2);
    });
    return best ? L["m." + best] + msg.slice(best.length) : msg;
  }

  function request(method, url, body) {
    var opts = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
    return fetch(url, opts).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { status: res.status, data: data || {} };
      });
    });
  }

  function load(v) {
    statusEl.textContent = t("loading");
    statusEl.classList.remove("hidden");
    return request("GET", api + (v ? "?version=" + v : "")).then(function (r) {
      if (r.status !== 200) { statusEl.textContent = t("load_failed"); return; }
      doc = r.data.config;
      if (!v) version = r.data.version;
      statusEl.textContent = v ? t("loaded_version").replace("%d", v) : t("current_version").replace("%d", r.data.version);
      form.classList.remove("hidden");
      clearErrors();
      redraw();
    }, function () { statusEl.textContent = t("load_failed"); });
  }

  function loadVersions() {
    var ul = document.getElementById("versions");
    return request("GET", api + "/versions").then(function (r) {
      ul.textContent = "";
      (r.data.versions || []).forEach(function (ver) {
        var b = el("button", { type: "button", "class": "link" }, [t("open_version")]);
        b.addEventListener("click", function () { load(ver.version); });
        var when = new Date(ver.created_at).toLocaleString("pt-BR");
        ul.appendChild(el("li", {}, [t("version") + " " + ver.version + " · " + when + " · ", b]));
      });
    });
  }

  document.getElementById("funnel-save").addEventListener("click", function () {
    if (!doc) return;
    if (form.querySelector(".has-error .field-error")) { saveStatus.textContent = t("fix_first"); return; }
    saveStatus.textContent = t("saving");
    request("PUT", api, { base_version: version, config: doc }).then(function (r) {
      if (r.status === 200) {
        version = r.data.version;
        clearErrors();
        saveStatus.textContent = t("saved").replace("%d", version);
        statusEl.textContent = t("current_version").replace("%d", version);
        loadVersions();
      } else if (r.status === 409) {
        saveStatus.textContent = "";
        showProblem({ detail: t("conflict"), request_id: r.data.request_id });
      } else {
        saveStatus.textContent = "";
        showProblem(r.data);
      }
    }, function () { saveStatus.textContent = t("offline"); });
  });

  document.getElementById("funnel-json-apply").addEventListener("click", function () {
    try {
      doc = JSON.parse(jsonEl.value);
      clearErrors();
      redraw();
      saveStatus.textContent = t("json_applied");
    } catch (e) {
      saveStatus.textContent = t("json_invalid");
    }
  });

  load(0);
  loadVersions();
})();
