package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/store"
)

// testNode is one real node: an embedded JetStream store in a temporary
// folder, the history index following it, and the server on 127.0.0.1.
type testNode struct {
	t     *testing.T
	dir   string
	st    *store.Store
	index *history.Index
	srv   *Server
	hs    *httptest.Server
	URL   string
	stop  context.CancelFunc
}

func startNode(t *testing.T, dir string, tweak ...func(*Options)) *testNode {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, store.Config{DataDir: dir, History: 1000})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	n := &testNode{t: t, dir: dir, st: st, index: history.New(1000), stop: cancel}
	opts := Options{Log: st, Sessions: st, History: n.index, Ready: st.Ready, SendRate: 0}
	for _, f := range tweak {
		f(&opts)
	}
	n.srv = New(opts)
	if err := st.Follow(ctx, func(m tt.ChatMessage) {
		if err := n.srv.Deliver(m); err != nil {
			t.Errorf("deliver: %v", err)
		}
	}); err != nil {
		t.Fatalf("follow: %v", err)
	}
	go n.srv.Run(ctx)
	n.hs = httptest.NewUnstartedServer(n.srv)
	n.hs.Config.BaseContext = nil
	n.hs.Start()
	n.URL = n.hs.URL
	t.Cleanup(n.Close)
	return n
}

// Close stops the node as the binary does: streams, HTTP, store.
func (n *testNode) Close() {
	if n.hs == nil {
		return
	}
	n.srv.Close()
	n.hs.CloseClientConnections()
	n.hs.Close()
	n.stop()
	if err := n.st.Close(); err != nil {
		n.t.Errorf("close store: %v", err)
	}
	n.hs = nil
}

// user is an HTTP client with a session cookie.
type user struct {
	t    *testing.T
	c    *http.Client
	base string
	nick string
}

func (n *testNode) newUser(t *testing.T, nick string) *user {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &user{t: t, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}, base: n.URL, nick: nick}
	resp := u.do(http.MethodPost, tt.PathSession, "application/json", `{"nick":"`+nick+`"}`, nil)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create session %s: %d", nick, resp.StatusCode)
	}
	return u
}

func (u *user) do(method, path, ctype, body string, hdr map[string]string) *http.Response {
	u.t.Helper()
	req, err := http.NewRequest(method, u.base+path, strings.NewReader(body))
	if err != nil {
		u.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, path, err)
	}
	u.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// send posts text to room and returns the stored message.
func (u *user) send(room, text, clientID string) tt.ChatMessage {
	u.t.Helper()
	body, _ := json.Marshal(tt.SendRequest{Room: room, Text: text, ClientID: clientID})
	resp := u.do(http.MethodPost, tt.PathSend, "application/json", string(body), nil)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		u.t.Fatalf("send: %d %s", resp.StatusCode, b)
	}
	var m tt.ChatMessage
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		u.t.Fatalf("decode sent message: %v", err)
	}
	return m
}

// sseEvent is one parsed server-sent event.
type sseEvent struct {
	ID, Event, Data string
	HasID           bool
	Comment         string
}

// sseStream reads one /eventstream response.
type sseStream struct {
	t      *testing.T
	resp   *http.Response
	events chan sseEvent
	cancel context.CancelFunc
}

func openStream(t *testing.T, url string, hdr map[string]string) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("open stream: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		cancel()
		t.Fatalf("open stream: %d %s", resp.StatusCode, b)
	}
	s := &sseStream{t: t, resp: resp, events: make(chan sseEvent, 4096), cancel: cancel}
	go s.read()
	t.Cleanup(s.Close)
	return s
}

func (s *sseStream) Close() { s.cancel(); s.resp.Body.Close() }

func (s *sseStream) read() {
	defer close(s.events)
	sc := bufio.NewScanner(s.resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var ev sseEvent
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			ev.Data = strings.Join(data, "\n")
			if ev.Event != "" || ev.Data != "" || ev.Comment != "" || ev.HasID {
				s.events <- ev
			}
			ev, data = sseEvent{}, nil
		case strings.HasPrefix(line, ":"):
			ev.Comment = strings.TrimSpace(line[1:])
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "id":
				ev.ID, ev.HasID = value, true
			case "event":
				ev.Event = value
			case "data":
				data = append(data, value)
			}
		}
	}
}

// next returns the next event matching keep, failing after the deadline.
func (s *sseStream) next(d time.Duration, keep func(sseEvent) bool) sseEvent {
	s.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatal("stream ended")
			}
			if keep(ev) {
				return ev
			}
		case <-deadline:
			s.t.Fatalf("no matching event within %v", d)
		}
	}
}

func isEvent(name string) func(sseEvent) bool {
	return func(ev sseEvent) bool { return ev.Event == name }
}

func decode[T any](t *testing.T, data string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader([]byte(data)))
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", data, err)
	}
	return v
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
