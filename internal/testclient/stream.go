package testclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
)

// ErrStreamClosed reports that a [Stream] ended: the server closed the
// response, the connection broke, or the test closed it. [Stream.Next]
// wraps the underlying cause when there is one.
var ErrStreamClosed = errors.New("event stream closed")

// Stream is an open SSE response read by its own goroutine into memory as
// fast as the server sends, so that a test that reads slowly never backs
// the server up. It keeps everything it read, in order:
//
//   - [Stream.Next] and the helpers built on it consume it one event at a
//     time, from one goroutine at a time;
//   - [Stream.Events] and [Stream.WaitFor] look at all of it at once,
//     consumed or not, from any goroutine.
//
// Close is safe to call more than once and from any goroutine.
type Stream struct {
	// Response is the HTTP response; its Body belongs to the stream.
	Response *http.Response

	mu    sync.Mutex
	log   []Event       // everything read, in order
	next  int           // index in log of what Next returns next
	ended bool          // the reader goroutine has stopped
	err   error         // why it stopped, valid once ended
	grew  chan struct{} // closed (and replaced) when log grows or the stream ends

	done   chan struct{} // closed when the reader goroutine has returned
	cancel context.CancelFunc
}

// DialStream opens url with GET, Accept: text/event-stream and, when
// lastEventID is not empty, a Last-Event-ID header. A non-200 answer is
// returned as a *[StatusError] with the body read, so that tests can check
// error answers. client nil means a client without a timeout and without
// cookies; a client's Timeout would end the stream, so give one without.
// Its response headers must come within [RequestTimeout]; the stream then
// lives until ctx ends or Close.
func DialStream(ctx context.Context, client *http.Client, url, lastEventID string) (*Stream, error) {
	if client == nil {
		client = &http.Client{}
	}
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("event stream request: %w", err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	// ctx lives as long as the stream; only the wait for headers is bounded.
	headers := time.AfterFunc(RequestTimeout, cancel)
	resp, err := client.Do(req)
	if !headers.Stop() {
		if err == nil {
			resp.Body.Close()
		}
		cancel()
		return nil, fmt.Errorf("open event stream %s: no response headers within %v", url, RequestTimeout)
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open event stream %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		cancel()
		return nil, &StatusError{Code: resp.StatusCode, Header: resp.Header, Body: body}
	}
	s := &Stream{
		Response: resp,
		grew:     make(chan struct{}),
		done:     make(chan struct{}),
		cancel:   cancel,
	}
	go s.read(lastEventID)
	return s, nil
}

// OpenStream is [DialStream] for a test, without cookies: it fails tb
// unless the answer is a 200 with Content-Type text/event-stream, and
// closes the stream at tb's cleanup.
func OpenStream(tb testing.TB, url, lastEventID string) *Stream {
	tb.Helper()
	return openStream(tb, nil, url, lastEventID)
}

func openStream(tb testing.TB, client *http.Client, url, lastEventID string) *Stream {
	tb.Helper()
	s, err := DialStream(context.Background(), client, url, lastEventID)
	if err != nil {
		tb.Fatalf("open stream: %v", err)
	}
	tb.Cleanup(s.Close)
	if ct := s.Response.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		tb.Fatalf("GET %s: Content-Type %q, want text/event-stream", url, ct)
	}
	return s
}

// Next returns the next comment or block, in stream order. Something read
// before ctx ended is returned only while ctx has not ended: once it has,
// Next returns ctx's error. Once the stream has ended and everything read
// has been returned, Next returns an error wrapping [ErrStreamClosed].
func (s *Stream) Next(ctx context.Context) (Event, error) {
	for {
		if err := ctx.Err(); err != nil {
			return Event{}, err
		}
		s.mu.Lock()
		if s.next < len(s.log) {
			e := s.log[s.next]
			s.next++
			s.mu.Unlock()
			return e, nil
		}
		ended, grew := s.ended, s.grew
		s.mu.Unlock()
		if ended {
			return Event{}, s.closedErr()
		}
		select {
		case <-grew:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// NextEvent returns the next block a browser would dispatch (one with
// data) whose event field is one of names, or any such block when names is
// empty, skipping comments and every other block. Names match the event
// field as sent: a block without one matches no name.
func (s *Stream) NextEvent(ctx context.Context, names ...string) (Event, error) {
	for {
		e, err := s.Next(ctx)
		if err != nil {
			return e, err
		}
		if e.IsComment() || !e.HasData {
			continue
		}
		if len(names) == 0 || slices.Contains(names, e.Event) {
			return e, nil
		}
	}
}

// MustNextEvent is [Stream.NextEvent] within timeout; it fails tb when the
// timeout passes or the stream ends first.
func (s *Stream) MustNextEvent(tb testing.TB, timeout time.Duration, names ...string) Event {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	e, err := s.NextEvent(ctx, names...)
	if err != nil {
		tb.Fatalf("waiting %s for event %v: %v", timeout, names, err)
	}
	return e
}

// MustNextUpdate is [Stream.MustNextEvent] for the next ticker update,
// decoded; it fails tb on data that is no [tt.TickerUpdate].
func (s *Stream) MustNextUpdate(tb testing.TB, timeout time.Duration) tt.TickerUpdate {
	tb.Helper()
	ev := s.MustNextEvent(tb, timeout, tt.EventUpdate)
	var u tt.TickerUpdate
	if err := json.Unmarshal([]byte(ev.Data), &u); err != nil {
		tb.Fatalf("bad update %q: %v", ev.Data, err)
	}
	return u
}

// MustNext returns the next comment or block for which match is true,
// skipping the others, within timeout; it fails tb when the timeout passes
// or the stream ends first. Unlike [Stream.NextEvent], match sees
// everything, blocks without data included. Call it from the test's
// goroutine, as tb.Fatalf must be.
func (s *Stream) MustNext(tb testing.TB, timeout time.Duration, match func(Event) bool) Event {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		e, err := s.Next(ctx)
		if err != nil {
			tb.Fatalf("waiting %s for a matching event: %v", timeout, err)
		}
		if match(e) {
			return e
		}
	}
}

// Events returns a copy of everything read so far, whether Next has
// returned it or not.
func (s *Stream) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// WaitFor calls cond with everything read so far (as [Stream.Events]),
// again each time more arrives, until it returns true. It fails tb, naming
// what, when timeout passes or the stream ends with cond still false. It
// consumes nothing.
func (s *Stream) WaitFor(tb testing.TB, timeout time.Duration, what string, cond func([]Event) bool) {
	tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		seen, ended, grew := slices.Clone(s.log), s.ended, s.grew
		s.mu.Unlock()
		if cond(seen) {
			return
		}
		if ended {
			tb.Fatalf("%s: the stream ended first (%v)", what, s.closedErr())
		}
		select {
		case <-grew:
		case <-deadline.C:
			tb.Fatalf("%s: not within %v", what, timeout)
		}
	}
}

// Close ends the request and waits for the reader goroutine to return.
// What was read stays readable.
func (s *Stream) Close() {
	s.cancel()
	<-s.done
}

// Done is closed once the stream has ended (read error, EOF or Close).
func (s *Stream) Done() <-chan struct{} { return s.done }

func (s *Stream) closedErr() error {
	<-s.done
	if s.err == nil || errors.Is(s.err, io.EOF) {
		return ErrStreamClosed
	}
	return fmt.Errorf("%w: %w", ErrStreamClosed, s.err)
}

// read parses the body until it ends, keeping every event.
func (s *Stream) read(lastEventID string) {
	defer close(s.done)
	defer s.Response.Body.Close()
	err := parse(s.Response.Body, lastEventID, func(e Event) {
		e.Received = time.Now()
		s.mu.Lock()
		s.log = append(s.log, e)
		close(s.grew)
		s.grew = make(chan struct{})
		s.mu.Unlock()
	})
	s.mu.Lock()
	s.err, s.ended = err, true
	close(s.grew)
	s.grew = make(chan struct{})
	s.mu.Unlock()
}
