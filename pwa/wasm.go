//go:build !wasm

package pwa

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

const (
	wasmPath = "/web/app.wasm"
	// versionQuery names the query parameter that versions the wasm URL.
	versionQuery = "v"
	// immutable is the Cache-Control of a versioned wasm URL: its content
	// never changes, a new build gets a new URL.
	immutable = "public, max-age=31536000, immutable"
)

// variant is one stored encoding of app.wasm.
type variant struct {
	encoding string // Content-Encoding: "br", "gzip", or "" for the raw file
	path     string
}

// wasmFile serves app.wasm from its precompressed variants.
type wasmFile struct {
	raw      variant
	modTime  time.Time
	size     int64     // uncompressed bytes
	sum      [32]byte  // SHA-256 of the uncompressed content
	variants []variant // usable compressed variants, best first
	version  string    // set once by Handler, before serving
	log      *slog.Logger
	warned   atomic.Bool // app.wasm changed on disk since start
}

// loadWasm hashes dir/app.wasm and finds its up-to-date compressed variants.
func loadWasm(dir string, log *slog.Logger) (*wasmFile, error) {
	name := filepath.Join(dir, "app.wasm")
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("pwa: %s: %w", name, ErrNoWasm)
	}
	if err != nil {
		return nil, fmt.Errorf("pwa: opening app.wasm: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pwa: reading app.wasm: %w", err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("pwa: %s is a folder: %w", name, ErrNoWasm)
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("pwa: reading app.wasm: %w", err)
	}
	wf := &wasmFile{
		raw:     variant{path: name},
		modTime: info.ModTime(),
		size:    info.Size(),
		log:     log,
	}
	h.Sum(wf.sum[:0])
	for _, v := range []variant{{encoding: "br", path: name + ".br"}, {encoding: "gzip", path: name + ".gz"}} {
		vi, err := os.Stat(v.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			log.Info("pwa: no precompressed app.wasm: run cmd/precompress", "encoding", v.encoding)
			continue
		case err != nil:
			log.Warn("pwa: precompressed app.wasm unusable", "path", v.path, "err", err)
			continue
		case vi.ModTime().Before(info.ModTime()):
			log.Warn("pwa: precompressed app.wasm older than app.wasm, ignored: run cmd/precompress", "path", v.path)
			continue
		}
		wf.variants = append(wf.variants, v)
	}
	return wf, nil
}

// url is the versioned URL the page and the service worker fetch.
func (wf *wasmFile) url() string { return wasmPath + "?" + versionQuery + "=" + wf.version }

func (wf *wasmFile) encodings() []string {
	out := make([]string, 0, len(wf.variants))
	for _, v := range wf.variants {
		out = append(out, v.encoding)
	}
	return out
}

// serve answers with the best variant the request accepts. A request for the
// current versioned URL may be cached for good; any other is revalidated.
// Should app.wasm have changed since start, only the raw file is served and
// never cached, since neither the version nor the variants describe it.
func (wf *wasmFile) serve(w http.ResponseWriter, r *http.Request) {
	v, fresh := wf.raw, wf.unchanged()
	if fresh {
		v = wf.negotiate(r.Header.Get("Accept-Encoding"))
	}
	f, err := os.Open(v.path)
	if err != nil && v.encoding != "" {
		wf.log.Error("pwa: opening precompressed app.wasm", "path", v.path, "err", err)
		v = wf.raw
		f, err = os.Open(v.path)
	}
	if err != nil {
		wf.log.Error("pwa: opening app.wasm", "err", err)
		http.Error(w, "app.wasm is missing: run make build", http.StatusNotFound)
		return
	}
	defer f.Close()

	hdr := w.Header()
	hdr.Set("Content-Type", "application/wasm")
	hdr.Set("Vary", "Accept-Encoding")
	if v.encoding != "" {
		hdr.Set("Content-Encoding", v.encoding)
	}
	switch {
	case !fresh:
		hdr.Set("Cache-Control", "no-store")
	case r.URL.Query().Get(versionQuery) == wf.version:
		hdr.Set("Cache-Control", immutable)
	default:
		hdr.Set("Cache-Control", "no-cache")
	}
	if fresh {
		hdr.Set("ETag", wf.etag(v.encoding))
	}
	http.ServeContent(w, r, "app.wasm", wf.modTime, f)
}

// etag is a strong validator per representation: each encoding is a
// different sequence of bytes.
func (wf *wasmFile) etag(encoding string) string {
	tag := hex.EncodeToString(wf.sum[:8])
	if encoding != "" {
		tag += "-" + encoding
	}
	return `"` + tag + `"`
}

// unchanged reports whether app.wasm is still the file hashed at start.
func (wf *wasmFile) unchanged() bool {
	info, err := os.Stat(wf.raw.path)
	if err == nil && info.Size() == wf.size && info.ModTime().Equal(wf.modTime) {
		return true
	}
	if wf.warned.CompareAndSwap(false, true) {
		wf.log.Warn("pwa: app.wasm changed since the server started: restart it to serve the new build")
	}
	return false
}

// negotiate picks the variant for an Accept-Encoding header value.
func (wf *wasmFile) negotiate(acceptEncoding string) variant {
	best, bestQ := wf.raw, 0.0
	for _, v := range wf.variants {
		if q := acceptQ(acceptEncoding, v.encoding); q > bestQ {
			best, bestQ = v, q
		}
	}
	return best
}
