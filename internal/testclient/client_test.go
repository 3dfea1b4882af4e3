package testclient

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
)

// fakeServer answers /api/session (201 with a cookie), /send (201 with the
// message, id "1") and /eventstream (":ok"), and records each request's
// Origin and Cookie headers by path.
type fakeServer struct {
	*httptest.Server
	mu      sync.Mutex
	origins map[string][]string
	cookies map[string][]string
}

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{origins: map[string][]string{}, cookies: map[string][]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.origins[r.URL.Path] = append(f.origins[r.URL.Path], r.Header.Get("Origin"))
		f.cookies[r.URL.Path] = append(f.cookies[r.URL.Path], r.Header.Get("Cookie"))
		f.mu.Unlock()
		switch r.URL.Path {
		case tt.PathSession:
			http.SetCookie(w, &http.Cookie{Name: tt.SessionCookieName, Value: "token", Path: "/"})
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"nick":"alice"}`)
		case tt.PathSend:
			var req tt.SendRequest
			_ = json.NewDecoder(r.Body).Decode(&req)
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(tt.ChatMessage{ID: "1", Room: req.Room, Nick: "alice", Text: req.Text, ClientID: req.ClientID})
		case tt.PathRooms:
			_, _ = io.WriteString(w, `{"rooms":[{"name":"lobby","online":2}]}`)
		case tt.PathEventStream:
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, ":ok\n\n")
		default:
			w.WriteHeader(http.StatusTeapot)
			_, _ = io.WriteString(w, "teapot")
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) seen(path string) (origins, cookies []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.origins[path], f.cookies[path]
}

func TestSessionSendAndStreamCarryOriginAndCookie(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	c := NewSession(t, f.URL, "alice")
	if c.Nick != "alice" || c.SessionCookie() == nil {
		t.Fatalf("after NewSession: nick %q, cookie %v", c.Nick, c.SessionCookie())
	}
	m := c.Send(t, "lobby", "hi", "")
	if m.ID != "1" || m.Text != "hi" || m.ClientID == "" {
		t.Fatalf("Send = %+v, want the stored message with a fresh clientId", m)
	}
	c.OpenStream(t, tt.PathEventStream, "").MustNext(t, 5*time.Second, func(e Event) bool { return e.Comment == "ok" })

	if rooms := c.Rooms(t); len(rooms) != 1 || rooms["lobby"] != 2 {
		t.Errorf("Rooms = %v, want lobby: 2", rooms)
	}
	if origins, _ := f.seen(tt.PathSession); len(origins) != 1 || origins[0] != f.URL {
		t.Errorf("session Origin %q, want %q", origins, f.URL)
	}
	if origins, cookies := f.seen(tt.PathSend); len(origins) != 1 || origins[0] != f.URL || cookies[0] != tt.SessionCookieName+"=token" {
		t.Errorf("send Origin %q, Cookie %q", origins, cookies)
	}
	if origins, cookies := f.seen(tt.PathEventStream); origins[0] != "" || cookies[0] != tt.SessionCookieName+"=token" {
		t.Errorf("stream Origin %q (want none), Cookie %q", origins, cookies)
	}
}

// TestDoSendsWhatItIsGiven: without Origin a Client sends none (as curl),
// a header of hdr replaces it, and the body of any answer is readable.
func TestDoSendsWhatItIsGiven(t *testing.T) {
	t.Parallel()
	f := newFakeServer(t)
	c := NewClient(t, f.URL, WithoutOrigin(), WithTimeout(time.Second))
	if c.Origin != "" || c.Timeout != time.Second {
		t.Fatalf("options not applied: Origin %q, Timeout %v", c.Origin, c.Timeout)
	}
	resp := c.Do(t, http.MethodGet, "/nope", "", "", nil)
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusTeapot || string(body) != "teapot" {
		t.Fatalf("Do = %d %q, want 418 teapot", resp.StatusCode, body)
	}
	c.Do(t, http.MethodGet, "/nope", "", "", map[string]string{"Origin": "http://evil.example"})
	if origins, _ := f.seen("/nope"); len(origins) != 2 || origins[0] != "" || origins[1] != "http://evil.example" {
		t.Fatalf("Origins sent %q, want none then the given one", origins)
	}
}
