package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"tickertalk/internal/wait"
)

// serveLimited serves a plain answer on 127.0.0.1 through
// limitListener(perAddr, capLoopback) and returns its address.
func serveLimited(t *testing.T, perAddr int, capLoopback bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") }),
		ReadHeaderTimeout: time.Minute,
	}
	go func() { _ = hs.Serve(limitListener(ln, perAddr, capLoopback)) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String()
}

// dialAccepted dials ln and returns both ends: the client's, and the one
// ln accepted.
func dialAccepted(t *testing.T, ln net.Listener) (client, accepted net.Conn) {
	t.Helper()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	accepted, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { accepted.Close() })
	return client, accepted
}

// idleConn opens a connection to addr that sends nothing.
func idleConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closed c (rather than leaving
// it open for d).
func closedByServer(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

// TestLimitListenerCapsConnectionsPerAddress: connections that never send
// a request hold their address's places; one past the cap is closed at
// once, not after the header timeout; a freed place serves a request.
func TestLimitListenerCapsConnectionsPerAddress(t *testing.T) {
	addr := serveLimited(t, 2, true)
	first := idleConn(t, addr)
	second := idleConn(t, addr)
	if !closedByServer(idleConn(t, addr), 5*time.Second) {
		t.Fatal("a third connection from one address stayed open, want it closed at once")
	}
	if closedByServer(second, time.Second) {
		t.Fatal("a connection within the cap was closed")
	}
	first.Close()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	wait.ForNil(t, 10*time.Second, func() error {
		resp, err := client.Get("http://" + addr + "/")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

// TestLimitListenerLeavesLoopbackUncapped: by default loopback clients (a
// proxy on this machine) are not capped.
func TestLimitListenerLeavesLoopbackUncapped(t *testing.T) {
	addr := serveLimited(t, 1, false)
	idleConn(t, addr)
	c := idleConn(t, addr)
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if b, err := io.ReadAll(c); err != nil || len(b) == 0 {
		t.Fatalf("a second loopback connection: %q, %v; want an answer", b, err)
	}
}
