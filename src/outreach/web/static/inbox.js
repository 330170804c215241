// The inbox pages' behaviour (no inline script: the CSP forbids it).
// - live queue: Server-Sent Events put new rows on top without a reload;
// - overdue highlighting from each row's due time, re-checked every 20 s;
// - the reply box: saved replies, live character count against the channel's limit,
//   a preview, and one submission only (a double click sends once; the server also
//   refuses a second answer).
(function () {
  "use strict";

  function parseDue(value) {
    if (!value) return null;
    var t = Date.parse(value);
    return isNaN(t) ? null : t;
  }

  function markOverdue(root) {
    var now = Date.now();
    (root || document).querySelectorAll("tr.item[data-due]").forEach(function (row) {
      var due = parseDue(row.dataset.due);
      row.classList.toggle("overdue", due !== null && due < now);
    });
    document.querySelectorAll(".timer[data-due]").forEach(function (el) {
      var due = parseDue(el.dataset.due);
      el.classList.toggle("overdue", !el.dataset.done && due !== null && due < now);
    });
  }

  function startLive() {
    var body = document.getElementById("rows");
    if (!body || !body.dataset.live || !window.EventSource) return;
    var state = document.getElementById("live-state");
    var source = new EventSource(body.dataset.live);
    source.addEventListener("items", function (event) {
      var template = document.createElement("template");
      template.innerHTML = "<table><tbody>" + event.data + "</tbody></table>";
      var rows = template.content.querySelectorAll("tr.item");
      rows.forEach(function (row) {
        if (document.getElementById(row.id)) return;
        row.classList.add("new");
        body.insertBefore(row, body.firstChild);
      });
      markOverdue(body);
      var empty = document.querySelector(".empty");
      if (empty && rows.length) empty.remove();
      if (state) state.textContent = state.dataset.updated || "";
    });
    source.onerror = function () { if (state) state.textContent = "…"; };
  }

  function setupReply(form) {
    var text = form.querySelector("textarea[name=text]");
    var count = form.querySelector("output.count");
    var preview = form.querySelector(".preview-text");
    var limit = parseInt(form.dataset.limit || "0", 10);
    var saved = form.querySelector("select.saved");
    function update() {
      var n = Array.from(text.value).length;
      if (count) count.textContent = String(n);
      form.classList.toggle("too-long", limit > 0 && n > limit);
      if (preview) preview.textContent = text.value;
    }
    text.addEventListener("input", update);
    if (saved) saved.addEventListener("change", function () {
      if (saved.value) { text.value = saved.value; update(); text.focus(); }
    });
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    markOverdue(document);
    setInterval(function () { markOverdue(document); }, 20000);
    startLive();
    document.querySelectorAll("form[data-once]").forEach(setupReply);
  });
})();
