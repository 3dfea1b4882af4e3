// tickertalk:begin header
// Tickertalk's service worker: go-app v10.1.11's DefaultAppWorkerJS with the
// changes between "tickertalk:begin" and "tickertalk:end" markers, and nothing
// else (pwa/worker_test.go removes the marked blocks and compares the rest
// with upstream):
//   - the SSE stream, the send endpoint, the APIs, the probes, the metrics,
//     event-stream requests and every non-GET request go to the network,
//     never to the cache;
//   - a navigation the cache does not hold (a deep link such as /rooms/x) is
//     fetched, and answered with the cached app shell "/" when offline.
// Package pwa fills the network-only rules from package app's paths before
// go-app fills in the version and the resources to cache.
// tickertalk:end
// -----------------------------------------------------------------------------
// PWA
// -----------------------------------------------------------------------------
const cacheName = "app-" + "{{.Version}}";
const resourcesToCache = {{.ResourcesToCache}};

self.addEventListener("install", async (event) => {
  try {
    console.log("installing app worker {{.Version}}");
    await installWorker();
    await self.skipWaiting();
  } catch (error) {
    console.error("error during installation:", error);
  }
});

async function installWorker() {
  const cache = await caches.open(cacheName);
  await cache.addAll(resourcesToCache);
}

self.addEventListener("activate", async (event) => {
  try {
    await deletePreviousCaches(); // Await cache cleanup
    await self.clients.claim(); // Ensure the service worker takes control of the clients
    console.log("app worker {{.Version}} is activated");
  } catch (error) {
    console.error("error during activation:", error);
  }
});

async function deletePreviousCaches() {
  const keys = await caches.keys();
  await Promise.all(
    keys.map(async (key) => {
      if (key !== cacheName) {
        try {
          console.log("deleting", key, "cache");
          await caches.delete(key);
        } catch (err) {
          console.error("deleting", key, "cache failed:", err);
        }
      }
    })
  );
}

self.addEventListener("fetch", (event) => {
  // tickertalk:begin network-only
  if (tickertalkNetworkOnly(event.request)) {
    return;
  }
  // tickertalk:end
  event.respondWith(fetchWithCache(event.request));
});

async function fetchWithCache(request) {
  const cachedResponse = await caches.match(request);
  if (cachedResponse) {
    return cachedResponse;
  }
  // tickertalk:begin app-shell
  if (request.mode === "navigate") {
    try {
      return await fetch(request);
    } catch (err) {
      const shell = await caches.match("/");
      if (shell) {
        return shell;
      }
      throw err;
    }
  }
  // tickertalk:end
  return await fetch(request);
}
// tickertalk:begin network-only-rules

const tickertalkNetworkOnlyRules = {{.TickertalkNetworkOnly}};

function tickertalkNetworkOnly(request) {
  if (request.method !== "GET") {
    return true;
  }
  const accept = request.headers.get("Accept") || "";
  if (accept.includes("text/event-stream")) {
    return true;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return false;
  }
  if (tickertalkNetworkOnlyRules.paths.includes(url.pathname)) {
    return true;
  }
  return tickertalkNetworkOnlyRules.prefixes.some((prefix) =>
    url.pathname.startsWith(prefix)
  );
}
// tickertalk:end

// -----------------------------------------------------------------------------
// Push Notifications
// -----------------------------------------------------------------------------
self.addEventListener("push", (event) => {
  event.waitUntil((async () => {
    let notification;

    try {
      notification = event.data ? event.data.json() : null;
    } catch {
      notification = null;
    }

    if (!notification) {
      return;
    }

    await showNotification(self.registration, notification);
  })());
});

self.addEventListener("message", (event) => {
  const msg = event.data;
  if (!msg || msg.type !== "goapp:notify") {
    return;
  }

  event.waitUntil(
    showNotification(self.registration, msg.options)
  );
});

async function showNotification(registration, notification) {
  const title = notification.title || "Notification";

  let actions = [];
  for (let i in notification.actions) {
    const action = notification.actions[i];
    actions.push({
      action: action.action,
      path: action.path,
    });
    delete action.path;
  }

  await registration.showNotification(title, {
    body: notification.body,
    icon: notification.icon,
    badge: notification.badge,
    actions: notification.actions,
    data: {
      goapp: {
        path: notification.path,
        actions: actions
      }
    }
  });
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();

  const notification = event.notification;
  let path = notification.data.goapp.path;

  for (let i in notification.data.goapp.actions) {
    const action = notification.data.goapp.actions[i];
    if (action.action === event.action) {
      path = action.path;
      break;
    }
  }

  event.waitUntil(
    clients
      .matchAll({
        type: "window",
      })
      .then((clientList) => {
        for (var i = 0; i < clientList.length; i++) {
          let client = clientList[i];
          if ("focus" in client) {
            client.focus();
            client.postMessage({
              goapp: {
                type: "notification",
                path: path,
              },
            });
            return;
          }
        }

        if (clients.openWindow) {
          return clients.openWindow(path);
        }
      })
  );
});