//go:build !wasm

package pwa

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Paths served in development only ([Config].Dev).
const (
	// DevReloadPath is an event stream that sends, on connect, one "build"
	// event whose data is the version this process serves.
	DevReloadPath = "/dev/reload"
	// DevScriptPath is the page's script that listens to [DevReloadPath]
	// and reloads the page when a new build is served.
	DevScriptPath = "/dev/reload.js"
)

// devRetry is the reconnection time the reload stream asks for: a restart
// takes seconds, and the page should see the new build as soon as it
// listens.
const devRetry = 250 * time.Millisecond

// devPing keeps the reload stream alive through proxies.
const devPing = 15 * time.Second

// devScript reloads the page when the server that answers the reload
// stream serves another build than the one that served the script (the
// page's own). The EventSource reconnects by itself while the server
// restarts.
const devScript = `// Development only (tickertalk --dev): reload when a new build is served.
(() => {
  const loaded = %q;
  const es = new EventSource(%q);
  es.addEventListener("build", (e) => {
    if (e.data !== loaded) {
      console.info("tickertalk dev: build " + e.data + " replaces " + loaded + ": reloading");
      es.close();
      location.reload();
    }
  });
})();
`

// devHandler serves [DevReloadPath] and [DevScriptPath] for the build
// version; serve reports false for any other path.
type devHandler struct {
	version string
}

// serve answers r when its path is a development path, and reports
// whether it did.
func (d devHandler) serve(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case DevScriptPath:
		if !getOrHead(w, r) {
			return true
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintf(w, devScript, d.version, DevReloadPath)
		return true
	case DevReloadPath:
		if getOrHead(w, r) {
			d.stream(w, r)
		}
		return true
	}
	return false
}

func getOrHead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

// stream sends the version and holds the connection until the client or
// the server (its base context) ends it.
func (d devHandler) stream(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	rc := http.NewResponseController(w)
	fmt.Fprintf(w, "retry: %s\nevent: build\ndata: %s\n\n", strconv.FormatInt(devRetry.Milliseconds(), 10), d.version)
	if rc.Flush() != nil {
		return
	}
	ping := time.NewTicker(devPing)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}
