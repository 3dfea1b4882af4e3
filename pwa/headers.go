//go:build !wasm

package pwa

import "net/http"

// ContentSecurityPolicy is sent with every answer of the [Handler]. The
// page loads only its own scripts (go-app's page has no inline script or
// style, and the app sets no style attribute), may compile app.wasm
// ('wasm-unsafe-eval', which allows WebAssembly and not JavaScript eval),
// talks only to its own origin, and cannot be framed by any page, its own
// included.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self'; img-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// setSecurityHeaders sets the headers that every page and file of the UI
// carries: the CSP, the same refusal to be framed for browsers that ignore
// frame-ancestors, no MIME sniffing (a file is what its Content-Type says),
// and no Referer to other sites (room names are in the URLs).
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}
