// The contributor's pages, enhanced: every form works without this script.
(function () {
  "use strict";
  var dirty = null;  // the form whose typed text is not saved yet

  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () { dirty = null; });
  });
  document.querySelectorAll("form.activity-form").forEach(function (form) {
    form.addEventListener("input", function () { dirty = form; });
  });

  // Answers: saved a moment after typing stops; the page keeps the version it saved.
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var status = form.querySelector("[data-autosave-status]");
    var timer = null;
    var say = function (text) { if (status) { status.textContent = text; } };
    var save = function () {
      timer = null;
      var data = new FormData(form);
      data.set("autosave", "1");
      fetch(form.action || window.location.href, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" }
      }).then(function (response) {
        return response.json().then(function (body) { return [response.ok, body]; });
      }).then(function (result) {
        var ok = result[0], body = result[1];
        if (ok && body.saved) {
          var stamp = form.querySelector("input[name=updated_at]");
          if (stamp) { stamp.value = body.updated_at; }
          if (dirty === form) { dirty = null; }
        }
        say(body.message || "");
      }).catch(function () {
        say(form.getAttribute("data-autosave-failed") || "");
      });
    };
    form.addEventListener("input", function () {
      dirty = form;
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, 1500);
    });
  });

  // Long lists of checkboxes (the partners): a box that filters them as you type.
  document.querySelectorAll("fieldset[data-filter-list]").forEach(function (fieldset) {
    var items = Array.prototype.slice.call(fieldset.querySelectorAll("[data-filter-item]"));
    var box = document.createElement("p");
    var label = document.createElement("label");
    var input = document.createElement("input");
    var count = document.createElement("span");
    var id = fieldset.id + "-filter";
    label.htmlFor = id;
    label.textContent = fieldset.getAttribute("data-filter-label");
    input.type = "search";
    input.id = id;
    input.className = "filter-box";
    input.setAttribute("autocomplete", "off");
    count.className = "help";
    count.setAttribute("role", "status");
    box.appendChild(label);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(input);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(count);
    var list = fieldset.querySelector("[data-filter-items]");
    list.parentNode.insertBefore(box, list);
    var template = fieldset.getAttribute("data-filter-count");
    var update = function () {
      var words = input.value.toLowerCase().trim();
      var shown = 0;
      items.forEach(function (item) {
        var hit = !words || item.textContent.toLowerCase().indexOf(words) !== -1 ||
          (item.querySelector("input") || {}).checked;
        item.hidden = !hit;
        if (hit) { shown += 1; }
      });
      count.textContent = words ? template + " " + shown : "";
    };
    input.addEventListener("input", update);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // not the form's submit
    });
  });
})();
