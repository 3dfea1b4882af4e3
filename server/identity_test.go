package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// postNick posts {"nick": nick} to /api/session from c with extra headers
// and returns the answer.
func postNick(t *testing.T, c *testclient.Client, nick string, hdr map[string]string) *http.Response {
	t.Helper()
	body, _ := json.Marshal(tt.Session{Nick: nick})
	return c.Do(t, http.MethodPost, tt.PathSession, "application/json", string(body), hdr)
}

// wantError checks that resp is status with the JSON error code.
func wantError(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	data, _ := io.ReadAll(resp.Body)
	var e tt.APIError
	if resp.StatusCode != status || json.Unmarshal(data, &e) != nil || e.Code != code || e.Error == "" {
		t.Fatalf("answer %d %s, want %d with code %q", resp.StatusCode, data, status, code)
	}
}

// wantNoSession checks resp is GET /api/session's answer without a live
// session: 200 and an empty nick.
func wantNoSession(t *testing.T, resp *http.Response) {
	t.Helper()
	data, _ := io.ReadAll(resp.Body)
	var s tt.Session
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &s) != nil || s.Nick != "" {
		t.Fatalf("answer %d %s, want 200 with an empty nick", resp.StatusCode, data)
	}
}

// TestSessionQueryWithoutSession: asking who we are without a live session
// (no cookie, a malformed one, one the server never issued) is answered
// 200 with an empty nick, not an error; sending still needs a session (401).
func TestSessionQueryWithoutSession(t *testing.T) {
	n := startNode(t, "")
	anon := &testclient.Client{Client: &http.Client{Timeout: 10 * time.Second}, BaseURL: n.URL}
	body, _ := json.Marshal(tt.SendRequest{Room: "lobby", Text: "who am I?", ClientID: testclient.NewClientID()})
	for _, tc := range []struct {
		name   string
		header map[string]string
	}{
		{"no cookie", nil},
		{"malformed cookie", map[string]string{"Cookie": tt.SessionCookieName + "=not-a-token"}},
		{"unknown token", map[string]string{"Cookie": tt.SessionCookieName + "=" + strings.Repeat("A", 52)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantNoSession(t, anon.Do(t, "GET", tt.PathSession, "", "", tc.header))
			wantError(t, anon.Do(t, "POST", tt.PathSend, "application/json", string(body), tc.header), 401, tt.CodeNoSession)
		})
	}
}

// sessionCookieOf is the session cookie set by resp, or nil.
func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == tt.SessionCookieName {
			return c
		}
	}
	return nil
}

// TestSessionsPerAddressLimit: past the burst, a client address gets 429
// with Retry-After and a JSON error. X-Forwarded-For counts only from a
// trusted proxy, and then only its right-most untrusted hop.
func TestSessionsPerAddressLimit(t *testing.T) {
	tests := []struct {
		name    string
		trusted []netip.Prefix
		// xff of each attempt, in order, and whether it must be refused
		attempts []struct {
			xff     string
			limited bool
		}
	}{
		{"no proxy trusted: the header is ignored", nil, []struct {
			xff     string
			limited bool
		}{{"", false}, {"198.51.100.1", false}, {"198.51.100.2", true}, {"198.51.100.3", true}}},
		{"loopback proxy trusted: each forwarded client has its bucket", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, []struct {
			xff     string
			limited bool
		}{
			{"198.51.100.1", false}, {"198.51.100.1", false}, {"198.51.100.1", true},
			{"198.51.100.2", false},
			// A client cannot pick its bucket by writing the header itself:
			// the proxy appends the address it saw, the right-most.
			{"203.0.113.9, 198.51.100.1", true},
			{"198.51.100.1, 127.0.0.1", true}, // a trusted hop is skipped
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, "", func(o *Options) {
				o.SessionRate, o.SessionBurst, o.TrustedProxies = 1.0/3600, 2, tc.trusted
			})
			for i, a := range tc.attempts {
				c := testclient.NewClient(t, n.URL, curl...)
				hdr := map[string]string{}
				if a.xff != "" {
					hdr["X-Forwarded-For"] = a.xff
				}
				resp := postNick(t, c, fmt.Sprintf("user%d", i), hdr)
				if !a.limited {
					if resp.StatusCode != http.StatusCreated {
						t.Fatalf("attempt %d (%q): %d, want 201", i, a.xff, resp.StatusCode)
					}
					continue
				}
				if ra := resp.Header.Get("Retry-After"); ra == "" || ra == "0" {
					t.Errorf("attempt %d: Retry-After %q", i, ra)
				}
				wantError(t, resp, http.StatusTooManyRequests, tt.CodeRateLimited)
				if sessionCookieOf(resp) != nil {
					t.Errorf("attempt %d: a refused session got a cookie", i)
				}
			}
		})
	}
}

// TestSessionCap: past MaxSessions a new session is refused with 503, a
// Retry-After and a JSON error, while existing sessions keep working and
// may still change nick.
func TestSessionCap(t *testing.T) {
	n := startNode(t, "", func(o *Options) { o.MaxSessions = 2 })
	first := n.newUser(t, "first")
	n.newUser(t, "second")
	resp := postNick(t, testclient.NewClient(t, n.URL, curl...), "third", nil)
	if resp.Header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After on the refusal")
	}
	wantError(t, resp, http.StatusServiceUnavailable, tt.CodeTooManySessions)
	if resp := postNick(t, first, "premier", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("rename under the cap: %d, want 200", resp.StatusCode)
	}
	first.Send(t, tt.DefaultRoom, "still here", "")
}

// TestLookAlikeNicksRefused: while alice is online, every look-alike of her
// nick is refused as taken (409) and an invisible nick as invalid (422);
// names of other scripts are welcome.
func TestLookAlikeNicksRefused(t *testing.T) {
	n := startNode(t, "")
	alice := n.newUser(t, "alice")
	s := alice.OpenStream(t, tt.PathEventStream+"?room=lobby", "")
	s.MustNext(t, 5*time.Second, isEvent(tt.EventPresence)) // online
	tests := []struct {
		name, nick string
		status     int
		code       string
	}{
		{"cyrillic a", "\u0430lice", 409, tt.CodeNickTaken},
		{"fullwidth", "ａｌｉｃｅ", 409, tt.CodeNickTaken},
		{"mathematical bold", "𝐚𝐥𝐢𝐜𝐞", 409, tt.CodeNickTaken},
		{"upper case", "ALICE", 409, tt.CodeNickTaken},
		{"hangul filler after", "alice\u3164", 422, tt.CodeInvalidNick},
		{"hangul filler alone", "\u3164", 422, tt.CodeInvalidNick},
		{"zero width space", "ali\u200bce", 422, tt.CodeInvalidNick},
		{"latin with diaeresis", "Zoë", 201, ""},
		{"han", "山田", 201, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := postNick(t, testclient.NewClient(t, n.URL, curl...), tc.nick, nil)
			if tc.status == http.StatusCreated {
				var got tt.Session
				if resp.StatusCode != 201 || json.NewDecoder(resp.Body).Decode(&got) != nil || got.Nick != tc.nick {
					t.Fatalf("POST %q: %d %+v, want 201 with the nick", tc.nick, resp.StatusCode, got)
				}
				return
			}
			wantError(t, resp, tc.status, tc.code)
		})
	}
	// A fullwidth nick nobody holds is held in its plain form.
	resp := postNick(t, testclient.NewClient(t, n.URL, curl...), "ｂｏｂ", nil)
	var got tt.Session
	if resp.StatusCode != 201 || json.NewDecoder(resp.Body).Decode(&got) != nil || got.Nick != "bob" {
		t.Fatalf("POST ｂｏｂ: %d %+v, want 201 as bob", resp.StatusCode, got)
	}
}

// TestBidiControlsRefused: a text with a bidirectional control is refused
// with 422 and nothing is stored.
func TestBidiControlsRefused(t *testing.T) {
	n := startNode(t, "")
	alice := n.newUser(t, "alice")
	for _, text := range []string{"hello \u202egnp.exe", "a\u2066b", "a\u200fb", "a\u061cb"} {
		body, _ := json.Marshal(tt.SendRequest{Room: "lobby", Text: text, ClientID: testclient.NewClientID()})
		wantError(t, alice.Do(t, "POST", tt.PathSend, "application/json", string(body), nil), 422, tt.CodeInvalidText)
	}
	var page tt.MessagePage
	if _, err := alice.Request(t.Context(), "GET", tt.RoomMessagesPath("lobby"), "", nil, &page); err != nil || len(page.Messages) != 0 {
		t.Fatalf("scrollback = %+v, %v; want nothing stored", page, err)
	}
}

// TestRenameRotatesToken: choosing a nick gives the session a new token;
// the old one fails at once (401) and the new one works.
func TestRenameRotatesToken(t *testing.T) {
	n := startNode(t, "")
	c := n.newUser(t, "alice")
	old := c.SessionCookie().Value
	resp := postNick(t, c, "alicia", nil)
	next := sessionCookieOf(resp)
	if resp.StatusCode != http.StatusOK || next == nil || next.Value == old {
		t.Fatalf("rename: %d, cookie %v; want 200 and a new token", resp.StatusCode, next)
	}
	oldOnly := map[string]string{"Cookie": tt.SessionCookieName + "=" + old}
	anon := &testclient.Client{Client: &http.Client{Timeout: 10 * time.Second}, BaseURL: n.URL}
	wantNoSession(t, anon.Do(t, "GET", tt.PathSession, "", "", oldOnly))
	body, _ := json.Marshal(tt.SendRequest{Room: "lobby", Text: "as who?", ClientID: testclient.NewClientID()})
	wantError(t, anon.Do(t, "POST", tt.PathSend, "application/json", string(body), oldOnly), 401, tt.CodeNoSession)
	var s tt.Session
	if _, err := c.Request(t.Context(), "GET", tt.PathSession, "", nil, &s); err != nil || s.Nick != "alicia" {
		t.Fatalf("GET with the new token = %+v, %v", s, err)
	}
	if m := c.Send(t, "lobby", "hi", ""); m.Nick != "alicia" {
		t.Fatalf("sent as %q", m.Nick)
	}
}

// TestPlantedCookieIsNotTheVictims: a cookie planted in a victim's browser
// (an attacker's live session, or a made-up token) never becomes the
// victim's session once the victim chooses a nick.
func TestPlantedCookieIsNotTheVictims(t *testing.T) {
	n := startNode(t, "")
	mallory := n.newUser(t, "mallory")
	for _, planted := range []string{mallory.SessionCookie().Value, strings.Repeat("A", 52)} {
		victim := &testclient.Client{Client: &http.Client{Timeout: 10 * time.Second}, BaseURL: n.URL}
		cookie := map[string]string{"Cookie": tt.SessionCookieName + "=" + planted}
		resp := postNick(t, victim, "victim", cookie)
		got := sessionCookieOf(resp)
		if resp.StatusCode/100 != 2 || got == nil || got.Value == planted {
			t.Fatalf("victim's choice with a planted cookie: %d, cookie %v; want a new token", resp.StatusCode, got)
		}
		wantNoSession(t, victim.Do(t, "GET", tt.PathSession, "", "", cookie))
		var s tt.Session
		mine := map[string]string{"Cookie": tt.SessionCookieName + "=" + got.Value}
		if resp := victim.Do(t, "GET", tt.PathSession, "", "", mine); resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&s) != nil || s.Nick != "victim" {
			t.Fatalf("victim's own token: %d %+v", resp.StatusCode, s)
		}
		// Free the nick for the next planted cookie.
		if resp := victim.Do(t, "DELETE", tt.PathSession, "", "", mine); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("sign out: %d", resp.StatusCode)
		}
	}
}

// TestRetryAfterRenameIsIdempotent: a send retried with the same clientId
// after the session changed nick (and token) answers 200 with the
// original, and posts nothing twice.
func TestRetryAfterRenameIsIdempotent(t *testing.T) {
	n := startNode(t, "")
	c := n.newUser(t, "alice")
	id := testclient.NewClientID()
	first := c.Send(t, "lobby", "once", id)
	if resp := postNick(t, c, "alicia", nil); resp.StatusCode != 200 {
		t.Fatalf("rename: %d", resp.StatusCode)
	}
	var again tt.ChatMessage
	status, err := c.PostJSON(t.Context(), tt.PathSend, tt.SendRequest{Room: "lobby", Text: "once", ClientID: id}, &again)
	if err != nil || status != http.StatusOK || again.ID != first.ID || again.Nick != "alice" || again.ClientID != id {
		t.Fatalf("retry after rename = %d %+v, %v; want 200 with message %s from alice", status, again, err, first.ID)
	}
	var page tt.MessagePage
	if _, err := c.Request(t.Context(), "GET", tt.RoomMessagesPath("lobby"), "", nil, &page); err != nil || len(page.Messages) != 1 {
		t.Fatalf("scrollback = %+v, %v; want the message once", page, err)
	}
}

// TestClientIDOnlyInSendersAnswer: the sender's 201 carries its clientId;
// the live stream, a replay and scrollback carry none.
func TestClientIDOnlyInSendersAnswer(t *testing.T) {
	n := startNode(t, "")
	alice := n.newUser(t, "alice")
	live := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", "")
	live.MustNext(t, 5*time.Second, isEvent(tt.EventPresence))
	id := testclient.NewClientID()
	var sent tt.ChatMessage
	status, err := alice.PostJSON(t.Context(), tt.PathSend, tt.SendRequest{Room: "lobby", Text: "hi", ClientID: id}, &sent)
	if err != nil || status != http.StatusCreated || sent.ClientID != id {
		t.Fatalf("send = %d %+v, %v; want 201 with clientId %s", status, sent, err, id)
	}
	ev := live.MustNext(t, 5*time.Second, isEvent(tt.EventMessage))
	replay := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", n.id(0))
	rev := replay.MustNext(t, 5*time.Second, isEvent(tt.EventMessage))
	resp := alice.Do(t, "GET", tt.RoomMessagesPath("lobby"), "", "", nil)
	scroll, _ := io.ReadAll(resp.Body)
	for what, data := range map[string]string{"live event": ev.Data, "replayed event": rev.Data, "scrollback": string(scroll)} {
		if !strings.Contains(data, `"id":"`+sent.ID+`"`) {
			t.Errorf("%s %s lacks message %s", what, data, sent.ID)
		}
		if strings.Contains(data, "clientId") || strings.Contains(data, id) || strings.Contains(data, "sender") {
			t.Errorf("%s carries the sender's keys: %s", what, data)
		}
	}
}

// TestSecureCookie: the cookie is Secure when the operator says the
// browsers come over HTTPS, or a trusted proxy says so; an untrusted
// X-Forwarded-Proto changes nothing.
func TestSecureCookie(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	tests := []struct {
		name   string
		opts   func(*Options)
		proto  string
		secure bool
		maxAge int // 0: not checked
	}{
		{"plain http", func(*Options) {}, "", false, 0},
		{"untrusted proxy header", func(*Options) {}, "https", false, 0},
		{"cookie-secure", func(o *Options) { o.CookieSecure = true }, "", true, 0},
		{"trusted proxy says https", func(o *Options) { o.TrustedProxies = loopback }, "https", true, 0},
		{"trusted proxy says http", func(o *Options) { o.TrustedProxies = loopback }, "http", false, 0},
		{"max age follows the session ttl", func(o *Options) { o.SessionTTL = 90 * time.Minute }, "", false, 5400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, "", tc.opts)
			hdr := map[string]string{}
			if tc.proto != "" {
				hdr["X-Forwarded-Proto"] = tc.proto
			}
			resp := postNick(t, testclient.NewClient(t, n.URL, curl...), "alice", hdr)
			c := sessionCookieOf(resp)
			if resp.StatusCode != 201 || c == nil || c.Secure != tc.secure || !c.HttpOnly {
				t.Fatalf("answer %d, cookie %+v; want Secure=%v", resp.StatusCode, c, tc.secure)
			}
			if tc.maxAge != 0 && c.MaxAge != tc.maxAge {
				t.Errorf("Max-Age %d, want %d", c.MaxAge, tc.maxAge)
			}
		})
	}
}
