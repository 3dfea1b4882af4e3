package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestBadInputs checks every bad input of the contract: the status, a JSON
// error with a code, and that nothing reached the chat log.
func TestBadInputs(t *testing.T) {
	n := startNode(t, "", func(o *Options) { o.SendRate, o.SendBurst = 1, 3 })
	alice := n.newUser(t, "alice")
	anon := &testclient.Client{Client: &http.Client{Timeout: 5 * time.Second}, BaseURL: n.URL}
	good := `{"room":"lobby","text":"hi","clientId":"c1"}`
	const js = "application/json"
	tests := []struct {
		name   string
		u      *testclient.Client
		method string
		path   string
		ctype  string
		body   string
		hdr    map[string]string
		status int
		code   string
	}{
		{"malformed json", alice, "POST", "/send", js, `{"room":`, nil, 400, tt.CodeBadJSON},
		{"json array", alice, "POST", "/send", js, `[1]`, nil, 400, tt.CodeBadJSON},
		{"trailing data", alice, "POST", "/send", js, good + `{}`, nil, 400, tt.CodeBadJSON},
		{"trailing brace", alice, "POST", "/send", js, good + `}`, nil, 400, tt.CodeBadJSON},
		{"trailing bracket", alice, "POST", "/send", js, good + ` ]`, nil, 400, tt.CodeBadJSON},
		{"unknown field", alice, "POST", "/send", js, `{"room":"lobby","text":"hi","clientId":"c1","id":"9"}`, nil, 400, tt.CodeBadJSON},
		{"wrong content type", alice, "POST", "/send", "text/plain", good, nil, 415, tt.CodeUnsupportedType},
		{"no content type", alice, "POST", "/send", "", good, nil, 415, tt.CodeUnsupportedType},
		{"oversize body", alice, "POST", "/send", js, `{"room":"lobby","text":"` + strings.Repeat("a", 17<<10) + `","clientId":"c1"}`, nil, 413, tt.CodeTooLarge},
		{"invalid utf-8", alice, "POST", "/send", js, "{\"room\":\"lobby\",\"text\":\"\xff\xfe\",\"clientId\":\"c1\"}", nil, 422, tt.CodeInvalidText},
		{"control character", alice, "POST", "/send", js, `{"room":"lobby","text":"a\u0007b","clientId":"c1"}`, nil, 422, tt.CodeInvalidText},
		{"escape sequence", alice, "POST", "/send", js, `{"room":"lobby","text":"\u001b[31mred","clientId":"c1"}`, nil, 422, tt.CodeInvalidText},
		{"empty text", alice, "POST", "/send", js, `{"room":"lobby","text":"  ","clientId":"c1"}`, nil, 422, tt.CodeInvalidText},
		{"text too long", alice, "POST", "/send", js, `{"room":"lobby","text":"` + strings.Repeat("é", 2001) + `","clientId":"c1"}`, nil, 422, tt.CodeInvalidText},
		{"CR LF in room", alice, "POST", "/send", js, `{"room":"lobby\r\nevent: x","text":"hi","clientId":"c1"}`, nil, 422, tt.CodeInvalidRoom},
		{"bad room", alice, "POST", "/send", js, `{"room":"Lobby","text":"hi","clientId":"c1"}`, nil, 422, tt.CodeInvalidRoom},
		{"missing clientId", alice, "POST", "/send", js, `{"room":"lobby","text":"hi"}`, nil, 422, tt.CodeInvalidClientID},
		{"missing session", anon, "POST", "/send", js, good, nil, 401, tt.CodeNoSession},
		{"forged cookie", anon, "POST", "/send", js, good, map[string]string{"Cookie": "tt_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, 401, tt.CodeNoSession},
		{"cross-origin post", alice, "POST", "/send", js, good, map[string]string{"Origin": "http://evil.example"}, 403, tt.CodeCrossOrigin},
		{"cross-site fetch", alice, "POST", "/send", js, good, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, tt.CodeCrossOrigin},
		{"send with GET", alice, "GET", "/send", "", "", nil, 405, tt.CodeMethodNotAllowed},
		{"send with PUT", alice, "PUT", "/send", js, good, nil, 405, tt.CodeMethodNotAllowed},
		{"stream with POST", alice, "POST", "/eventstream", js, "{}", nil, 405, tt.CodeMethodNotAllowed},
		{"stream bad room", alice, "GET", "/eventstream?room=..%2Fetc", "", "", nil, 400, tt.CodeInvalidRoom},
		{"stream CR LF room", alice, "GET", "/eventstream?room=a%0D%0Aevent:%20x", "", "", nil, 400, tt.CodeInvalidRoom},
		{"stream empty room", alice, "GET", "/eventstream?room=", "", "", nil, 400, tt.CodeInvalidRoom},
		{"stream invalid room among valid", alice, "GET", "/eventstream?room=a&room=Bad&room=c", "", "", nil, 400, tt.CodeInvalidRoom},
		{"stream empty room among valid", alice, "GET", "/eventstream?room=a&room=&room=c", "", "", nil, 400, tt.CodeInvalidRoom},
		{"stream repeated room", alice, "GET", "/eventstream?room=a&room=b&room=a", "", "", nil, 400, tt.CodeInvalidParameter},
		{"stream repeated escaped room", alice, "GET", "/eventstream?room=a&room=%61", "", "", nil, 400, tt.CodeInvalidParameter},
		{"stream too many rooms", alice, "GET", "/eventstream?" + manyRooms(tt.MaxStreamRooms+1), "", "", nil, 400, tt.CodeTooManyRooms},
		{"nick with CR LF", anon, "POST", "/api/session", js, `{"nick":"bob\r\nSet-Cookie: x"}`, nil, 422, tt.CodeInvalidNick},
		{"nick too long", anon, "POST", "/api/session", js, `{"nick":"` + strings.Repeat("b", 25) + `"}`, nil, 422, tt.CodeInvalidNick},
		{"nick taken", anon, "POST", "/api/session", js, `{"nick":"ALICE"}`, nil, 409, tt.CodeNickTaken},
		{"session cross-origin", anon, "POST", "/api/session", js, `{"nick":"carol"}`, map[string]string{"Origin": "http://evil.example"}, 403, tt.CodeCrossOrigin},
		{"session PUT", anon, "PUT", "/api/session", js, "{}", nil, 405, tt.CodeMethodNotAllowed},
		{"scrollback bad before", alice, "GET", "/api/rooms/lobby/messages?before=x", "", "", nil, 400, tt.CodeInvalidParameter},
		{"scrollback before another log's id", alice, "GET", "/api/rooms/lobby/messages?before=a-5", "", "", nil, 400, tt.CodeForeignID},
		{"scrollback before a bare sequence", alice, "GET", "/api/rooms/lobby/messages?before=5", "", "", nil, 400, tt.CodeForeignID},
		{"scrollback limit 0", alice, "GET", "/api/rooms/lobby/messages?limit=0", "", "", nil, 400, tt.CodeInvalidParameter},
		{"scrollback limit 201", alice, "GET", "/api/rooms/lobby/messages?limit=201", "", "", nil, 400, tt.CodeInvalidParameter},
		{"scrollback bad room", alice, "GET", "/api/rooms/LOBBY/messages", "", "", nil, 400, tt.CodeInvalidRoom},
		{"unknown api", alice, "GET", "/api/nope", "", "", nil, 404, tt.CodeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.u.Do(t, tc.method, tc.path, tc.ctype, tc.body, tc.hdr)
			assertAPIError(t, resp, tc.status, tc.code)
		})
	}
	if got := n.index.Last(); got != 0 {
		t.Fatalf("bad inputs stored messages: last id %d", got)
	}

	t.Run("rate limit burst", func(t *testing.T) {
		for i := range 3 {
			alice.Send(t, "lobby", "burst", "b"+string(rune('a'+i)))
		}
		resp := alice.Do(t, "POST", "/send", js, `{"room":"lobby","text":"one too many","clientId":"b-over"}`, nil)
		assertAPIError(t, resp, 429, tt.CodeRateLimited)
		if resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		// A retry of a stored message is answered, never refused.
		resp = alice.Do(t, "POST", "/send", js, `{"room":"lobby","text":"burst","clientId":"ba"}`, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("idempotent retry under rate limit: %d", resp.StatusCode)
		}
		wait.For(t, 5*time.Second, "3 stored messages", func() bool { return n.index.Last() >= 3 })
		if msgs, _, _ := n.index.Before("lobby", 0, 100); len(msgs) != 3 {
			t.Fatalf("stored %d messages, want 3", len(msgs))
		}
	})
}

// TestMethodNotAllowedNamesWhatIsAllowed: every 405 lists the methods its
// handler takes, and each of those is not answered 405.
func TestMethodNotAllowedNamesWhatIsAllowed(t *testing.T) {
	n := startNode(t, "")
	alice := n.newUser(t, "alice")
	tests := []struct{ path, allow string }{
		{tt.PathSend, "POST"},
		{tt.PathSession, "GET, HEAD, POST, DELETE"},
		{tt.PathEventStream, "GET"},
		{tt.PathRooms, "GET, HEAD"},
	}
	for _, tc := range tests {
		resp := alice.Do(t, "PUT", tc.path, "application/json", "{}", nil)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("PUT %s: %d, Allow %q; want 405, Allow %q", tc.path, resp.StatusCode, resp.Header.Get("Allow"), tc.allow)
		}
		for _, m := range strings.Split(tc.allow, ", ") {
			if m == "GET" && tc.path == tt.PathEventStream {
				continue // a stream: its GET is tested elsewhere
			}
			body := ""
			if m == "POST" {
				body = "{}"
			}
			if resp := alice.Do(t, m, tc.path, "application/json", body, nil); resp.StatusCode == http.StatusMethodNotAllowed {
				t.Errorf("%s %s: 405, though Allow lists it", m, tc.path)
			}
		}
	}
}

// TestSessionTokenIsTheServers: a nickname chosen with a cookie the server
// never issued (made up, or planted by someone who wants to know it) is
// bound to a fresh token, and the made-up one stays worthless.
func TestSessionTokenIsTheServers(t *testing.T) {
	n := startNode(t, "")
	const madeUp = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	anon := &testclient.Client{Client: &http.Client{Timeout: 5 * time.Second}, BaseURL: n.URL}
	planted := map[string]string{"Cookie": tt.SessionCookieName + "=" + madeUp}
	resp := anon.Do(t, "POST", tt.PathSession, "application/json", `{"nick":"victim"}`, planted)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("session with a made-up cookie: %d, want 201", resp.StatusCode)
	}
	var issued string
	for _, c := range resp.Cookies() {
		if c.Name == tt.SessionCookieName {
			issued = c.Value
		}
	}
	if issued == "" || issued == madeUp {
		t.Fatalf("session cookie %q: want a fresh token", issued)
	}
	resp = anon.Do(t, "POST", tt.PathSend, "application/json", `{"room":"lobby","text":"as victim","clientId":"c1"}`, planted)
	assertAPIError(t, resp, 401, tt.CodeNoSession)
	if got := n.index.Last(); got != 0 {
		t.Fatalf("the made-up token posted: last id %d", got)
	}
}

func assertAPIError(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d (body %s)", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON", ct)
	}
	var e tt.APIError
	if err := json.Unmarshal(body, &e); err != nil || e.Code != code || e.Error == "" {
		t.Fatalf("body %s: want code %q and a sentence", body, code)
	}
}

func TestSendIsIdempotentOnClientID(t *testing.T) {
	n := startNode(t, "")
	alice := n.newUser(t, "alice")
	s := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", "")
	s.MustNext(t, 5*time.Second, isEvent(tt.EventPresence))
	body := `{"room":"lobby","text":"once","clientId":"same"}`
	first := alice.Do(t, "POST", "/send", "application/json", body, nil)
	if first.StatusCode != http.StatusCreated {
		t.Fatalf("first send: %d", first.StatusCode)
	}
	orig := decode[tt.ChatMessage](t, mustRead(t, first))
	// A retry racing the index (before Deliver) is caught by the log's
	// dedup window; a later one by the index. Both answer 200 with the original.
	for range 3 {
		resp := alice.Do(t, "POST", "/send", "application/json", body, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("retry: %d, want 200", resp.StatusCode)
		}
		if got := decode[tt.ChatMessage](t, mustRead(t, resp)); got.ID != orig.ID {
			t.Fatalf("retry returned id %s, want %s", got.ID, orig.ID)
		}
	}
	marker := alice.Send(t, "lobby", "marker", "marker")
	if ev := s.MustNext(t, 5*time.Second, isEvent(tt.EventMessage)); ev.ID != orig.ID {
		t.Fatalf("first message event %s, want %s", ev.ID, orig.ID)
	}
	if ev := s.MustNext(t, 5*time.Second, isEvent(tt.EventMessage)); ev.ID != marker.ID {
		t.Fatalf("retry was broadcast again: got %s, want marker %s", ev.ID, marker.ID)
	}
}

func mustRead(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// manyRooms is a stream query of n distinct rooms.
func manyRooms(n int) string {
	q := make([]string, n)
	for i := range q {
		q[i] = tt.QueryRoom + "=r" + strconv.Itoa(i)
	}
	return strings.Join(q, "&")
}

// TestRateLimitedSendsReserveNoRoom: a send to a new room that the rate
// limit refuses stores nothing, so it must not hold one of --max-rooms'
// places: a session past its rate could otherwise fill the cap with rooms
// that never get a message.
func TestRateLimitedSendsReserveNoRoom(t *testing.T) {
	n := startNode(t, "", func(o *Options) { o.SendRate, o.SendBurst, o.MaxRooms = 0.01, 1, 2 })
	js := "application/json"
	alice, bob := n.newUser(t, "alice"), n.newUser(t, "bob")
	alice.Send(t, "first", "the burst", "a0")
	for i, room := range []string{"x1", "x2", "x3"} {
		resp := alice.Do(t, "POST", "/send", js, `{"room":"`+room+`","text":"over","clientId":"a`+string(rune('1'+i))+`"}`, nil)
		assertAPIError(t, resp, http.StatusTooManyRequests, tt.CodeRateLimited)
	}
	bob.Send(t, "second", "the second room fits the cap", "b0")
}
