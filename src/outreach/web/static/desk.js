// Publishing desk: copy buttons for hand-offs, drag-and-drop on the calendar.
// No inline script anywhere (the CSP forbids it); everything hangs on data- attributes.
(function () {
  "use strict";

  function flash(button, text) {
    var old = button.dataset.label || button.textContent;
    button.dataset.label = old;
    button.textContent = text;
    button.classList.add("copied");
    window.setTimeout(function () { button.textContent = old; button.classList.remove("copied"); }, 1500);
  }

  // Fallback for plain-http intranets, where navigator.clipboard does not exist: a copy
  // event lets us put both HTML and text on the clipboard.
  function copyWithEvent(html, text) {
    function onCopy(event) {
      if (html) event.clipboardData.setData("text/html", html);
      event.clipboardData.setData("text/plain", text);
      event.preventDefault();
    }
    document.addEventListener("copy", onCopy);
    try { return document.execCommand("copy"); }
    finally { document.removeEventListener("copy", onCopy); }
  }

  function copy(html, text) {
    if (navigator.clipboard && window.ClipboardItem && html) {
      var item = new ClipboardItem({
        "text/html": new Blob([html], { type: "text/html" }),
        "text/plain": new Blob([text], { type: "text/plain" })
      });
      return navigator.clipboard.write([item]).catch(function () { return copyWithEvent(html, text); });
    }
    if (navigator.clipboard && !html) {
      return navigator.clipboard.writeText(text).catch(function () { return copyWithEvent(null, text); });
    }
    return Promise.resolve(copyWithEvent(html, text));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy");
    if (!button) return;
    var source = document.getElementById(button.dataset.source);
    if (!source) return;
    var html = null, text = source.textContent.trim();
    if (button.dataset.copy === "html") {
      html = source.innerHTML;
      var plain = document.getElementById(button.dataset.text);
      if (plain) text = plain.innerHTML.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&").trim();
    }
    Promise.resolve(copy(html, text)).then(function () {
      flash(button, document.documentElement.lang === "ko" ? "복사됨" : "Copied");
    });
  });

  // Calendar: drag a one-off post (li[draggable]) onto another day.
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest("li[data-move-url]");
    if (!item) return;
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.id);
    item.classList.add("dragging");
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".cal-day.drop").forEach(function (d) { d.classList.remove("drop"); });
  });
  document.addEventListener("dragover", function (event) {
    var day = dragged && event.target.closest && event.target.closest(".cal-day");
    if (!day) return;
    event.preventDefault();
    day.classList.add("drop");
  });
  document.addEventListener("dragleave", function (event) {
    var day = event.target.closest && event.target.closest(".cal-day");
    if (day) day.classList.remove("drop");
  });
  document.addEventListener("drop", function (event) {
    var day = dragged && event.target.closest && event.target.closest(".cal-day");
    if (!day) return;
    event.preventDefault();
    var cal = day.closest(".cal");
    var url = dragged.dataset.moveUrl;
    dragged = null;
    window.htmx.ajax("POST", url, {
      target: "#calendar_grid", swap: "innerHTML",
      values: { date: day.dataset.date, view: cal.dataset.moveView, day: cal.dataset.moveDay }
    });
  });
})();
