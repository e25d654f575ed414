/* Kanban drag and drop: moving a card posts to the same endpoint as the card's plain form.
   The page works without this file (each card has a stage select and a Move button). */
(function () {
  "use strict";
  var board = document.querySelector(".kanban");
  if (!board || typeof window.Sortable === "undefined") { return; }
  var moveUrl = board.getAttribute("data-move-url");
  var status = document.getElementById("kanban-status");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function say(message, isError) {
    if (!status) { return; }
    status.textContent = message;
    status.className = "kanban-status " + (isError ? "flash flash-error" : "flash flash-success");
  }

  function cardId(el) { return el && el.classList && el.classList.contains("kanban-card") ? el.getAttribute("data-id") : ""; }

  function neighbour(el, forward) {
    var node = forward ? el.nextElementSibling : el.previousElementSibling;
    while (node && !node.classList.contains("kanban-card")) { node = forward ? node.nextElementSibling : node.previousElementSibling; }
    return node;
  }

  function revert(evt) {
    var from = evt.from;
    var ref = from.children[evt.oldIndex] || null;
    from.insertBefore(evt.item, ref);
  }

  function updateColumns(columns) {
    Object.keys(columns || {}).forEach(function (stageId) {
      var column = board.querySelector('.kanban-column[data-stage-id="' + stageId + '"]');
      if (!column) { return; }
      column.querySelector("[data-count]").textContent = columns[stageId].count;
      column.querySelector("[data-total]").textContent = columns[stageId].total;
    });
  }

  function onEnd(evt) {
    var card = evt.item;
    if (evt.from === evt.to && evt.oldIndex === evt.newIndex) { return; }
    var column = evt.to.closest(".kanban-column");
    var stageId = evt.to.getAttribute("data-stage-id");
    var data = new FormData();
    data.append("csrf_token", csrfToken());
    data.append("stage_id", stageId);
    data.append("version", card.getAttribute("data-version"));
    var above = neighbour(card, false), below = neighbour(card, true);
    if (above) { data.append("above_id", cardId(above)); }
    if (below) { data.append("below_id", cardId(below)); }
    if (evt.from !== evt.to && column.getAttribute("data-lost")) {
      var reason = window.prompt(board.getAttribute("data-lost-prompt") || "");
      if (reason === null) { revert(evt); return; }  /* Cancel: back, nothing sent */
      data.append("lost_reason", reason);  /* an empty reason is refused by the server, with its message */
    }
    fetch(moveUrl.replace(/\/0\/move$/, "/" + card.getAttribute("data-id") + "/move"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok || !result.body.ok) {
        revert(evt);
        say(result.body.message || "", true);
        return;
      }
      card.setAttribute("data-version", result.body.version);
      var version = card.querySelector('input[name="version"]');
      if (version) { version.value = result.body.version; }
      var select = card.querySelector('select[name="stage_id"]');
      if (select) { select.value = stageId; }
      if (result.body.status !== "open") {
        var form = card.querySelector(".kanban-move");
        if (form) { form.remove(); }
      }
      updateColumns(result.body.columns);
      say(result.body.message, false);
    }).catch(function () {
      revert(evt);
      say(board.getAttribute("data-error") || "Network error", true);
    });
  }

  Array.prototype.forEach.call(board.querySelectorAll(".kanban-cards"), function (list) {
    var closed = list.closest(".kanban-column").classList;
    new window.Sortable(list, {
      group: { name: "kanban", pull: !(closed.contains("is-won") || closed.contains("is-lost")), put: true },
      draggable: ".kanban-card",
      filter: "select, input, button, .kanban-move",
      preventOnFilter: false,
      animation: 120,
      onEnd: onEnd
    });
  });
})();
