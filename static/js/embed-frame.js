/* The framed widget (/embed/status.html) keeps itself current: once a minute, while it is
   shown, it asks for its own page again (a snapshot: a 304 when nothing changed) and swaps in
   the new widget only when its text differs, so a reader is never reloaded under their feet.
   The widget is a polite live region: a change is announced, not shouted. */
(function () {
  "use strict";
  var EVERY_MS = 60000;
  var parser = new DOMParser();

  function refresh() {
    if (document.visibilityState !== "visible") { return; }
    fetch(window.location.href, { cache: "no-cache", credentials: "omit" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (!text) { return; }
        var fresh = parser.parseFromString(text, "text/html");
        var widget = document.querySelector("main.herald-widget");
        var next = fresh.querySelector("main.herald-widget");
        if (!widget || !next || next.textContent === widget.textContent) { return; }
        widget.replaceChildren.apply(widget, Array.prototype.map.call(next.childNodes, function (node) {
          return document.importNode(node, true);
        }));
        document.title = fresh.title;
      })
      .catch(function () { /* offline for a moment: the next minute tries again */ });
  }

  window.setInterval(refresh, EVERY_MS);
  document.addEventListener("visibilitychange", refresh);
}());
