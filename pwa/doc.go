// Package pwa serves Tickertalk's user interface: the page, app.js,
// wasm_exec.js, the web app manifest and the service worker produced by
// go-app, and the static files of the web folder, app.wasm first among them.
//
// Everything that imports net/http sits behind the !wasm build constraint, so
// the package is empty (and free) in app.wasm.
//
// What it adds to go-app v10.1.11's own handler:
//   - a version derived from the content of what the service worker caches
//     (app.wasm, app.css, the icons, the worker itself), so a restart does not
//     make every client download the wasm again, and a change does;
//   - app.wasm served precompressed (app.wasm.br, app.wasm.gz) by
//     Accept-Encoding, under a versioned URL that may be cached for a year;
//   - a service worker that leaves the SSE stream and the APIs to the network
//     and answers offline deep links with the cached app shell;
//   - local icons, so that precaching succeeds and the app is installable;
//   - files resolved from an absolute folder, whatever the working directory;
//   - in development only (Config.Dev, make dev), a page that reloads itself
//     when a restarted server serves a new build, and a worker that answers
//     nothing from its cache.
package pwa
