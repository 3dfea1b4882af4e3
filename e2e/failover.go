package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// FailoverRetry is how long a [FailoverStream] waits before it tries the
// next server after a failed attempt; a browser waits the stream's retry
// field (1 to 4 s), shortened here so that tests measure the servers.
const FailoverRetry = 50 * time.Millisecond

// FailoverStream is an event stream that behaves like a page that knows
// several origins: when its stream ends or cannot be opened, it opens the
// same path on the next server of its list, with the Last-Event-ID of the
// last block that carried an id. It records every block and every
// connection. Its methods are safe for concurrent use.
type FailoverStream struct {
	urls   []string
	path   string
	client *http.Client
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	events []testclient.Event
	conns  []Connection
}

// Connection is one stream a [FailoverStream] had open.
type Connection struct {
	// Server is the index in the list of the server that served it.
	Server int
	// Opened is when its response headers came; Ended is when it ended,
	// zero while it is open.
	Opened, Ended time.Time
}

// OpenFailoverStream opens path on urls[first] with client (its cookie
// jar, no timeout; nil for none) and keeps a stream open, moving along
// urls in a ring, until tb's cleanup. It fails tb when the first stream
// cannot be opened within 10 s.
func OpenFailoverStream(tb testing.TB, client *http.Client, urls []string, first int, path string) *FailoverStream {
	tb.Helper()
	if client == nil {
		client = &http.Client{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &FailoverStream{urls: urls, path: path, client: client, cancel: cancel, done: make(chan struct{})}
	go f.run(ctx, first)
	tb.Cleanup(func() { cancel(); <-f.done })
	wait.For(tb, 10*time.Second, "failover stream "+path+" open on "+urls[first], func() bool {
		return len(f.Connections()) > 0
	})
	return f
}

func (f *FailoverStream) run(ctx context.Context, i int) {
	defer close(f.done)
	lastID := ""
	for ctx.Err() == nil {
		s, err := testclient.DialStream(ctx, f.client, f.urls[i]+f.path, lastID)
		if err != nil {
			i = (i + 1) % len(f.urls)
			select {
			case <-ctx.Done():
			case <-time.After(FailoverRetry):
			}
			continue
		}
		f.mu.Lock()
		f.conns = append(f.conns, Connection{Server: i, Opened: time.Now()})
		f.mu.Unlock()
		for {
			ev, err := s.Next(ctx)
			if err != nil {
				break
			}
			if ev.HasID {
				lastID = ev.LastEventID
			}
			f.mu.Lock()
			f.events = append(f.events, ev)
			f.mu.Unlock()
		}
		s.Close()
		f.mu.Lock()
		f.conns[len(f.conns)-1].Ended = time.Now()
		f.mu.Unlock()
		i = (i + 1) % len(f.urls)
	}
}

// Close stops the stream and waits for its goroutine.
func (f *FailoverStream) Close() { f.cancel(); <-f.done }

// Connections returns the streams opened so far, in order.
func (f *FailoverStream) Connections() []Connection {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Connection(nil), f.conns...)
}

// Events returns every block and comment received, over every connection.
func (f *FailoverStream) Events() []testclient.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]testclient.Event(nil), f.events...)
}

// Messages returns the chat messages received, in order, decoded; an
// event that does not decode is returned as an error.
func (f *FailoverStream) Messages() ([]tt.ChatMessage, error) {
	var out []tt.ChatMessage
	for _, ev := range f.Events() {
		if ev.Event != tt.EventMessage {
			continue
		}
		var m tt.ChatMessage
		if err := json.Unmarshal([]byte(ev.Data), &m); err != nil {
			return nil, errors.Join(errors.New("undecodable message event "+ev.Data), err)
		}
		out = append(out, m)
	}
	return out, nil
}

// Latest returns the last block of event name, and whether there is one.
func (f *FailoverStream) Latest(name string) (testclient.Event, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.events) - 1; i >= 0; i-- {
		if f.events[i].Event == name && f.events[i].HasData {
			return f.events[i], true
		}
	}
	return testclient.Event{}, false
}
