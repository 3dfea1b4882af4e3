package server

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tickertalk/internal/wait"
)

// socket is a ResponseWriter that records, for a conn's writer, each
// flush (one write(2) on a real connection) and each write deadline set.
type socket struct {
	mu        sync.Mutex
	rec       *httptest.ResponseRecorder
	flushes   []time.Time
	deadlines []time.Time
}

func newSocket() *socket { return &socket{rec: httptest.NewRecorder()} }

func (s *socket) Header() http.Header  { return s.rec.Header() }
func (s *socket) WriteHeader(code int) { s.mu.Lock(); s.rec.WriteHeader(code); s.mu.Unlock() }
func (s *socket) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec.Write(p)
}
func (s *socket) Flush() {
	s.mu.Lock()
	s.flushes = append(s.flushes, time.Now())
	s.mu.Unlock()
}
func (s *socket) SetWriteDeadline(t time.Time) error {
	s.mu.Lock()
	s.deadlines = append(s.deadlines, t)
	s.mu.Unlock()
	return nil
}

// counts returns the flushes and deadlines so far, and the body.
func (s *socket) counts() (flushes []time.Time, deadlines []time.Time, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.flushes...), append([]time.Time(nil), s.deadlines...), s.rec.Body.String()
}

// sendMessage writes message n to c as r3labs writes an event.
func sendMessage(t *testing.T, c *conn, n int) {
	t.Helper()
	id := strconv.Itoa(n)
	for _, part := range []string{"id: t-" + id + "\n", "event: message\n", "data: m" + id + "\n", "\n"} {
		if _, err := c.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
	}
	c.Flush()
}

func waitFlushes(t *testing.T, s *socket, n int) []time.Time {
	t.Helper()
	wait.For(t, 10*time.Second, "the writer to flush", func() bool {
		f, _, _ := s.counts()
		return len(f) >= n
	})
	f, _, _ := s.counts()
	return f
}

// TestWriterCoalescesABurst: a writer that wrote less than the coalescing
// time ago waits until then, so that what follows closely leaves in one
// write; after a pause, an event is written at once.
func TestWriterCoalescesABurst(t *testing.T) {
	const coalesce = time.Second
	s := newSocket()
	cfg := testConnConfig(func() ([]byte, uint64) { return []byte(":ok\n\n"), 0 })
	cfg.coalesce, cfg.timeout = coalesce, time.Minute
	c := newConn(s, func() {}, cfg)
	t.Cleanup(c.close)

	c.Flush() // r3labs's first Flush: `:ok` goes at once
	first := waitFlushes(t, s, 1)[0]
	for n := 1; n <= 3; n++ {
		sendMessage(t, c, n)
	}
	f := waitFlushes(t, s, 2)
	if gap := f[1].Sub(first); gap < coalesce {
		t.Errorf("the burst was written %v after the write before it, want at least %v", gap, coalesce)
	}
	wait.For(t, 10*time.Second, "the burst to be written", func() bool {
		_, _, body := s.counts()
		return strings.Contains(body, "data: m3\n")
	})
	if f, _, _ := s.counts(); len(f) != 2 {
		t.Errorf("3 messages close together took %d writes after `:ok`, want 1", len(f)-1)
	}

	last := f[1]
	wait.For(t, 10*time.Second, "a pause longer than the coalescing time", func() bool {
		return time.Since(last) > 2*coalesce
	})
	sent := time.Now()
	sendMessage(t, c, 4)
	f = waitFlushes(t, s, 3)
	if took := f[2].Sub(sent); took >= coalesce {
		t.Errorf("a message after a pause waited %v, want no wait", took)
	}
}

// TestWriteDeadlineMovesEveryHalfTimeout: the write deadline is set for
// the first write and then only once half the timeout has passed, to
// between one and one and a half timeouts after the write that sets it.
func TestWriteDeadlineMovesEveryHalfTimeout(t *testing.T) {
	tests := []struct {
		name          string
		timeout       time.Duration
		pause         time.Duration // between writes
		wantDeadlines int
	}{
		{"writes within half the timeout", time.Minute, 0, 1},
		{"writes further apart", 200 * time.Millisecond, 150 * time.Millisecond, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSocket()
			cfg := testConnConfig(func() ([]byte, uint64) { return []byte(":ok\n\n"), 0 })
			cfg.timeout = tc.timeout
			c := newConn(s, func() {}, cfg)
			t.Cleanup(c.close)

			before := time.Now()
			c.Flush()
			waitFlushes(t, s, 1)
			for n := 1; n <= 3; n++ {
				f, _, _ := s.counts()
				last := f[len(f)-1]
				wait.For(t, 10*time.Second, "the pause", func() bool { return time.Since(last) >= tc.pause })
				sendMessage(t, c, n)
				waitFlushes(t, s, n+1)
			}
			_, d, _ := s.counts()
			if len(d) != tc.wantDeadlines {
				t.Fatalf("%d write deadlines set for 4 writes, want %d", len(d), tc.wantDeadlines)
			}
			if ahead := d[0].Sub(before); ahead < tc.timeout || ahead > tc.timeout*3/2+time.Second {
				t.Errorf("the first deadline is %v after the write, want between %v and 1.5 times that", ahead, tc.timeout)
			}
		})
	}
}

// TestBusyWriterLingers: the writer of a connection that wrote less than
// the linger time before stays, waiting for the next event, which it then
// writes; close ends a lingering writer at once. A writer started after a
// longer pause ends as soon as it has written.
func TestBusyWriterLingers(t *testing.T) {
	const linger = time.Minute
	s := newSocket()
	cfg := testConnConfig(func() ([]byte, uint64) { return []byte(":ok\n\n"), 0 })
	cfg.linger, cfg.timeout = linger, time.Minute
	c := newConn(s, func() {}, cfg)
	lingering := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.writing && c.wake != nil
	}

	c.Flush() // `:ok`: the first write, by a writer that is not busy
	waitFlushes(t, s, 1)
	wait.For(t, 10*time.Second, "the first writer to end", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing
	})
	for n := 1; n <= 3; n++ { // each within the linger time of the one before
		sendMessage(t, c, n)
		waitFlushes(t, s, n+1)
		wait.For(t, 10*time.Second, "the writer to linger", lingering)
	}
	closed := time.Now()
	c.close()
	if took := time.Since(closed); took > linger/2 {
		t.Errorf("close waited %v for a lingering writer", took)
	}
	if _, _, body := s.counts(); !strings.HasSuffix(body, "data: m3\n\n") {
		t.Errorf("the socket got %q", body)
	}
}
