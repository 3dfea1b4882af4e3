//go:build !wasm

package pwa

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

func TestWasmEncodingNegotiation(t *testing.T) {
	wasm := fakeWasm("negotiation")
	full := serve(t, newWebDir(t, wasm, webOpts{br: true, gz: true}))
	gzOnly := serve(t, newWebDir(t, wasm, webOpts{gz: true}))
	rawOnly := serve(t, newWebDir(t, wasm, webOpts{}))
	tests := []struct {
		name, url, acceptEncoding, want string
	}{
		{"browser", full.URL, "gzip, deflate, br, zstd", "br"},
		{"br", full.URL, "br", "br"},
		{"gzip", full.URL, "gzip", "gzip"},
		{"identity", full.URL, "identity", ""},
		{"none", full.URL, "", ""},
		{"br refused", full.URL, "br;q=0, gzip", "gzip"},
		{"only br refused", full.URL, "br;q=0", ""},
		{"gzip preferred", full.URL, "gzip;q=1, br;q=0.5", "gzip"},
		{"upper case", full.URL, "BR", "br"},
		{"wildcard", full.URL, "*", "br"},
		{"wildcard refused", full.URL, "*;q=0", ""},
		{"wildcard minus br", full.URL, "br;q=0, *", "gzip"},
		{"malformed q", full.URL, "br;q=x, gzip;q=0.1", "gzip"},
		{"no br file", gzOnly.URL, "gzip, br", "gzip"},
		{"no compressed files", rawOnly.URL, "gzip, br", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.acceptEncoding != "" {
				h.Set("Accept-Encoding", tt.acceptEncoding)
			}
			resp, body := get(t, http.MethodGet, tt.url+wasmPath, h)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tt.want {
				t.Errorf("Content-Encoding = %q, want %q", got, tt.want)
			}
			if got, want := resp.Header.Get("Content-Type"), "application/wasm"; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			if got, want := resp.Header.Get("Vary"), "Accept-Encoding"; got != want {
				t.Errorf("Vary = %q, want %q", got, want)
			}
			if got := decode(t, tt.want, body); !bytes.Equal(got, wasm) {
				t.Errorf("decoded body is %d bytes, not the %d of app.wasm", len(got), len(wasm))
			}
			if got, want := resp.Header.Get("Content-Length"), strconv.Itoa(len(body)); got != want {
				t.Errorf("Content-Length = %q, want %q", got, want)
			}
		})
	}
}

func decode(t *testing.T, encoding string, body []byte) []byte {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	switch encoding {
	case "br":
		r = brotli.NewReader(r)
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %q: %v", encoding, err)
	}
	return out
}

func TestWasmCaching(t *testing.T) {
	srv := serve(t, newWebDir(t, fakeWasm("caching"), webOpts{br: true, gz: true}))
	version := servedVersion(t, srv)
	br := http.Header{"Accept-Encoding": {"br"}}
	tests := []struct {
		name, path, want string
	}{
		{"versioned", wasmPath + "?v=" + version, immutable},
		{"unversioned", wasmPath, "no-cache"},
		{"old version", wasmPath + "?v=0123456789abcdef", "no-cache"},
		{"alias", "/app.wasm", "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := get(t, http.MethodGet, srv.URL+tt.path, br)
			if got := resp.Header.Get("Cache-Control"); got != tt.want {
				t.Errorf("Cache-Control = %q, want %q", got, tt.want)
			}
		})
	}

	resp, _ := get(t, http.MethodGet, srv.URL+wasmPath, br)
	etag := resp.Header.Get("ETag")
	if !strings.HasSuffix(etag, `-br"`) {
		t.Fatalf("ETag %q does not name its encoding", etag)
	}
	resp, body := get(t, http.MethodGet, srv.URL+wasmPath, http.Header{"Accept-Encoding": {"br"}, "If-None-Match": {etag}})
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("revalidation: status %d with %d bytes, want 304 and none", resp.StatusCode, len(body))
	}
	resp, _ = get(t, http.MethodGet, srv.URL+wasmPath, http.Header{"Accept-Encoding": {"gzip"}, "If-None-Match": {etag}})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the br ETag revalidated a gzip request: status %d", resp.StatusCode)
	}
	resp, body = get(t, http.MethodHead, srv.URL+wasmPath, br)
	if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.Header.Get("Content-Encoding") != "br" {
		t.Errorf("HEAD: status %d, %d bytes, encoding %q", resp.StatusCode, len(body), resp.Header.Get("Content-Encoding"))
	}
	resp, _ = get(t, http.MethodPost, srv.URL+wasmPath, nil)
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
}

// The page's loader counts decoded bytes: its total must be the raw size
// even when the wire carries brotli.
func TestWasmContentLengthIsUncompressedSize(t *testing.T) {
	wasm := fakeWasm("length")
	srv := serve(t, newWebDir(t, wasm, webOpts{br: true}))
	_, body := get(t, http.MethodGet, srv.URL+"/app.js", nil)
	if want := `const goappWasmContentLength = "` + strconv.Itoa(len(wasm)) + `";`; !bytes.Contains(body, []byte(want)) {
		t.Errorf("app.js lacks %s", want)
	}
	version := servedVersion(t, srv)
	if want := `fetchWithProgress("/web/app.wasm?v=` + version + `"`; !bytes.Contains(body, []byte(want)) {
		t.Errorf("app.js does not fetch the versioned wasm URL: lacks %s", want)
	}
}

func TestStalePrecompressedIgnored(t *testing.T) {
	dir := newWebDir(t, fakeWasm("stale"), webOpts{br: true, gz: true})
	older := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "app.wasm.br"), older, older); err != nil {
		t.Fatal(err)
	}
	srv := serve(t, dir)
	resp, _ := get(t, http.MethodGet, srv.URL+wasmPath, http.Header{"Accept-Encoding": {"br, gzip"}})
	if got, want := resp.Header.Get("Content-Encoding"), "gzip"; got != want {
		t.Errorf("Content-Encoding = %q, want %q (app.wasm.br is older than app.wasm)", got, want)
	}
}

func TestWasmRebuiltAfterStartIsNotCached(t *testing.T) {
	dir := newWebDir(t, fakeWasm("before"), webOpts{br: true})
	srv := serve(t, dir)
	version := servedVersion(t, srv)
	rebuilt := fakeWasm("after, a longer build")
	writeFile(t, filepath.Join(dir, "app.wasm"), rebuilt)
	resp, body := get(t, http.MethodGet, srv.URL+wasmPath+"?v="+version, http.Header{"Accept-Encoding": {"br"}})
	if got := resp.Header.Get("Content-Encoding"); got != "" {
		t.Errorf("Content-Encoding = %q: the stale variant was served", got)
	}
	if got, want := resp.Header.Get("Cache-Control"), "no-store"; got != want {
		t.Errorf("Cache-Control = %q, want %q", got, want)
	}
	if !bytes.Equal(body, rebuilt) {
		t.Errorf("body is not the rebuilt app.wasm")
	}
}

func TestAcceptQ(t *testing.T) {
	tests := []struct {
		header, coding string
		want           float64
	}{
		{"br", "br", 1},
		{"gzip, br;q=0.8", "br", 0.8},
		{"gzip, br ; q=0.8", "br", 0.8},
		{"gzip", "br", 0},
		{"*;q=0.3", "br", 0.3},
		{"br;q=0, *", "br", 0},
		{"br;q=2", "br", 0},
		{"br;level=1", "br", 1},
		{"", "br", 0},
		{",,br", "br", 1},
	}
	for _, tt := range tests {
		if got := acceptQ(tt.header, tt.coding); got != tt.want {
			t.Errorf("acceptQ(%q, %q) = %v, want %v", tt.header, tt.coding, got, tt.want)
		}
	}
}
