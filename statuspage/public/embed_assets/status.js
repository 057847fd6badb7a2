// Herald status widget. On any site:
//   <div data-herald-status></div>
//   <script src="https://status.example.com/embed/status.js" async></script>
// It reads the public summary.json beside this script (cross-origin, without credentials) and
// shows the page's indicator and its current incidents, each linked, in a shadow root styled by
// the status.css beside it. No inline script or style, no eval, no HTML strings: a strict CSP on
// the host holds if it lets this origin in script-src, style-src and connect-src.
// In another language: status.js?lang=de (the server writes that language's words below).
(function () {
  "use strict";

  var script = document.currentScript;  // null once this first run is over: read it now
  if (!script || !script.src) { return; }
  // The fixed words in the script's language, written in by the server (public/embed.py).
  var WORDS = /*WORDS*/{};
  var LANG = WORDS.lang || "en";
  var SUMMARY = new URL("../api/v2/summary.json?lang=" + encodeURIComponent(LANG), script.src).href;
  var STYLESHEET = new URL("status.css", script.src).href;
  var HOME = new URL("../", script.src).href;
  var REFRESH_MS = 60000;
  var MAINTENANCE = "Service Under Maintenance";
  var INDICATORS = ["none", "minor", "major", "critical"];

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  // Links come from the JSON: only http(s) ones are followed, anything else goes home.
  function link(className, href, text) {
    var anchor = element("a", className, text);
    var url;
    try { url = new URL(href, HOME); } catch (e) { url = null; }
    anchor.href = url && /^https?:$/.test(url.protocol) ? url.href : HOME;
    anchor.target = "_blank";
    anchor.rel = "noopener";
    return anchor;
  }

  function label(value) {
    var known = (WORDS.statuses || {})[value];
    if (known) { return known; }
    var words = String(value || "").replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  // summary.json describes the page in English, as Statuspage's does: shown in LANG.
  function describe(description) {
    return (WORDS.descriptions || {})[description] || description || WORDS.unknown || "Status unknown";
  }

  function indicatorOf(status) {
    if (status.indicator === "none" && status.description === MAINTENANCE) { return "maintenance"; }
    return INDICATORS.indexOf(status.indicator) >= 0 ? status.indicator : "unknown";
  }

  // Unresolved incidents, then maintenance under way (upcoming maintenance is not "current").
  function currentIncidents(summary) {
    var found = (summary.incidents || []).slice();
    (summary.scheduled_maintenances || []).forEach(function (m) {
      if (m.status === "in_progress" || m.status === "verifying") { found.push(m); }
    });
    return found;
  }

  function render(box, summary) {
    var status = summary.status || {};
    var page = summary.page || {};
    var indicator = link(
      "herald-indicator indicator-" + indicatorOf(status), page.url, ""
    );
    indicator.setAttribute("part", "indicator");
    var dot = element("span", "herald-dot");
    dot.setAttribute("aria-hidden", "true");
    indicator.append(dot, element("span", "herald-description", describe(status.description)));
    var list = element("ul", "herald-incidents");
    list.setAttribute("part", "incidents");
    currentIncidents(summary).forEach(function (incident) {
      var item = element("li", "herald-incident impact-" + incident.impact);
      item.append(
        link("herald-incident-name", incident.shortlink, incident.name),
        element("span", "herald-incident-status", label(incident.status))
      );
      list.appendChild(item);
    });
    box.replaceChildren(indicator);
    if (list.childElementCount) { box.appendChild(list); }
  }

  function unavailable(box) {
    box.replaceChildren(
      link("herald-indicator indicator-unknown", HOME, WORDS.unavailable || "Status unavailable: open the status page")
    );
  }

  function mount(host) {
    var root;
    if (host.shadowRoot) { return null; }  // the script was included twice
    try { root = host.attachShadow({ mode: "open" }); } catch (e) { return null; }
    var sheet = element("link");
    sheet.rel = "stylesheet";
    sheet.href = STYLESHEET;
    var box = element("div", "herald-widget");
    box.setAttribute("part", "widget");
    box.setAttribute("aria-live", "polite");
    box.lang = LANG;
    box.dir = WORDS.dir || "ltr";
    box.hidden = true;  // until styled: no flash of bare markup
    function show() { box.hidden = false; }
    sheet.addEventListener("load", show);
    sheet.addEventListener("error", show);
    root.append(sheet, box);
    return box;
  }

  function refresh(boxes) {
    fetch(SUMMARY, { mode: "cors", credentials: "omit" })
      .then(function (response) {
        if (!response.ok) { throw new Error("summary.json answered " + response.status); }
        return response.json();
      })
      .then(function (summary) {
        boxes.forEach(function (box) { render(box, summary); });
      })
      .catch(function () {
        boxes.forEach(unavailable);
      });
  }

  function start() {
    var boxes = [];
    document.querySelectorAll("[data-herald-status]").forEach(function (host) {
      var box = mount(host);
      if (box) { boxes.push(box); }
    });
    if (!boxes.length) { return; }
    refresh(boxes);
    setInterval(function () {
      if (document.visibilityState !== "hidden") { refresh(boxes); }
    }, REFRESH_MS);
  }

  // `async` may run this before the placeholder is parsed.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
