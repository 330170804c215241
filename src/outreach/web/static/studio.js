// 스튜디오: live preview (only changed slides come back), list items, photo upload and focal point.
(function () {
  "use strict";
  var root = document.querySelector(".studio");
  if (!root) return;
  var form = document.getElementById("studio-form");
  var slides = document.getElementById("slides");
  var status = document.getElementById("preview-status");
  var errorBox = document.getElementById("preview-error");
  var warningsBox = document.getElementById("warnings");
  var editable = root.dataset.editable === "yes";
  var keys = {};          // slide index -> key of the image shown
  var seq = 0, shown = 0;
  // time of the last input, per request: the benchmark and the browser test read it
  window.studioStats = { rounds: [] };

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function formBody() {
    var data = new FormData(form);
    var body = new URLSearchParams();
    data.forEach(function (value, key) {
      if (typeof value === "string") body.append(key, value);
    });
    Object.keys(keys).forEach(function (i) { body.append("known_" + i, keys[i]); });
    return body;
  }

  // A change is sent at once; changes made while a preview is on its way are sent
  // together as soon as it is back (never a queue of stale requests, never a wait).
  var busy = false, pending = false;

  function schedule() {
    if (!editable) return;
    if (busy) { pending = true; return; }
    refresh();
  }

  function refresh() {
    var mine = ++seq;
    var started = performance.now();
    busy = true;
    pending = false;
    // the busy word only for a slow answer: a line appearing and vanishing on every key
    // would move the slides and make the browser lay out the whole column again
    var slow = setTimeout(function () { setText(status, status.dataset.busy || "…"); }, 400);
    fetch(root.dataset.preview, {
      method: "POST", body: formBody(),
      headers: { "X-CSRF-Token": csrf(), "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (r) {
      // words for staff, never a browser's "Error: 403" or "SyntaxError": an error page
      // says what went wrong (an expired form, a role); anything else that is not the
      // preview (the sign-in page once the session has ended) gets the page's sentence
      if (!r.ok) return r.text().then(function (t) { throw said(textOf(t)); });
      return r.json().catch(function () { throw said(""); });
    }).then(function (data) {
      if (mine > shown) {
        shown = mine;
        apply(data);
        window.studioStats.rounds.push({ ms: performance.now() - started, painted: data.painted });
        root.dataset.previewSeq = String(mine);
      }
      clearTimeout(slow);
      setText(status, "");
    }).catch(function (err) {
      clearTimeout(slow);
      setText(status, "");
      showError(err.said || root.dataset.previewFailed || String(err));
    }).then(function () {
      busy = false;
      if (pending) refresh();
    });
  }

  function showError(message, field) {
    document.querySelectorAll("[aria-invalid=true]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
    if (errorBox.hidden !== !message) errorBox.hidden = !message;
    setText(errorBox, message || "");
    if (field) {
      var path = field.split(",").pop().replace(/^\s*field\s+/, "").trim();
      var input = form.querySelector('[name="' + path.replace(/"/g, "") + '"]');
      if (input) input.setAttribute("aria-invalid", "true");
    }
  }

  function apply(data) {
    showError(data.error, data.error_field);
    var seen = {};
    data.slides.forEach(function (s) {
      seen[s.index] = true;
      var li = slides.querySelector('li[data-index="' + s.index + '"]');
      if (!li) {
        li = document.createElement("li");
        li.dataset.index = s.index;
        var img = document.createElement("img");
        li.appendChild(img);
        var cap = document.createElement("span");
        cap.className = "slide-no";
        li.appendChild(cap);
        slides.appendChild(li);
      }
      var image = li.querySelector("img");
      if (image.alt !== s.alt) image.alt = s.alt;
      setText(li.querySelector(".slide-no"), s.index + " · " + s.name);
      if (s.image) {
        image.src = s.image;
        li.dataset.key = s.key;
        li.dataset.painted = String((parseInt(li.dataset.painted || "0", 10)) + 1);
        keys[s.index] = s.key;
      }
    });
    slides.querySelectorAll("li").forEach(function (li) {
      if (!seen[li.dataset.index]) { delete keys[li.dataset.index]; li.remove(); }
    });
    warnings(data.warnings || []);
    texts(data.texts || {});
  }

  var shownWarnings = null;

  function warnings(list) {
    var signature = JSON.stringify(list);
    if (signature === shownWarnings) return;     // unchanged: leave the page alone
    shownWarnings = signature;
    var ul = warningsBox.querySelector("ul");
    ul.textContent = "";
    form.querySelectorAll(".fit-warning").forEach(function (el) { el.remove(); });
    list.forEach(function (w) {
      var li = document.createElement("li");
      li.textContent = w.where + " · " + w.message;
      li.dataset.kind = w.kind;
      if (w.field) li.dataset.field = w.field;
      ul.appendChild(li);
      if (w.field) {
        var holder = form.querySelector('[data-field="' + w.field + '"]');
        if (holder) {
          var note = document.createElement("small");
          note.className = "fit-warning";
          note.textContent = w.message;
          holder.appendChild(note);
        }
      }
    });
    warningsBox.hidden = list.length === 0;
  }

  // Only what changed is touched: an unchanged text costs the browser no layout, and the
  // blog's frame (a whole document to build) is loaded only while its tab is shown.
  function setText(el, text) { if (el && el.textContent !== text) el.textContent = text; }

  // a hashtag is one word on every platform: it never breaks after its "#"
  function showBody(body, text) {
    if (!body || body.textContent === text) return;
    body.textContent = "";
    text.split(/(#[^\s#]+)/).forEach(function (part, i) {
      if (i % 2 === 0) { if (part) body.appendChild(document.createTextNode(part)); return; }
      var tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = part;
      body.appendChild(tag);
    });
  }

  function loadFrame(frame) {
    var iframe = frame.querySelector("iframe");
    if (!iframe || frame.hidden || iframe.dataset.pending === undefined) return;
    if (iframe.dataset.shown !== iframe.dataset.pending) {
      iframe.srcdoc = iframe.dataset.pending;
      iframe.dataset.shown = iframe.dataset.pending;
    }
  }

  function texts(map) {
    Object.keys(map).forEach(function (name) {
      var t = map[name];
      var frame = document.querySelector('[data-frame="' + name + '"]');
      if (!frame) return;
      showBody(frame.querySelector(".frame-body"), t.text);
      var iframe = frame.querySelector("iframe");
      if (iframe) { iframe.dataset.pending = t.text; loadFrame(frame); }
      var count = t.chars.toLocaleString() + (t.max_chars ? " / " + t.max_chars.toLocaleString() : "");
      setText(frame.querySelector(".frame-count"), count +
        (t.max_hashtags ? " · # " + t.hashtags + " / " + t.max_hashtags : "") +
        (t.error ? " · " + t.error : ""));
      if (frame.classList.contains("over") !== !!t.error) frame.classList.toggle("over", !!t.error);
      var badge = document.querySelector('[data-count="' + name + '"]');
      if (badge) {
        setText(badge, t.chars.toLocaleString());
        if (badge.classList.contains("over") !== !!t.error) badge.classList.toggle("over", !!t.error);
      }
    });
  }

  // channel tabs (the WAI-ARIA tabs pattern: one tab in the Tab order, the arrow keys,
  // Home and End move between tabs and show each one)
  var tabs = Array.prototype.slice.call(document.querySelectorAll(".tabs [data-channel]"));
  function showTab(tab) {
    tabs.forEach(function (t) {
      t.setAttribute("aria-selected", t === tab ? "true" : "false");
      t.tabIndex = t === tab ? 0 : -1;
    });
    document.querySelectorAll("[data-frame]").forEach(function (f) {
      f.hidden = f.dataset.frame !== tab.dataset.channel;
      loadFrame(f);
    });
  }
  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { showTab(tab); });
    tab.addEventListener("keydown", function (e) {
      var to = {ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1}[e.key];
      if (to === undefined) return;
      e.preventDefault();
      var next = tabs[(to + tabs.length) % tabs.length];
      showTab(next);
      next.focus();
    });
  });

  // list items: add, remove, reorder; names are renumbered in order
  function renumber(fieldset) {
    shownWarnings = null;          // the notes beside the inputs are placed again
    var name = fieldset.dataset.name;
    fieldset.querySelectorAll(":scope > .item-list > .item").forEach(function (item, i) {
      item.querySelector(".item-no").textContent = String(i + 1);
      item.querySelectorAll("[name], [data-field], [data-photo], [data-focus]").forEach(function (el) {
        ["name", "data-field", "data-photo", "data-focus"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) el.setAttribute(attr, v.replace(new RegExp("^" + name + "\\[(\\d+|__i__)\\]"), name + "[" + i + "]"));
        });
      });
    });
    var count = fieldset.querySelectorAll(":scope > .item-list > .item").length;
    var max = parseInt(fieldset.dataset.max || "0", 10);
    fieldset.querySelector(".add-item").disabled = max > 0 && count >= max;
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var fieldset = button.closest("fieldset.items");
    if (!fieldset) return;
    var list = fieldset.querySelector(":scope > .item-list");
    if (button.classList.contains("add-item")) {
      var li = document.createElement("li");
      li.className = "item";
      li.innerHTML = fieldset.querySelector(":scope > .item-template").innerHTML;
      list.appendChild(li);
      renumber(fieldset);
      var first = li.querySelector("input:not([type=hidden]), textarea");
      if (first) first.focus();
    } else {
      var item = button.closest(".item");
      if (!item) return;
      if (button.classList.contains("remove-item")) {
        var min = parseInt(fieldset.dataset.min || "0", 10);
        if (list.children.length <= min) return;
        // one tap on a small button must not lose what was typed in an item
        var typed = Array.prototype.some.call(
          item.querySelectorAll("input:not([type=hidden]):not([type=file]), textarea"),
          function (el) { return el.type === "checkbox" ? el.checked : el.value.trim() !== ""; });
        if (typed && button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
        item.remove();
      } else if (button.classList.contains("move-up") && item.previousElementSibling) {
        list.insertBefore(item, item.previousElementSibling);
      } else if (button.classList.contains("move-down") && item.nextElementSibling) {
        list.insertBefore(item.nextElementSibling, item);
      } else {
        return;
      }
      renumber(fieldset);
    }
    schedule();
  });

  // the chosen file's name beside the page's own "choose" button
  function showFileName(input) {
    var name = input.closest(".file-pick") && input.closest(".file-pick").querySelector(".file-name");
    if (name) name.textContent = input.files && input.files.length ? input.files[0].name : name.dataset.empty;
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches(".file-pick input[type=file]")) showFileName(event.target);
  });

  // photos: upload, then pick the focal point by clicking
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches("input[type=file][data-photo]") || !input.files.length) return;
    var box = input.closest(".photo");
    var body = new FormData();
    body.append("photo", input.files[0]);
    body.append("field", input.dataset.photo);  // the working copy is sized for its layers
    status.textContent = "…";
    fetch(root.dataset.upload, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(), "Accept": "application/json" }
    }).then(function (r) {
      return r.ok ? r.json() : r.text().then(function (t) { throw new Error(textOf(t)); });
    }).then(function (data) {
      box.querySelector('input[type=hidden][name="' + input.dataset.photo + '"]').value = data.path;
      var img = box.querySelector("img");
      img.src = data.thumb;
      img.hidden = false;
      input.value = "";
      showFileName(input);
      schedule();
    }).catch(function (err) { status.textContent = ""; showError(err.message); });
  });

  function said(message) {
    var err = new Error(message);
    err.said = message || root.dataset.previewFailed;
    return err;
  }

  function textOf(html) {
    var div = document.createElement("div");
    div.innerHTML = html;
    var msg = div.querySelector(".flash.error, p");
    return (msg ? msg.textContent : div.textContent).trim();
  }

  function placeDot(pick) {
    var input = form.querySelector('input[name="' + pick.dataset.focus + '"]');
    var dot = pick.querySelector(".focus-dot");
    if (!input || !dot) return;
    var parts = input.value.split(",").map(parseFloat);
    if (parts.length !== 2 || isNaN(parts[0])) { dot.hidden = true; return; }
    dot.hidden = false;
    dot.style.left = (parts[0] * 100) + "%";
    dot.style.top = (parts[1] * 100) + "%";
  }

  form.addEventListener("click", function (event) {
    var img = event.target.closest(".photo-pick img");
    if (!img || !editable) return;
    var pick = img.closest(".photo-pick");
    if (!pick.dataset.focus) return;
    var rect = img.getBoundingClientRect();
    var x = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
    var y = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
    form.querySelector('input[name="' + pick.dataset.focus + '"]').value =
      x.toFixed(2) + "," + y.toFixed(2);
    placeDot(pick);
    schedule();
  });

  document.querySelectorAll(".photo-pick[data-focus]").forEach(placeDot);
  document.querySelectorAll("fieldset.items").forEach(renumber);
  // unsaved changes are not lost to a stray click: the browser asks before leaving
  var dirty = root.dataset.dirty === "yes";
  form.addEventListener("input", function () { dirty = true; schedule(); });
  form.addEventListener("click", function (event) {
    if (event.target.closest(".item-head button, .add-item, .photo-pick img")) dirty = true;
  });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty || !editable) return;
    event.preventDefault();
    event.returnValue = root.dataset.leave || "";
  });
  status.dataset.busy = status.textContent;
  refresh();
})();
