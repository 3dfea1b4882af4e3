//go:build !wasm

package pwa

import (
	"strconv"
	"strings"
)

// acceptQ returns the quality an Accept-Encoding header value gives coding
// (RFC 9110, section 12.5.3): its own entry if listed, else the "*" entry,
// else 0. Codings compare case-insensitively; a malformed q counts as 0.
func acceptQ(header, coding string) float64 {
	q, wildcard := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		v := parseQ(params)
		switch {
		case strings.EqualFold(name, coding):
			q = v
		case name == "*":
			wildcard = v
		}
	}
	switch {
	case q >= 0:
		return q
	case wildcard >= 0:
		return wildcard
	}
	return 0
}

// parseQ reads the q parameter of one Accept-Encoding entry; without one the
// quality is 1.
func parseQ(params string) float64 {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}
