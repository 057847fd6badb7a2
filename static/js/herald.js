// Progressive enhancement only: the page reads fully without this script.
// 1. Every <time datetime> is shown in the reader's own time zone, in the page's language.
// 2. Uptime bars get a rich tooltip on hover and keyboard focus (their title is the fallback;
//    a quiet day's bare <li> is named from the dates and words its section says once, so
//    without this script such a day shows its colour alone).
// 3. Each component's bars are one tab stop; the arrow keys, Home and End move between days.
// 4. "Get browser notifications" appears where the browser can take push messages.
// 5. Subscription forms keep their scope and their ticks in step: ticking a component selects
//    "Only the ones I choose"; choosing "All components" unticks them (the server reads ticks
//    as "only these" either way, so the form never says one thing and does another).
(function () {
  "use strict";

  // In the page's language (<html lang>), not the browser's: a German browser reading the
  // English page gets English dates. The zone is the browser's, named ("EST", "GMT+1").
  function localiseTimes() {
    var lang = document.documentElement.lang || "en";
    var format, clock;
    try {
      format = new Intl.DateTimeFormat(lang, {
        year: "numeric", month: "short", day: "numeric",
        hour: "numeric", minute: "2-digit", timeZoneName: "short"
      });
      clock = new Intl.DateTimeFormat(lang, {
        hour: "numeric", minute: "2-digit", timeZoneName: "short"
      });
    } catch (e) { return; }
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) {
        el.title = el.textContent;  // the page's zone stays on hover
        el.textContent = (el.hasAttribute("data-clock") ? clock : format).format(when);
      }
    });
    // The notes say which zone the times are now in: the server wrote each sentence, in the
    // page's language, into data-zone-note with "{zone}" for the reader's zone.
    var zone = format.resolvedOptions().timeZone;
    if (!zone) { return; }
    document.querySelectorAll("[data-zone-note]").forEach(function (el) {
      el.textContent = el.getAttribute("data-zone-note").replace("{zone}", zone.replace(/_/g, " "));
    });
  }

  // The browser's time zone, for the zone a subscriber's messages say times in.
  function readerZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
  }

  // 6. Subscribe forms send the browser's zone (without script: empty, the page's zone).
  function fillBrowserZone() {
    var zone = readerZone();
    if (!zone) { return; }
    document.querySelectorAll("input[data-browser-zone]").forEach(function (input) {
      if (!input.value) { input.value = zone; }
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
      return el && el.matches && el.matches("ol.bars > li") ? el : null;
    }
    // When the pointer leaves, fall back to the bar the keyboard is on rather than nothing.
    function unhover() {
      var bar = focusedBar();
      if (bar) { show(bar); } else { hide(); }
    }

    // A quiet day comes as a bare <li> (public/_macros.html): its text is its date and the
    // words said once on the section (data-days, data-full, data-nodata).
    document.querySelectorAll("[data-days]").forEach(function (section) {
      var days = section.dataset.days.split("|");
      section.querySelectorAll("ol.bars").forEach(function (list) {
        var bars = list.querySelectorAll(":scope > li");
        var first = days.length - bars.length;  // the lists end at today, as the days do
        Array.prototype.forEach.call(bars, function (bar, i) {
          if (bar.title || days[first + i] === undefined) { return; }
          var words = bar.classList.contains("b-nodata") ? section.dataset.nodata : section.dataset.full;
          bar.title = days[first + i] + " · " + words;
        });
      });
    });
    document.querySelectorAll("ol.bars > li[title]").forEach(function (bar) {
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
      var bars = Array.prototype.slice.call(list.querySelectorAll(":scope > li"));
      if (!bars.length) { return; }
      list.removeAttribute("tabindex");
      bars.forEach(function (bar) { bar.tabIndex = -1; });
      bars[bars.length - 1].tabIndex = 0;  // enter at today, the day most readers want

      list.addEventListener("focusin", function (e) {
        if (e.target.parentNode !== list) { return; }
        bars.forEach(function (bar) { bar.tabIndex = bar === e.target ? 0 : -1; });
      });
      list.addEventListener("keydown", function (e) {
        // Only the bars shown: a narrow screen hides the older days (herald.css).
        var shown = bars.filter(function (bar) { return bar.getClientRects().length > 0; });
        var at = shown.indexOf(e.target);
        if (at < 0) { return; }
        // Right-to-left, the bars run from the right: the arrow keys follow what is seen.
        var step = getComputedStyle(list).direction === "rtl" ? -1 : 1;
        var to = {ArrowLeft: at - step, ArrowRight: at + step, Home: 0, End: shown.length - 1}[e.key];
        if (to === undefined || e.altKey || e.ctrlKey || e.metaKey) { return; }
        e.preventDefault();
        shown[Math.max(0, Math.min(to, shown.length - 1))].focus();
      });
    });
  }

  // Browser notifications: register the service worker, ask the browser for a push
  // subscription (bound to Herald's VAPID key) and post it to Herald with the reader's choices.
  // Shown only where push works and the page is the app's own origin (a static copy elsewhere
  // cannot subscribe); every browser call is bounded, so the control never hangs.
  var pushTimeoutMs = 10000;  // data-push-timeout on the control overrides it (tests)
  // What the control says, in the page's language: the server writes the sentences into
  // data-push-words (public/_push_control.html); English stands in if they are missing.
  var pushWords = {};

  function word(key, fallback, values) {
    var text = pushWords[key] || fallback;
    Object.keys(values || {}).forEach(function (name) {
      text = text.replace("{" + name + "}", values[name]);
    });
    return text;
  }

  function within(promise, what) {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        reject(new Error(word("noAnswer", "{what} did not answer. Try again later.", {what: what})));
      }, pushTimeoutMs);
      Promise.resolve(promise).then(
        function (value) { clearTimeout(timer); resolve(value); },
        function (error) { clearTimeout(timer); reject(error); }
      );
    });
  }

  function base64urlBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function postJSON(url, body) {
    return within(fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify(body)
    }), word("thePage", "The status page")).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok) {
          throw new Error(answer.message ||
            word("refused", "The status page refused ({status}).", {status: response.status}));
        }
        return answer;
      });
    });
  }

  function askPermission() {
    if (Notification.permission === "granted") { return Promise.resolve("granted"); }
    // Every browser with the Push API returns a promise here (only older Safari, which has
    // no Push API, wanted a callback).
    return Promise.resolve(Notification.requestPermission());
  }

  function pushControl() {
    var box = document.querySelector("[data-push-subscribe]");
    if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) ||
        !("Notification" in window) || !window.fetch) { return; }
    var urls = {
      subscribe: box.dataset.pushSubscribe, unsubscribe: box.dataset.pushUnsubscribe,
      key: box.dataset.pushKey, worker: box.dataset.pushWorker
    };
    try {
      if (new URL(urls.subscribe, location.href).origin !== location.origin) { return; }
    } catch (e) { return; }
    var form = box.querySelector("form");
    var status = box.querySelector(".push-status");
    var off = box.querySelector(".push-off");
    var on = form.querySelector("button[type=submit]");
    pushTimeoutMs = Number(box.dataset.pushTimeout) || pushTimeoutMs;
    try { pushWords = JSON.parse(box.dataset.pushWords || "{}"); } catch (e) { pushWords = {}; }
    var theBrowser = word("theBrowser", "The browser");
    box.hidden = false;

    function say(text, failed) {
      status.textContent = text;
      status.classList.toggle("error", Boolean(failed));
    }
    function subscribed(yes) {
      off.hidden = !yes;
      on.textContent = yes ? word("save", "Save choices") : word("turnOn", "Turn on notifications");
    }
    function registration() {
      return within(navigator.serviceWorker.register(urls.worker), theBrowser)
        .then(function () { return within(navigator.serviceWorker.ready, theBrowser); });
    }
    function choices() {
      var chosen = form.querySelector("input[name=scope]:checked").value === "chosen";
      return {
        incidents: form.elements.incidents.checked,
        maintenance: form.elements.maintenance.checked,
        language: form.elements.language ? form.elements.language.value : document.documentElement.lang,
        time_zone: readerZone(),
        components: chosen ? Array.prototype.map.call(
          form.querySelectorAll("input[name=components]:checked"),
          function (input) { return input.value; }) : null
      };
    }

    // Already subscribed in this browser: say so, and offer to turn it off.
    navigator.serviceWorker.getRegistration(urls.worker).then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      if (subscription) { subscribed(true); say(word("on", "Browser notifications are on.")); }
    }).catch(function () {});

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var wanted = choices();
      on.disabled = true;
      say(word("asking", "Asking your browser…"));
      askPermission().then(function (permission) {
        if (permission !== "granted") {
          throw new Error(word("blocked", "Notifications are blocked for this site. Allow them in the browser's site settings, then try again."));
        }
        return Promise.all([registration(), within(fetch(urls.key), word("thePage", "The status page"))]);
      }).then(function (found) {
        if (!found[1].ok) {
          throw new Error(word("keyMissing", "The status page did not answer ({status}).", {status: found[1].status}));
        }
        return found[1].json().then(function (key) {
          return found[0].pushManager.getSubscription().then(function (existing) {
            return existing || within(found[0].pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: base64urlBytes(key.application_server_key)
            }).catch(function (error) {
              throw new Error(word("cannotSubscribe", "Your browser could not subscribe ({error}).",
                {error: error.message || error.name}));
            }), word("thePushService", "The browser's push service"));
          });
        });
      }).then(function (subscription) {
        wanted.subscription = subscription.toJSON ? subscription.toJSON() : subscription;
        return postJSON(urls.subscribe, wanted);
      }).then(function (answer) {
        subscribed(true);
        say(answer.message || word("on", "Browser notifications are on."));
      }).catch(function (error) {
        say(error.message || word("notOn", "Browser notifications could not be turned on."), true);
      }).then(function () { on.disabled = false; });
    });

    off.addEventListener("click", function () {
      off.disabled = true;
      navigator.serviceWorker.getRegistration(urls.worker).then(function (reg) {
        return reg ? reg.pushManager.getSubscription() : null;
      }).then(function (subscription) {
        if (!subscription) { return {message: word("off", "Browser notifications are off.")}; }
        var endpoint = subscription.endpoint;
        return within(subscription.unsubscribe(), theBrowser).catch(function () {})
          .then(function () { return postJSON(urls.unsubscribe, {endpoint: endpoint}); });
      }).then(function (answer) {
        subscribed(false);
        say(answer.message || word("off", "Browser notifications are off."));
      }).catch(function (error) {
        say(error.message || word("notOff", "Browser notifications could not be turned off."), true);
      }).then(function () { off.disabled = false; });
    });
  }

  function scopeFollowsChoice() {
    document.querySelectorAll("form").forEach(function (form) {
      var boxes = form.querySelectorAll("input[data-scope-choice]");
      var all = form.querySelector('input[data-scope="all"]');
      var chosen = form.querySelector('input[data-scope="chosen"]');
      if (!boxes.length || !all || !chosen) return;
      boxes.forEach(function (box) {
        box.addEventListener("change", function () {
          if (box.checked) chosen.checked = true;
        });
      });
      all.addEventListener("change", function () {
        if (all.checked) boxes.forEach(function (box) { box.checked = false; });
      });
    });
  }

  // The header's Subscribe menu closes as menus do: on Escape (focus back on its button), on
  // a click elsewhere and once a choice is made. Its "Browser notifications" choice opens that control on arrival.
  function subscribeMenu() {
    var menu = document.querySelector("details.subscribe-menu");
    if (menu) {
      document.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && menu.open) {
          menu.open = false;
          menu.querySelector("summary").focus();
        }
      });
      document.addEventListener("click", function (e) {
        // A click elsewhere, or a choice made (it may only move within this page).
        if (menu.open && (!menu.contains(e.target) || e.target.closest("a"))) { menu.open = false; }
      });
    }
    function openTarget() {
      var target = window.location.hash && document.getElementById(window.location.hash.slice(1));
      if (target && target.matches("details") && !target.hidden) { target.open = true; }
    }
    openTarget();
    window.addEventListener("hashchange", openTarget);
  }

  document.addEventListener("DOMContentLoaded", function () {
    scopeFollowsChoice();
    fillBrowserZone();
    localiseTimes();
    uptimeTooltips();
    keyboardBars();
    pushControl();
    subscribeMenu();
  });
})();
