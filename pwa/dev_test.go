//go:build !wasm

package pwa

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDevMode checks what development mode changes: the page loads the
// reload script, which knows the version served; the reload stream sends
// that version at once; the service worker leaves every request to the
// network. Production has none of it.
func TestDevMode(t *testing.T) {
	dir := newWebDir(t, fakeWasm("dev"), webOpts{assets: true})
	tests := []struct {
		dev bool
	}{{dev: false}, {dev: true}}
	for _, tc := range tests {
		name := "production"
		if tc.dev {
			name = "dev"
		}
		t.Run(name, func(t *testing.T) {
			h, err := Handler(Config{WebDir: dir, Dev: tc.dev})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			version := servedVersion(t, srv)

			_, page := get(t, http.MethodGet, srv.URL+"/", nil)
			if got := strings.Contains(string(page), `src="`+DevScriptPath+`"`); got != tc.dev {
				t.Errorf("the page loads %s: %v, want %v", DevScriptPath, got, tc.dev)
			}
			_, worker := get(t, http.MethodGet, srv.URL+"/app-worker.js", nil)
			if got := strings.Contains(string(worker), `"prefixes":["/"]`); got != tc.dev {
				t.Errorf("the worker leaves every path to the network: %v, want %v", got, tc.dev)
			}
			resp, script := get(t, http.MethodGet, srv.URL+DevScriptPath, nil)
			isScript := strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript")
			if isScript != tc.dev {
				t.Fatalf("%s answers %s %q, want a script: %v", DevScriptPath, resp.Status, resp.Header.Get("Content-Type"), tc.dev)
			}
			if !tc.dev {
				return
			}
			if !strings.Contains(string(script), `const loaded = "`+version+`"`) {
				t.Errorf("the reload script does not carry the version %s:\n%s", version, script)
			}
			if got := buildEvent(t, srv.URL+DevReloadPath); got != version {
				t.Errorf("the reload stream says build %q, want %q", got, version)
			}
		})
	}
}

// buildEvent reads the reload stream at url until its build event, and
// returns its data.
func buildEvent(t *testing.T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("%s: Content-Type %q", url, ct)
	}
	sc := bufio.NewScanner(resp.Body)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "build":
			return strings.TrimPrefix(line, "data: ")
		}
	}
	t.Fatalf("%s ended without a build event: %v", url, sc.Err())
	return ""
}
