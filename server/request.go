package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	tt "tickertalk/app"
)

// checkOrigin refuses a request a browser sent from another origin.
// Browsers send Origin on every POST and DELETE; tools like curl send none
// and are not a cross-site threat, so an absent Origin passes. A present
// one must be the server's own origin, scheme included, or one of
// [Options.AllowedOrigins]. The own scheme is https when this process
// serves TLS, when a trusted proxy says X-Forwarded-Proto: https, or with
// [Options.CookieSecure] (browsers reach the node over HTTPS); else http.
// A page on http://host must not write to https://host, nor the reverse.
func (s *Server) checkOrigin(r *http.Request) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return errCrossOrigin
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	for _, o := range s.opts.AllowedOrigins {
		if strings.EqualFold(origin, o) {
			return nil
		}
	}
	scheme := "http"
	if r.TLS != nil || s.opts.CookieSecure || s.proxies.forwardedTLS(r) {
		scheme = "https"
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) || !strings.EqualFold(u.Scheme, scheme) {
		return errCrossOrigin
	}
	return nil
}

// readJSON decodes the JSON object in r's body into v: 415 when it is not
// JSON, 413 over 16 KiB, 422 for invalid UTF-8 (encoding/json would
// silently replace it), 400 when malformed, with unknown fields or with
// trailing data.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errNotJSON
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, tt.MaxBodyBytes))
	if err == nil {
		// The body is in: lift ServeHTTP's body deadline, which would
		// otherwise cut net/http's background read, and with it the
		// request's context, while the handler still works. On an error
		// it stays: net/http reads what is left before answering.
		_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errTooLarge
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errBodyTimeout
	}
	if err != nil {
		return badJSON(fmt.Errorf("read body: %w", err))
	}
	if !utf8.Valid(body) {
		return errBadUTF8
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badJSON(err)
	}
	// Not dec.More: it is false before a stray '}' or ']'.
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return badJSON(errors.New("trailing data after the JSON object"))
	}
	return nil
}

// queryValue returns the first value of key in a raw query string, as
// url.Values.Get would after url.ParseQuery (pairs it would refuse, with a
// semicolon or a bad escape, are skipped), and whether key is present. It
// builds no map and allocates only to unescape: every connect reads two
// parameters, and r3labs then parses the query it is handed again, so two
// url.Values maps per connect (about 700 bytes) were garbage at once.
func queryValue(raw, key string) (value string, present bool) {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(k)
		if err != nil || k != key {
			continue
		}
		if v, err = url.QueryUnescape(v); err != nil {
			continue
		}
		return v, true
	}
	return "", false
}
