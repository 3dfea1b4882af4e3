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
	"unicode/utf8"

	tt "tickertalk/app"
)

// checkOrigin refuses a request a browser sent from another site. Browsers
// send Origin on every POST and DELETE; tools like curl send none and are
// not a cross-site threat, so an absent Origin passes.
func checkOrigin(r *http.Request) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return errCrossOrigin
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Host != r.Host {
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
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errTooLarge
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
