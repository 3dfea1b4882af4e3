//go:build !wasm

package pwa

import (
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"strings"
)

// proxied reports the root files go-app would fetch from /web/ over HTTP,
// from the host named in the request's Host header, and cache for everyone:
// a request with a forged Host would poison that cache. They are served from
// the web folder directly instead.
func proxied(p string) bool {
	return p == "/robots.txt" || p == "/sitemap.xml" || p == "/ads.txt"
}

// static serves the web folder: app.wasm by [wasmFile], other files as they
// are, revalidated on every use (Cache-Control: no-cache, Last-Modified).
// Directories are not listed.
type static struct {
	dir  string
	wasm *wasmFile
	log  *slog.Logger
}

func newStatic(dir string, wasm *wasmFile, log *slog.Logger) *static {
	return &static{dir: dir, wasm: wasm, log: log}
}

// owns reports whether p is served by s rather than go-app.
func (s *static) owns(p string) bool {
	return strings.HasPrefix(p, "/web/") || p == "/app.wasm" || p == "/goapp.wasm" || proxied(p)
}

func (s *static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean(r.URL.Path)
	switch {
	case p == wasmPath || p == "/app.wasm" || p == "/goapp.wasm":
		s.wasm.serve(w, r)
		return
	case proxied(p):
		p = "/web" + p
	case !strings.HasPrefix(p, "/web/"):
		http.NotFound(w, r)
		return
	}
	name := filePath(s.dir, p)
	f, err := os.Open(name)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log.Error("pwa: opening web file", "path", p, "err", err)
		}
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || info.IsDir() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, info.Name(), info.ModTime(), f)
}
