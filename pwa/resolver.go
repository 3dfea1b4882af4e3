//go:build !wasm

package pwa

import (
	"path/filepath"
	"strings"
)

// resolver is go-app's ResourceResolver for Tickertalk: /web/... paths stay
// URL paths on this origin (the files behind them are served by [static]
// from an absolute folder), except app.wasm, which gets its versioned URL.
//
// go-app's LocalDir would do for the URLs only with an empty directory, and
// then reads files relative to the working directory.
type resolver struct {
	wasmURL string
}

// Resolve implements go-app's ResourceResolver.
func (r resolver) Resolve(location string) string {
	switch {
	case location == "" || location == "/":
		return "/"
	case strings.HasPrefix(location, "http://"), strings.HasPrefix(location, "https://"):
		return location
	case !isWeb(location):
		return location
	}
	location = "/" + strings.Trim(location, "/")
	if location == wasmPath {
		return r.wasmURL
	}
	return location
}

func isWeb(location string) bool {
	return strings.HasPrefix(location, "/web/") || location == "/web" ||
		strings.HasPrefix(location, "web/") || location == "web"
}

// filePath maps a /web/... URL path to its file in dir.
func filePath(dir, urlPath string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(urlPath, "/"), "web")
	return filepath.Join(dir, filepath.FromSlash(rel))
}
