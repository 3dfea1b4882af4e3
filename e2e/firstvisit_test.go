package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestFirstVisitDownloadsWasmOnce: on a first visit the page loads
// app.wasm, compressed, and the service worker's precache gets it from the
// browser's HTTP cache (the versioned URL is immutable) instead of
// downloading it a second time. On a phone that is 1.7 MB.
func TestFirstVisitDownloadsWasmOnce(t *testing.T) {
	RequireChromium(t)
	srv := StartServer(t)
	front := countWasm(t, srv.URL)
	page := NewBrowser(t)

	Navigate(t, page, front.URL+"/rooms/lobby")
	WaitWasmReady(t, page)
	// The worker controls the page once it is activated, that is after its
	// install step has precached every resource, app.wasm included.
	WaitFor(t, page, `navigator.serviceWorker.controller !== null`, UITimeout)

	got := front.downloads()
	if len(got) != 1 {
		t.Fatalf("app.wasm was downloaded %d times on a first visit: %v", len(got), got)
	}
	if enc := got[0].encoding; enc != "br" && enc != "gzip" {
		t.Errorf("app.wasm came with Content-Encoding %q, want br or gzip", enc)
	}
	t.Logf("TIMING first visit: app.wasm downloaded once, %d bytes (%s)", got[0].bytes, got[0].encoding)
}

// wasmDownload is one response carrying app.wasm's body.
type wasmDownload struct {
	encoding string
	bytes    int
}

// wasmCounter is a reverse proxy on 127.0.0.1 in front of a server that
// records each app.wasm response with a body (a 304 has none).
type wasmCounter struct {
	URL string
	mu  sync.Mutex
	got []wasmDownload
}

func countWasm(t *testing.T, backend string) *wasmCounter {
	t.Helper()
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.FlushInterval = -1 // event streams pass through as they come
	wc := &wasmCounter{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/app.wasm") {
			proxy.ServeHTTP(w, r)
			return
		}
		// Recorded at the first byte, before the browser can have it all.
		wc.mu.Lock()
		i := len(wc.got)
		wc.got = append(wc.got, wasmDownload{})
		wc.mu.Unlock()
		cw := &countingWriter{ResponseWriter: w, count: func(n int) {
			wc.mu.Lock()
			wc.got[i].bytes += n
			wc.got[i].encoding = w.Header().Get("Content-Encoding")
			wc.mu.Unlock()
		}}
		proxy.ServeHTTP(cw, r)
	}))
	t.Cleanup(front.Close)
	wc.URL = front.URL
	return wc
}

// downloads returns the app.wasm responses that carried a body so far.
func (wc *wasmCounter) downloads() []wasmDownload {
	wc.mu.Lock()
	defer wc.mu.Unlock()
	var out []wasmDownload
	for _, d := range wc.got {
		if d.bytes > 0 {
			out = append(out, d)
		}
	}
	return out
}

// countingWriter reports the body bytes written through it to count, as
// they go.
type countingWriter struct {
	http.ResponseWriter
	count func(n int)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.count(len(p))
	return c.ResponseWriter.Write(p)
}

func (c *countingWriter) Flush() { http.NewResponseController(c.ResponseWriter).Flush() }
