package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// TestTrickledBodyIsCutOff: a body sent one byte at a time is cut off after
// the body timeout, answered (408 where a handler reads it, 405 where the
// method is refused) or closed, whether or not a handler reads it; a
// stream, which has no body, stays open well past that timeout.
func TestTrickledBodyIsCutOff(t *testing.T) {
	const timeout = time.Second
	n := startNode(t, "", func(o *Options) { o.BodyTimeout, o.Heartbeat = timeout, 200*time.Millisecond })
	alice := n.newUser(t, "alice")
	stream := alice.OpenStream(t, tt.PathEventStream+"?room=lobby", "")
	opened := time.Now()
	cookie := alice.SessionCookie()
	tests := []struct {
		name, method, path string
		status             int
	}{
		{"send", "POST", tt.PathSend, http.StatusRequestTimeout},
		{"session", "POST", tt.PathSession, http.StatusRequestTimeout},
		{"refused method", "PUT", tt.PathHealth, http.StatusMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			status, err := trickle(t, n.hs.Listener.Addr().String(), tc.method, tc.path, cookie)
			took := time.Since(start)
			t.Logf("%s %s: status %d (%v) after %v", tc.method, tc.path, status, err, took.Round(time.Millisecond))
			// The whole body would take 25 s; the timeout is 1 s.
			if took > 6*time.Second {
				t.Fatalf("answered after %v (status %d, %v), want about %v", took, status, err, timeout)
			}
			if err == nil && status != tc.status {
				t.Fatalf("status %d, want %d or a closed connection", status, tc.status)
			}
		})
	}

	for time.Since(opened) < 4*timeout {
		if _, err := stream.Next(t.Context()); err != nil {
			t.Fatalf("stream ended %v after it opened, with a %v body timeout: %v", time.Since(opened), timeout, err)
		}
	}
	sent := alice.Send(t, "lobby", "still streaming", testclient.NewClientID())
	if ev := stream.MustNextEvent(t, 10*time.Second, tt.EventMessage); ev.ID != sent.ID {
		t.Fatalf("got message %s, want %s", ev.ID, sent.ID)
	}
}

// trickle sends method path with a 100-byte JSON body, one byte every
// 250 ms, and returns the answer's status, checking its JSON error, or the
// error of a connection closed without one.
func trickle(t *testing.T, addr, method, path string, cookie *http.Cookie) (int, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const size = 100
	if _, err := fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nCookie: %s\r\n\r\n", method, path, addr, size, cookie); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for range size {
			if _, err := conn.Write([]byte(" ")); err != nil {
				return
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) {
			return 0, err
		}
		return 0, fmt.Errorf("no answer: %w", err) // a timeout: the test fails on the time
	}
	defer resp.Body.Close()
	var e tt.APIError
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Code == "" {
		t.Errorf("%s %s: status %d without a JSON error (%v)", method, path, resp.StatusCode, err)
	}
	return resp.StatusCode, nil
}
