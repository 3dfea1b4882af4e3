package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// startStreamServer serves a server without a store (streams need none)
// on 127.0.0.1, with a ticker update so that every stream gets one, as
// node serves it (BaseContext). configure runs before the start.
func startStreamServer(t *testing.T, configure func(*httptest.Server), start func(*httptest.Server)) (*Server, *httptest.Server) {
	t.Helper()
	srv := New(Options{History: newBenchIndex(), Sessions: noSessions{}})
	if err := srv.Ticker([]byte(`{"quotes":[{"symbol":"ACME","price":1,"open":1}]}`)); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv)
	hs.Config.BaseContext = func(net.Listener) context.Context { return srv.BaseContext() }
	if configure != nil {
		configure(hs)
	}
	start(hs)
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return srv, hs
}

// openRawStream sends GET path (and extra right behind it) on a new
// connection and returns the connection and a reader past the response's
// head, which it returns too (status line and header lines).
func openRawStream(t *testing.T, hs *httptest.Server, path, extra string) (net.Conn, *bufio.Reader, []string) {
	t.Helper()
	c, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n%s", path, extra); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	var head []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the head: %v (so far %q)", err, head)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return c, r, head
		}
		head = append(head, line)
	}
}

// TestHTTP1StreamIsTakenOverFromNetHTTP: an HTTP/1 stream leaves net/http
// (hijacked), so that its goroutine and buffers go, and its body is the
// bytes of the events themselves, delimited by the connection's close.
func TestHTTP1StreamIsTakenOverFromNetHTTP(t *testing.T) {
	var mu sync.Mutex
	states := map[string]http.ConnState{} // by the client's address
	_, hs := startStreamServer(t, func(hs *httptest.Server) {
		hs.Config.ConnState = func(c net.Conn, s http.ConnState) {
			mu.Lock()
			defer mu.Unlock()
			states[c.RemoteAddr().String()] = s
		}
	}, (*httptest.Server).Start)

	c, r, head := openRawStream(t, hs, "/eventstream?room=lobby", "")
	if head[0] != "HTTP/1.1 200 OK" {
		t.Errorf("status line %q", head[0])
	}
	headers := strings.Join(head[1:], "\n")
	for _, want := range []string{"Content-Type: text/event-stream", "Cache-Control: no-cache", "X-Accel-Buffering: no", "Connection: close", "Date: "} {
		if !strings.Contains(headers, want) {
			t.Errorf("no %q in the head:\n%s", want, headers)
		}
	}
	if strings.Contains(headers, "Transfer-Encoding") || strings.Contains(headers, "Content-Length") {
		t.Errorf("the body is framed:\n%s", headers)
	}
	if line, err := r.ReadString('\n'); err != nil || line != ":ok\n" {
		t.Fatalf("first line of the body %q, %v: want :ok with no chunk size before it", line, err)
	}
	readUntilLine(t, r, "event: "+tt.EventUpdate)
	wait.For(t, 5*time.Second, "the connection to leave net/http", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return states[c.LocalAddr().String()] == http.StateHijacked
	})
}

// TestStreamEndsWhenItsClientSendsBytes: a stream's client sends nothing
// after its request; one that does has its stream ended, since the only
// read a stream makes is the one that watches for the client going. A
// request pipelined behind the stream's, which would never be answered,
// gets a 400 in the stream's place.
func TestStreamEndsWhenItsClientSendsBytes(t *testing.T) {
	for _, pipelined := range []struct{ name, extra string }{
		{"a request pipelined behind it", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
		// More than net/http's read buffer: unread bytes at the close
		// would reset the connection under the answer.
		{"a large request pipelined behind it", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\n\r\n" + strings.Repeat("x", 64<<10)},
	} {
		t.Run(pipelined.name, func(t *testing.T) {
			srv, hs := startStreamServer(t, nil, (*httptest.Server).Start)
			_, r, head := openRawStream(t, hs, "/eventstream?room=lobby", pipelined.extra)
			if head[0] != "HTTP/1.1 400 Bad Request" {
				t.Errorf("status line %q, want 400", head[0])
			}
			body, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("reading until the server closes: %v", err)
			}
			var apiErr tt.APIError
			if err := json.Unmarshal(body, &apiErr); err != nil || apiErr.Code != tt.CodeBadRequest {
				t.Errorf("body %q (%v), want a JSON error %q", body, err, tt.CodeBadRequest)
			}
			if n := testutil.ToFloat64(srv.metrics.connections); n != 0 {
				t.Errorf("%v streams open, want 0", n)
			}
		})
	}
	t.Run("a byte once it is open", func(t *testing.T) {
		srv, hs := startStreamServer(t, nil, (*httptest.Server).Start)
		c, r, _ := openRawStream(t, hs, "/eventstream?room=lobby", "")
		readUntilLine(t, r, ":ok")
		if _, err := io.WriteString(c, "x"); err != nil {
			t.Fatal(err)
		}
		// The server closes the connection: reading reaches its end
		// (not the test's deadline).
		if _, err := io.Copy(io.Discard, r); err != nil {
			t.Fatalf("reading until the server closes: %v", err)
		}
		wait.For(t, 5*time.Second, "the stream to be closed", func() bool {
			return testutil.ToFloat64(srv.metrics.connections) == 0
		})
	})
}

// TestHTTP2StreamIsServedByNetHTTP: a stream that cannot be taken over
// (HTTP/2 has no connection of its own per request) is served through
// net/http's ResponseWriter.
func TestHTTP2StreamIsServedByNetHTTP(t *testing.T) {
	_, hs := startStreamServer(t, func(hs *httptest.Server) { hs.EnableHTTP2 = true }, (*httptest.Server).StartTLS)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := testclient.DialStream(ctx, hs.Client(), hs.URL+"/eventstream?room=lobby", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if s.Response.ProtoMajor != 2 {
		t.Fatalf("served over %s, want HTTP/2", s.Response.Proto)
	}
	if ev := s.MustNext(t, 5*time.Second, anyEvent); ev.Comment != "ok" {
		t.Fatalf("first event %+v, want :ok", ev)
	}
	s.MustNext(t, 5*time.Second, isEvent(tt.EventUpdate))
}

// TestRawResponseHead: the head goes once, before the first bytes or at a
// flush, with the first status set, the header cleaned of line breaks,
// Connection: close and no framing; what follows goes as it is written.
func TestRawResponseHead(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status []int // WriteHeader calls
		flush  bool  // flush before writing
		want   int
	}{
		{name: "no status", want: http.StatusOK},
		{name: "first status counts", status: []int{http.StatusServiceUnavailable, http.StatusOK}, want: http.StatusServiceUnavailable},
		{name: "flushed first", status: []int{http.StatusOK}, flush: true, want: http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server, client := net.Pipe()
			t.Cleanup(func() { client.Close() })
			w := &rawResponse{nc: server}
			done := make(chan error, 1)
			go func() {
				w.Header().Set("Content-Type", "text/event-stream")
				w.Header().Set("Content-Length", "3")
				w.Header().Set("X-Test", "a\r\nInjected: yes")
				for _, s := range tc.status {
					w.WriteHeader(s)
				}
				var err error
				if tc.flush {
					err = w.FlushError()
				}
				for _, p := range []string{"one\n", "two\n"} {
					if err == nil {
						_, err = io.WriteString(w, p)
					}
				}
				w.close()
				done <- err
			}()
			if err := client.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
				t.Fatal(err)
			}
			res, err := http.ReadResponse(bufio.NewReader(client), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil && !errors.Is(err, io.ErrClosedPipe) {
				t.Fatal(err)
			}
			if res.StatusCode != tc.want || !res.Close || res.ContentLength != -1 || len(res.TransferEncoding) != 0 {
				t.Errorf("status %d, close %v, length %d, encoding %v", res.StatusCode, res.Close, res.ContentLength, res.TransferEncoding)
			}
			if res.Header.Get("Injected") != "" || res.Header.Get("Content-Type") != "text/event-stream" || res.Header.Get("Date") == "" {
				t.Errorf("header %v", res.Header)
			}
			if string(body) != "one\ntwo\n" {
				t.Errorf("body %q", body)
			}
		})
	}
}

// readUntilLine reads lines from r until one is line.
func readUntilLine(t *testing.T, r *bufio.Reader, line string) {
	t.Helper()
	for {
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading until %q: %v", line, err)
		}
		if strings.TrimRight(got, "\n") == line {
			return
		}
	}
}

// TestWriteNowReachesTheSocketThroughTheListeners: a connection accepted
// as node accepts it (the per-address cap wraps it, the unsent limit sets
// its option) is written without waiting; a net.Pipe is not.
func TestWriteNowReachesTheSocketThroughTheListeners(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitUnsent(limitListener(inner, 2, true), DefaultUnsentBytes)
	t.Cleanup(func() { ln.Close() })
	client, c := dialAccepted(t, ln)
	if _, wrapped := c.(*limitedConn); !wrapped {
		t.Fatalf("accepted a %T, want the cap's wrapper", c)
	}
	w := &rawResponse{nc: c}
	if !w.canWriteNow() {
		t.Fatal("a TCP connection behind the listeners cannot be written without waiting")
	}
	if n, err := w.writeNow([]byte("now\n")); n != 4 || err != nil {
		t.Fatalf("writeNow = %d, %v", n, err)
	}
	_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := bufio.NewReader(client).ReadString('\n'); line != "now\n" || err != nil {
		t.Fatalf("the client read %q, %v", line, err)
	}

	server, other := net.Pipe()
	t.Cleanup(func() { server.Close(); other.Close() })
	if (&rawResponse{nc: server}).canWriteNow() {
		t.Fatal("a net.Pipe can be written without waiting")
	}
}
