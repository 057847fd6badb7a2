// Progressive enhancement only: the page reads fully without this script.
// 1. Every <time datetime> is shown in the reader's own time zone.
// 2. Uptime bars get a rich tooltip on hover and keyboard focus (their title is the fallback).
// 3. Each component's bars are one tab stop; the arrow keys, Home and End move between days.
(function () {
  "use strict";

  function localiseTimes() {
    var format;
    try {
      format = new Intl.DateTimeFormat(undefined, {
        year: "numeric", month: "short", day: "numeric",
        hour: "numeric", minute: "2-digit", timeZoneName: "short"
      });
    } catch (e) { return; }
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) {
        el.title = el.textContent;
        el.textContent = format.format(when);
      }
    });
  }

  function uptimeTooltips() {
    var tip = document.createElement("div");
    tip.className = "tooltip";
    tip.setAttribute("role", "tooltip");
    tip.id = "uptime-tooltip";
    tip.hidden = true;
    document.body.appendChild(tip);

    function show(bar) {
      var parts = (bar.dataset.tip || "").split(" · ");
      tip.textContent = "";
      parts.forEach(function (part, i) {
        var line = document.createElement(i === 0 ? "strong" : "div");
        line.textContent = part;
        tip.appendChild(line);
      });
      tip.hidden = false;
      var box = bar.getBoundingClientRect();
      var left = window.scrollX + box.left + box.width / 2 - tip.offsetWidth / 2;
      left = Math.max(window.scrollX + 4, Math.min(left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 4));
      tip.style.left = left + "px";
      tip.style.top = (window.scrollY + box.bottom + 8) + "px";
      bar.setAttribute("aria-describedby", tip.id);
    }
    function hide() { tip.hidden = true; }
    function focusedBar() {
      var el = document.activeElement;
      return el && el.matches && el.matches("li.bar") ? el : null;
    }
    // When the pointer leaves, fall back to the bar the keyboard is on rather than nothing.
    function unhover() {
      var bar = focusedBar();
      if (bar) { show(bar); } else { hide(); }
    }

    document.querySelectorAll("li.bar[title]").forEach(function (bar) {
      bar.dataset.tip = bar.title;
      bar.setAttribute("aria-label", bar.title);
      bar.removeAttribute("title");  // the rich tooltip replaces the native one
      bar.addEventListener("mouseenter", function () { show(bar); });
      bar.addEventListener("focus", function () { show(bar); });
      bar.addEventListener("mouseleave", unhover);
      bar.addEventListener("blur", hide);
    });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
  }

  // A roving tab stop: 90 focusable days per component would bury the rest of the page
  // under a thousand Tab presses. Works whether the markup made the bars, the list, or
  // nothing focusable.
  function keyboardBars() {
    document.querySelectorAll("ol.bars").forEach(function (list) {
      var bars = Array.prototype.slice.call(list.querySelectorAll("li.bar"));
      if (!bars.length) { return; }
      list.removeAttribute("tabindex");
      bars.forEach(function (bar) { bar.tabIndex = -1; });
      bars[bars.length - 1].tabIndex = 0;  // enter at today, the day most readers want

      list.addEventListener("focusin", function (e) {
        if (!e.target.matches("li.bar")) { return; }
        bars.forEach(function (bar) { bar.tabIndex = bar === e.target ? 0 : -1; });
      });
      list.addEventListener("keydown", function (e) {
        var at = bars.indexOf(e.target);
        if (at < 0) { return; }
        var to = {ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: bars.length - 1}[e.key];
        if (to === undefined || e.altKey || e.ctrlKey || e.metaKey) { return; }
        e.preventDefault();
        bars[Math.max(0, Math.min(to, bars.length - 1))].focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localiseTimes();
    uptimeTooltips();
    keyboardBars();
  });
})();
