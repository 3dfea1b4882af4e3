package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// TestOriginComparesScheme: a browser's Origin must name this server's own
// scheme and host (http here: it serves no TLS), or an origin allowed by
// configuration, for a send, a new session or a sign-out.
func TestOriginComparesScheme(t *testing.T) {
	n := startNode(t, "", func(o *Options) { o.AllowedOrigins = []string{"https://chat.example.com"} })
	host := strings.TrimPrefix(n.URL, "http://")
	alice := n.newUser(t, "alice")
	tests := []struct {
		name, origin string
		ok           bool
	}{
		{"own origin", "http://" + host, true},
		{"own origin in capitals", "HTTP://" + host, true},
		{"https on http", "https://" + host, false},
		{"ws scheme", "ws://" + host, false},
		{"other port", "http://127.0.0.1:1", false},
		{"allowed origin", "https://chat.example.com", true},
		{"allowed origin over http", "http://chat.example.com", false},
		{"allowed origin with a path", "https://chat.example.com/x", false},
		{"opaque origin", "null", false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Origin": tc.origin}
			body := fmt.Sprintf(`{"room":"lobby","text":"hi","clientId":"origin-%d"}`, i)
			resp := alice.Do(t, "POST", tt.PathSend, "application/json", body, hdr)
			if tc.ok {
				if resp.StatusCode != http.StatusCreated {
					t.Fatalf("send with Origin %q: %d, want 201", tc.origin, resp.StatusCode)
				}
			} else {
				assertAPIError(t, resp, http.StatusForbidden, tt.CodeCrossOrigin)
			}

			anon := testclient.NewClient(t, n.URL, curl...)
			resp = anon.Do(t, "POST", tt.PathSession, "application/json", fmt.Sprintf(`{"nick":"o%d"}`, i), hdr)
			if tc.ok {
				if resp.StatusCode != http.StatusCreated {
					t.Fatalf("session with Origin %q: %d, want 201", tc.origin, resp.StatusCode)
				}
			} else {
				assertAPIError(t, resp, http.StatusForbidden, tt.CodeCrossOrigin)
				// Sign-out keeps alice's session: it is refused before the store.
				assertAPIError(t, alice.Do(t, "DELETE", tt.PathSession, "", "", hdr), http.StatusForbidden, tt.CodeCrossOrigin)
			}
		})
	}
}
