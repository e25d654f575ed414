/* crm-suite: small enhancements over pages that already work without JavaScript. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry the CSRF token the server checks on every POST.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) { event.detail.headers["X-CSRFToken"] = token; }
  });

  // Phone menu: tell assistive technology whether it is open.
  var toggle = document.getElementById("nav-toggle");
  if (toggle) {
    var sync = function () { toggle.setAttribute("aria-expanded", toggle.checked ? "true" : "false"); };
    toggle.addEventListener("change", sync);
    sync();
  }

  // Drop-downs: one open at a time; a click outside or Escape closes them.
  var dropdowns = Array.prototype.slice.call(document.querySelectorAll("details.dropdown"));
  dropdowns.forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (!details.open) { return; }
      dropdowns.forEach(function (other) { if (other !== details) { other.open = false; } });
    });
  });
  document.addEventListener("click", function (event) {
    dropdowns.forEach(function (details) {
      if (details.open && !details.contains(event.target)) { details.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    dropdowns.forEach(function (details) {
      if (details.open) { details.open = false; details.querySelector("summary").focus(); }
    });
  });

  // Language switcher: choosing a language is enough (the button is for no-JS browsers).
  var language = document.getElementById("language-select");
  if (language && language.form) {
    language.addEventListener("change", function () { language.form.submit(); });
  }

  // Flash messages can be dismissed.
  Array.prototype.forEach.call(document.querySelectorAll(".flash-close"), function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { button.closest(".flash").remove(); });
  });

  // Charts: draw each <canvas data-chart> from its JSON; the table stays for screen readers.
  function drawCharts() {
    if (typeof window.Chart === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), function (canvas) {
      if (canvas.dataset.drawn) { return; }
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) { return; }
      var spec;
      try { spec = JSON.parse(source.textContent); } catch (e) { return; }
      var figure = canvas.closest("figure");
      canvas.hidden = false;
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, {
        type: spec.type || "bar",
        data: { labels: spec.labels || [], datasets: spec.datasets || [] },
        options: Object.assign({ responsive: true, maintainAspectRatio: false }, spec.options || {})
      });
      if (figure) {
        var fallback = figure.querySelector(".chart-table-wrap");
        if (fallback) { fallback.classList.add("visually-hidden"); }
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawCharts);
  } else {
    drawCharts();
  }
  window.addEventListener("load", drawCharts);
  document.addEventListener("htmx:afterSettle", drawCharts);

  // Drag and drop: <ul data-sortable data-sortable-url="..." [data-sortable-group="g"]
  // [data-sortable-key="column"]> with <li data-id="..."> children. After a drop the list
  // the item landed in POSTs item, list (its key), index and order (every data-id) to its
  // URL; a refused save reloads the page so it shows what the server kept. Pages offer a
  // plain form for the same change, for browsers without JavaScript.
  function loadScript(src, done) {
    if (!src) { return; }
    var script = document.createElement("script");
    script.src = src;
    script.onload = done;
    document.head.appendChild(script);
  }
  function saveOrder(evt) {
    var list = evt.to;
    if (!list.dataset.sortableUrl) { return; }
    var body = new URLSearchParams();
    body.append("item", evt.item.dataset.id || "");
    body.append("list", list.dataset.sortableKey || "");
    body.append("index", String(evt.newIndex));
    Array.prototype.forEach.call(list.children, function (child) {
      if (child.dataset.id) { body.append("order", child.dataset.id); }
    });
    fetch(list.dataset.sortableUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
      body: body
    }).then(function (response) {
      if (!response.ok) { window.location.reload(); }
    }, function () { window.location.reload(); });
  }
  function initSortables() {
    var lists = document.querySelectorAll("[data-sortable]:not([data-sortable-ready])");
    if (!lists.length) { return; }
    var start = function () {
      Array.prototype.forEach.call(lists, function (list) {
        list.setAttribute("data-sortable-ready", "1");
        new window.Sortable(list, {
          group: list.dataset.sortableGroup || undefined,
          animation: 150,
          onEnd: saveOrder
        });
      });
    };
    if (window.Sortable) { start(); } else { loadScript(document.body.dataset.sortableSrc, start); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initSortables);
  } else {
    initSortables();
  }
  document.addEventListener("htmx:afterSettle", initSortables);
})();
