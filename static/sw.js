// Herald's service worker, served at /sw.js so its scope is the whole status page.
// It shows each push message as a notification and opens the incident when one is clicked.
// The push payload is JSON: {title, body, url, tag, incident_id, update_id, status, impact}.
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();  // a new version takes over without waiting for every tab to close
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

// Only pages of this site are opened: a notification must not become a link to elsewhere.
function sameSite(url) {
  try {
    var target = new URL(url, self.location.origin);
    return target.origin === self.location.origin ? target.href : self.location.origin + "/";
  } catch (e) {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try { data = event.data.json(); } catch (e) { data = {body: event.data.text()}; }
  }
  var options = {
    body: data.body || "",
    icon: "/static/favicon.svg",
    data: {url: sameSite(data.url || "/")},
  };
  if (data.tag) {
    options.tag = data.tag;  // a newer update of the incident replaces the older notification
    options.renotify = true;  // ... and still alerts
  }
  event.waitUntil(self.registration.showNotification(data.title || "Status update", options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || self.location.origin + "/";
  event.waitUntil(
    self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url && "focus" in windows[i]) { return windows[i].focus(); }
      }
      return self.clients.openWindow(url);
    })
  );
});

// The browser renewed the subscription (keys rotated or it expired): tell Herald, keeping the
// choices of the old one, so updates keep arriving without the reader doing anything.
self.addEventListener("pushsubscriptionchange", function (event) {
  var old = event.oldSubscription;
  var renewed = event.newSubscription
    ? Promise.resolve(event.newSubscription)
    : self.registration.pushManager.subscribe(old ? old.options : {userVisibleOnly: true});
  event.waitUntil(
    renewed.then(function (subscription) {
      return fetch("/push/subscriptions", {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({
          subscription: subscription.toJSON(),
          replaces: old ? old.endpoint : null,
        }),
      });
    })
  );
});
