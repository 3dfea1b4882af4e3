//go:build !wasm

package pwa

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// testPage stands for the real components: go-app answers only routed paths.
type testPage struct{ app.Compo }

func (p *testPage) Render() app.UI { return app.Div().Text("tickertalk test page") }

func TestMain(m *testing.M) {
	app.Route("/", func() app.Composer { return &testPage{} })
	app.RouteWithRegexp("^/rooms/.*", func() app.Composer { return &testPage{} })
	os.Exit(m.Run())
}

// webOpts says what a test web folder holds besides app.wasm.
type webOpts struct {
	br, gz bool // precompressed variants, written after app.wasm
	assets bool // app.css and the real icons
}

// fakeWasm is content that stands for app.wasm; it compresses well, so a
// test can tell the variants apart by size.
func fakeWasm(seed string) []byte {
	return bytes.Repeat([]byte("\x00asm\x01\x00\x00\x00"+seed), 4096)
}

// newWebDir writes a web folder into a new temporary directory.
func newWebDir(t *testing.T, wasm []byte, o webOpts) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app.wasm"), wasm)
	// Variants must not look older than app.wasm: give app.wasm an old time.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "app.wasm"), old, old); err != nil {
		t.Fatal(err)
	}
	if o.br {
		var b bytes.Buffer
		w := brotli.NewWriterLevel(&b, brotli.BestSpeed)
		w.Write(wasm)
		w.Close()
		writeFile(t, filepath.Join(dir, "app.wasm.br"), b.Bytes())
	}
	if o.gz {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		w.Write(wasm)
		w.Close()
		writeFile(t, filepath.Join(dir, "app.wasm.gz"), b.Bytes())
	}
	if o.assets {
		writeFile(t, filepath.Join(dir, "app.css"), []byte("body { color: white; }\n"))
		for _, name := range []string{"icon-192.png", "icon-512.png", "icon-maskable-512.png", "icon.svg"} {
			data, err := os.ReadFile(filepath.Join("..", "web", "icons", name))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "icons", name), data)
		}
	}
	return dir
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// serve starts the handler of dir on a loopback HTTP server.
func serve(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	h, err := Handler(Config{WebDir: dir})
	if err != nil {
		t.Fatalf("Handler(%q): %v", dir, err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches url with the given headers, without the transport's own
// decompression, and returns the response and its body.
func get(t *testing.T, method, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	t.Cleanup(client.CloseIdleConnections)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

var cacheNameRE = regexp.MustCompile(`const cacheName = "app-" \+ "([^"]*)";`)

// servedVersion reads the version from the served service worker.
func servedVersion(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	_, body := get(t, http.MethodGet, srv.URL+"/app-worker.js", nil)
	m := cacheNameRE.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no cacheName in /app-worker.js:\n%s", body)
	}
	return string(m[1])
}

// recordGet serves one GET of p by h in memory.
func recordGet(t *testing.T, h http.Handler, p string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
	return rec
}
