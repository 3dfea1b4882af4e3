package server

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// TestOriginComparesScheme: a browser's Origin must name this server's own
// scheme and host, or an origin allowed by configuration, for a send, a new
// session or a sign-out. The own scheme is http here (no TLS), unless a
// trusted proxy says https or --cookie-secure says browsers use https.
func TestOriginComparesScheme(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	type origin struct {
		origin string // "HOST" stands for the server's host:port
		ok     bool
	}
	configs := []struct {
		name    string
		opts    func(*Options)
		proto   string // X-Forwarded-Proto
		origins []origin
	}{
		{"plain http", func(o *Options) { o.AllowedOrigins = []string{"https://chat.example.com"} }, "", []origin{
			{"http://HOST", true},
			{"HTTP://HOST", true},
			{"https://HOST", false},
			{"ws://HOST", false},
			{"http://127.0.0.1:1", false},
			{"https://chat.example.com", true},
			{"http://chat.example.com", false},
			{"https://chat.example.com/x", false},
			{"null", false},
		}},
		{"untrusted X-Forwarded-Proto", func(*Options) {}, "https", []origin{
			{"http://HOST", true},
			{"https://HOST", false},
		}},
		{"trusted proxy says https", func(o *Options) { o.TrustedProxies = loopback }, "https", []origin{
			{"https://HOST", true},
			{"http://HOST", false},
		}},
		{"cookie-secure", func(o *Options) { o.CookieSecure = true }, "", []origin{
			{"https://HOST", true},
			{"http://HOST", false},
		}},
	}
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			n := startNode(t, "", cfg.opts)
			host := strings.TrimPrefix(n.URL, "http://")
			alice := n.newUser(t, "alice")
			for i, tc := range cfg.origins {
				o := strings.Replace(tc.origin, "HOST", host, 1)
				hdr := map[string]string{"Origin": o}
				if cfg.proto != "" {
					hdr["X-Forwarded-Proto"] = cfg.proto
				}
				body := fmt.Sprintf(`{"room":"lobby","text":"hi","clientId":"origin-%d"}`, i)
				resp := alice.Do(t, "POST", tt.PathSend, "application/json", body, hdr)
				anon := testclient.NewClient(t, n.URL, curl...)
				sresp := anon.Do(t, "POST", tt.PathSession, "application/json", fmt.Sprintf(`{"nick":"o%d"}`, i), hdr)
				if tc.ok {
					if resp.StatusCode != http.StatusCreated || sresp.StatusCode != http.StatusCreated {
						t.Fatalf("Origin %q: send %d, session %d; want 201", o, resp.StatusCode, sresp.StatusCode)
					}
					continue
				}
				assertAPIError(t, resp, http.StatusForbidden, tt.CodeCrossOrigin)
				assertAPIError(t, sresp, http.StatusForbidden, tt.CodeCrossOrigin)
				// Sign-out keeps alice's session: it is refused before the store.
				assertAPIError(t, alice.Do(t, "DELETE", tt.PathSession, "", "", hdr), http.StatusForbidden, tt.CodeCrossOrigin)
			}
		})
	}
}
