// Herald admin: small progressive enhancements; every form works without this script.
// 1. Live preview: a message textarea with data-preview posts its Markdown (with the form's
//    CSRF token) to the preview endpoint and shows the sanitised HTML the public page will show.
// 2. Affected-component rows light up once they are given a status.
// 3. A once-shown secret is selected when focused, ready to copy.
// No inline script anywhere: the admin is meant to run under a strict Content-Security-Policy.
(function () {
  "use strict";

  var DELAY_MS = 300;

  function livePreview(textarea) {
    var target = document.getElementById(textarea.getAttribute("data-preview-target"));
    var form = textarea.form;
    if (!target || !form || textarea.matches(":disabled")) { return; }
    var token = form.querySelector("input[name=csrf_token]");
    var timer = null;
    var latest = 0;

    function render() {
      var sent = ++latest;
      var body = new FormData();
      body.append("body", textarea.value);
      if (token) { body.append("csrf_token", token.value); }
      fetch(textarea.getAttribute("data-preview"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (response) {
        if (!response.ok) { throw new Error("preview " + response.status); }
        return response.text();
      }).then(function (html) {
        if (sent !== latest) { return; }  // a newer keystroke's preview is on its way
        // The server sanitised this HTML (the same nh3 rules as the public page).
        target.innerHTML = html || "<p class=\"muted\">Nothing to preview yet.</p>";
        target.setAttribute("data-rendered", String(sent));
      }).catch(function () {
        if (sent === latest) { target.innerHTML = "<p class=\"muted\">Preview unavailable.</p>"; }
      });
    }

    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(render, DELAY_MS);
    });
    if (textarea.value.trim()) { render(); }
  }

  function highlightChosen(select) {
    var row = select.closest("tr");
    if (!row || !select.closest("fieldset.affected")) { return; }
    select.addEventListener("change", function () {
      row.classList.toggle("chosen", select.value !== "");
    });
  }

  function selectOnFocus(input) {
    input.addEventListener("focus", function () { input.select(); });
  }

  document.querySelectorAll("textarea[data-preview]").forEach(livePreview);
  document.querySelectorAll("select.status-select").forEach(highlightChosen);
  document.querySelectorAll("input[data-select-on-focus]").forEach(selectOnFocus);
}());

// 4. A notice's progress page (section[data-progress]) polls its JSON endpoint while the
//    fan-out runs or deliveries are unfinished, refilling the numbers; it stops once done.
(function () {
  "use strict";

  function cell(tag, text, attr, value) {
    var node = document.createElement(tag);
    node.textContent = String(text);
    if (attr) { node.setAttribute(attr, value); }
    return node;
  }

  function poll(section) {
    var url = section.getAttribute("data-progress");
    var every = parseInt(section.getAttribute("data-poll-ms"), 10) || 2000;
    var rows = section.querySelector("[data-progress-rows]");
    var columns = Array.prototype.map.call(
      section.querySelectorAll("tfoot [data-total]"),
      function (td) { return td.getAttribute("data-total"); }
    );

    function field(name, value) {
      var node = section.querySelector("[data-field=" + name + "]");
      if (node) { node.textContent = String(value); }
    }

    function show(data) {
      field("fanout_state", data.fanout_state);
      field("fanout_cursor", data.fanout_cursor);
      field("unfinished", data.unfinished);
      field("status", data.running ? "(updating live)" : "(done)");
      if (rows) {
        while (rows.firstChild) { rows.removeChild(rows.firstChild); }
        Object.keys(data.by_channel).forEach(function (channel) {
          var tr = document.createElement("tr");
          tr.appendChild(cell("th", channel, "scope", "row"));
          columns.forEach(function (column) {
            tr.appendChild(cell("td", data.by_channel[channel][column], "data-column", column));
          });
          rows.appendChild(tr);
        });
      }
      columns.forEach(function (column) {
        var td = section.querySelector("tfoot [data-total=" + column + "]");
        if (td) { td.textContent = String(data.totals[column]); }
      });
      section.setAttribute("data-running", data.running ? "true" : "false");
    }

    function tick() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("progress " + response.status); }
          return response.json();
        })
        .then(function (data) {
          show(data);
          if (data.running) { window.setTimeout(tick, every); }
        })
        .catch(function () { field("status", "(live updates stopped; reload to refresh)"); });
    }

    if (section.getAttribute("data-running") === "true") { window.setTimeout(tick, every); }
  }

  document.querySelectorAll("section[data-progress]").forEach(poll);
}());

// 5. Reach preview: a fieldset[data-reach] (the composer's and the maintenance form's audience)
//    asks its JSON endpoint who the form as it stands would reach, whenever the audience, the
//    segments or the affected components change, and shows the sentence it answers.
(function () {
  "use strict";

  var DELAY_MS = 250;
  var FIELDS = /^(audience|segment_ids|components|component-.+)$/;

  function watch(fieldset) {
    var form = fieldset.form || fieldset.closest("form");
    var output = fieldset.querySelector("[data-reach-output]");
    if (!form || !output) { return; }
    var timer = null;
    var latest = 0;

    function ask() {
      var sent = ++latest;
      var query = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (FIELDS.test(name) && typeof value === "string") { query.append(name, value); }
      });
      var url = fieldset.getAttribute("data-reach");
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + query.toString(), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error("reach " + response.status); }
        return response.json();
      }).then(function (data) {
        if (sent !== latest) { return; }  // a newer change's answer is on its way
        output.textContent = data.sentence;
        output.setAttribute("data-rendered", String(sent));
      }).catch(function () {
        if (sent === latest) { output.textContent = "Reach preview unavailable."; }
      });
    }

    form.addEventListener("change", function (event) {
      if (!event.target || !FIELDS.test(event.target.name || "")) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY_MS);
    });
  }

  document.querySelectorAll("fieldset[data-reach]").forEach(watch);
}());

// 6. Disclosures: following a link to a heading inside a closed <details> (the incident page's
//    jump links, "#resolve") opens it, so the form is there, not a closed summary.
(function () {
  "use strict";

  function reveal(hash) {
    if (!hash || hash.length < 2) { return; }
    var target = document.getElementById(decodeURIComponent(hash.slice(1)));
    var details = target && target.closest("details");
    if (details && !details.open) { details.open = true; }
    if (target) { target.scrollIntoView({ block: "start" }); }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (link) { reveal(link.getAttribute("href")); }
  });
  reveal(window.location.hash);
}());

// 7. Long texts: a textarea[data-max-chars] shows how many characters it holds against its
//    limit, and says plainly when it is over (the server refuses it then; nothing is cut).
(function () {
  "use strict";

  function count(textarea) {
    var limit = parseInt(textarea.getAttribute("data-max-chars"), 10);
    if (!limit) { return; }
    var counter = document.createElement("p");
    counter.className = "hint char-count";
    counter.id = (textarea.id || textarea.name) + "-count";
    var field = textarea.closest(".field") || textarea.parentNode;
    field.appendChild(counter);
    var described = textarea.getAttribute("aria-describedby");
    textarea.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);

    function show() {
      var used = textarea.value.length;
      var over = used - limit;
      counter.textContent = over > 0
        ? used.toLocaleString("en-US") + " / " + limit.toLocaleString("en-US") + " characters: "
          + over.toLocaleString("en-US") + " over the limit, shorten it to post"
        : used.toLocaleString("en-US") + " / " + limit.toLocaleString("en-US") + " characters";
      counter.classList.toggle("over", over > 0);
    }

    textarea.addEventListener("input", show);
    show();
  }

  document.querySelectorAll("textarea[data-max-chars]").forEach(count);
}());
