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
})();
