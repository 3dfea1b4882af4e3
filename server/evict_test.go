package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// dialSmallBuffer connects to base's host with a 4 KB receive buffer, so
// that a client that reads slowly or not at all pushes back on the server
// after a few kilobytes rather than the megabytes loopback would buffer.
func dialSmallBuffer(t *testing.T, base string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// stalledClient opens /eventstream with a tiny receive buffer and never
// reads past the headers.
func stalledClient(t *testing.T, base, room string) net.Conn {
	t.Helper()
	conn := dialSmallBuffer(t, base)
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /eventstream?room=%s HTTP/1.1\r\nHost: x\r\n\r\n", room)
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "200") {
		t.Fatalf("stalled client: %q, %v", line, err)
	}
	return conn
}

func TestSlowClientIsEvictedOthersKeepUp(t *testing.T) {
	tests := []struct {
		name         string
		queueBytes   int
		writeTimeout time.Duration
	}{
		{"queue full", 1 << 20, 10 * time.Second},
		{"write deadline", 256 << 20, 2 * time.Second}, // long enough for a -race reader on a loaded machine
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, "", func(o *Options) { o.QueueBytes, o.WriteTimeout = tc.queueBytes, tc.writeTimeout })
			healthy := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", "")
			healthy.MustNext(t, 5*time.Second, isEvent(tt.EventPresence))
			stalledClient(t, n.URL, "lobby")
			wait.For(t, 5*time.Second, "two connections", func() bool {
				return testutil.ToFloat64(n.srv.metrics.connections) == 2
			})

			text := strings.Repeat("x", 4000)
			// window bounds how far the publisher runs ahead of the test's
			// check of the healthy stream (~500 KB): that stream's socket is
			// read at once into memory, but on a loaded machine the check
			// may pause long enough for a full-speed burst of 12 MB to pile
			// up there. The stalled reader paces nothing.
			const count, window = 3000, 128
			var worst time.Duration
			var read atomic.Int64
			done := make(chan struct{})
			go func() { // the healthy reader must get every message, in order
				defer close(done)
				for i := 1; i <= count; i++ {
					// Not MustNext: t.Fatalf belongs to the test's goroutine.
					ev, err := nextMatching(healthy, 20*time.Second, isEvent(tt.EventMessage))
					if err != nil {
						t.Errorf("healthy client, message %d: %v", i, err)
						return
					}
					if ev.ID != n.id(i) {
						t.Errorf("healthy client got id %s, want %d: %+v", ev.ID, i, ev)
						return
					}
					read.Store(int64(i))
				}
			}()
			start := time.Now()
			for i := 1; i <= count; i++ {
				wait.For(t, 20*time.Second, "the healthy reader to keep up", func() bool {
					select {
					case <-done: // it stopped early: it failed the test
						return true
					default:
						return int64(i)-read.Load() <= window
					}
				})
				if t.Failed() {
					t.FailNow()
				}
				t0 := time.Now()
				err := n.srv.Deliver(tt.ChatMessage{ID: n.id(i), Room: "lobby", Nick: "n", Text: text, Time: time.Now()})
				if err != nil {
					t.Fatal(err)
				}
				worst = max(worst, time.Since(t0))
			}
			elapsed := time.Since(start)
			<-done
			defer func() {
				if t.Failed() {
					t.Logf("evictions %v, connections %v", testutil.ToFloat64(n.srv.metrics.evictions), testutil.ToFloat64(n.srv.metrics.connections))
				}
			}()
			wait.For(t, 10*time.Second, "the eviction", func() bool {
				return testutil.ToFloat64(n.srv.metrics.evictions) == 1 &&
					testutil.ToFloat64(n.srv.metrics.connections) == 1
			})
			// The publisher never waited for the stalled reader: its worst
			// call is far below the write timeout and the stalled client's
			// 12 MB never had to drain.
			if worst > time.Second {
				t.Fatalf("a Deliver call blocked for %v", worst)
			}
			t.Logf("%d deliveries in %v, worst call %v", count, elapsed, worst)
		})
	}
}

func TestNoGoroutineLeaks(t *testing.T) {
	defer func() {
		if t.Failed() { // name what is left
			var b strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
			t.Logf("goroutines:\n%s", b.String())
		}
	}()
	before := serverGoroutines()
	n := startNode(t, "")
	s := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", "")
	s.MustNext(t, 5*time.Second, isEvent(tt.EventPresence))
	s.Close()
	wait.For(t, 5*time.Second, "the first stream to end", func() bool {
		return testutil.ToFloat64(n.srv.metrics.connections) == 0
	})
	baseline := serverGoroutines()

	for i := range 1000 {
		room := "lobby"
		if i%2 == 1 {
			room = fmt.Sprintf("r%d", i%7) // streams are created and removed too
		}
		conn, err := net.Dial("tcp", strings.TrimPrefix(n.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET /eventstream?room=%s HTTP/1.1\r\nHost: x\r\n\r\n", room)
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		r := bufio.NewReader(conn)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("cycle %d: %v", i, err)
			}
			if line == ":ok\n" {
				break
			}
		}
		conn.Close()
	}
	wait.For(t, 10*time.Second, "goroutines back to baseline after 1,000 cycles", func() bool {
		return serverGoroutines() <= baseline
	})

	// Shutdown with open streams ends them and leaves nothing behind.
	for range 20 {
		testclient.OpenStream(t, n.URL+"/eventstream?room=lobby", "").MustNext(t, 5*time.Second, isEvent(tt.EventPresence))
	}
	n.Close()
	wait.For(t, 10*time.Second, "goroutines back to the count before the node", func() bool {
		return serverGoroutines() <= before
	})
}

// serverGoroutines counts the goroutines running code of the server side:
// this package, r3labs/sse and net/http's per-connection loop. NATS's own
// goroutines come and go with its consumers and timers, so counting every
// goroutine made the leak test fail once on a loaded machine (with 34
// goroutines left, none of them the server's).
func serverGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("testing.tRunner")) {
			continue // a test itself
		}
		for _, mark := range []string{"tickertalk/server.", "github.com/r3labs/sse", "net/http.(*conn).serve"} {
			if bytes.Contains(g, []byte(mark)) {
				count++
				break
			}
		}
	}
	return count
}

// nextMatching is Stream.MustNext for a goroutine other than the test's: it
// returns the error instead of failing the test.
func nextMatching(s *testclient.Stream, timeout time.Duration, match func(testclient.Event) bool) (testclient.Event, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		e, err := s.Next(ctx)
		if err != nil || match(e) {
			return e, err
		}
	}
}
