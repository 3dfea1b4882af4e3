//go:build !wasm

package pwa

import (
	"net/http"
	"strings"
	"testing"
)

// TestSecurityHeaders checks that every kind of UI answer, pages, go-app's
// scripts, static files, app.wasm, the manifest, the worker and a 404,
// carries the security headers, and that the CSP lets app.wasm compile
// without allowing JavaScript eval or framing.
func TestSecurityHeaders(t *testing.T) {
	srv := serve(t, newWebDir(t, fakeWasm("headers"), webOpts{assets: true}))
	want := map[string]string{
		"Content-Security-Policy": ContentSecurityPolicy,
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
	}
	paths := []string{
		"/", "/rooms/lobby", "/app.js", "/wasm_exec.js", "/app-worker.js", "/manifest.webmanifest",
		"/app.css", "/web/app.css", "/web/icons/icon-192.png", "/web/app.wasm", "/app.wasm", "/web/nope.txt",
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			resp, _ := get(t, http.MethodGet, srv.URL+p, nil)
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
	for _, d := range []string{"script-src 'self' 'wasm-unsafe-eval';", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(ContentSecurityPolicy, d) {
			t.Errorf("CSP %q lacks %q", ContentSecurityPolicy, d)
		}
	}
	if strings.Contains(ContentSecurityPolicy, "'unsafe-eval'") || strings.Contains(ContentSecurityPolicy, "'unsafe-inline'") {
		t.Errorf("CSP %q allows eval or inline code", ContentSecurityPolicy)
	}
}
