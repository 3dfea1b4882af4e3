package node

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	tt "tickertalk/app"
)

// TestReadOnlyPathsRefuseOtherMethods: the pages, static files, the worker,
// health and metrics take GET and HEAD; every other method, with or without
// a body, is answered 405 with Allow and a JSON error, and GET and HEAD
// still work.
func TestReadOnlyPathsRefuseOtherMethods(t *testing.T) {
	base := startNode(t, nil)
	paths := []string{
		"/", "/rooms/lobby", tt.PathHealth, tt.PathReady, tt.PathMetrics, "/app-worker.js",
		"/app.js", "/manifest.webmanifest", "/web/app.wasm", "/robots.txt",
	}
	methods := []string{"PUT", "PATCH", "TRACE", "OPTIONS", "PROPFIND", "DELETE", "POST"}
	client := &http.Client{}
	for _, p := range paths {
		for _, m := range methods {
			t.Run(m+p, func(t *testing.T) {
				req, err := http.NewRequest(m, base+p, strings.NewReader("{}"))
				if err != nil {
					t.Fatal(err)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var e tt.APIError
				if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
					t.Errorf("body is not a JSON error: %v", err)
				}
				if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" ||
					e.Code != tt.CodeMethodNotAllowed {
					t.Errorf("%d, Allow %q, code %q; want 405, Allow \"GET, HEAD\", %s",
						resp.StatusCode, resp.Header.Get("Allow"), e.Code, tt.CodeMethodNotAllowed)
				}
			})
		}
		for _, m := range []string{"GET", "HEAD"} {
			req, err := http.NewRequest(m, base+p, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusMethodNotAllowed {
				t.Errorf("%s %s: 405", m, p)
			}
		}
	}
}
