package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// ErrStreamClosed reports that a [Stream] ended: the server closed the
// response, the connection broke, or the test closed it. [Stream.Next]
// wraps the underlying cause when there is one.
var ErrStreamClosed = errors.New("event stream closed")

// Event is one thing read from an SSE stream: either a dispatched event
// (Comment empty) or one comment line (Comment set, everything else empty
// but LastEventID).
type Event struct {
	// Event is the event type; "message" when the block had no event field,
	// as the spec's default.
	Event string
	// Data is the data fields joined with "\n".
	Data string
	// ID is the value of the block's id field and HasID tells whether it had
	// one: an empty id line (HasID true, ID "") resets the last event id.
	ID    string
	HasID bool
	// LastEventID is the stream's last event id after this block, as a
	// browser's EventSource would send it on reconnect.
	LastEventID string
	// Retry is the block's retry field in milliseconds, or 0.
	Retry int
	// Comment is the text of a comment line after the colon (with one
	// leading space removed), e.g. "ok" or "ping".
	Comment string
}

// IsComment reports whether e is a comment line rather than an event.
func (e Event) IsComment() bool { return e.Event == "" }

// Stream is an open SSE response read by one goroutine into a channel.
// Next may be called from one goroutine at a time. Close is safe to call
// more than once and from any goroutine.
type Stream struct {
	// Response is the HTTP response; its Body belongs to the stream.
	Response *http.Response

	events chan Event
	done   chan struct{} // closed when the reader goroutine has returned
	err    error         // why the reader stopped, valid after done
	cancel context.CancelFunc
}

// DialStream opens url with GET, Accept: text/event-stream and, when
// lastEventID is not empty, a Last-Event-ID header. A non-200 answer is
// returned as a *StatusError with the body read, so that tests can check
// error answers; client nil means http.DefaultClient's transport without a
// timeout.
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
	resp, err := client.Do(req)
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
		events:   make(chan Event, 256),
		done:     make(chan struct{}),
		cancel:   cancel,
	}
	go s.read(lastEventID)
	return s, nil
}

// OpenStream is [DialStream] for a test: it fails tb unless the answer is a
// 200 text/event-stream, and closes the stream at cleanup.
func OpenStream(tb testing.TB, url, lastEventID string) *Stream {
	tb.Helper()
	s, err := DialStream(context.Background(), nil, url, lastEventID)
	if err != nil {
		tb.Fatalf("open stream: %v", err)
	}
	tb.Cleanup(s.Close)
	if ct := s.Response.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		tb.Fatalf("GET %s: Content-Type %q, want text/event-stream", url, ct)
	}
	return s
}

// Next returns the next event or comment, in stream order. It returns
// ctx's error when ctx ends first, and an error wrapping [ErrStreamClosed]
// once the stream has ended and every event read before has been returned.
func (s *Stream) Next(ctx context.Context) (Event, error) {
	select {
	case e, ok := <-s.events:
		if ok {
			return e, nil
		}
		return Event{}, s.closedErr()
	case <-ctx.Done():
		return Event{}, ctx.Err()
	}
}

// NextEvent returns the next dispatched event whose type is one of names
// (any type when names is empty), skipping comments and other events.
func (s *Stream) NextEvent(ctx context.Context, names ...string) (Event, error) {
	for {
		e, err := s.Next(ctx)
		if err != nil {
			return e, err
		}
		if e.Comment != "" {
			continue
		}
		if len(names) == 0 {
			return e, nil
		}
		for _, n := range names {
			if e.Event == n {
				return e, nil
			}
		}
	}
}

// MustNextEvent is [Stream.NextEvent] with a deadline of timeout that fails
// tb instead of returning an error.
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

// Close ends the request and waits for the reader goroutine to return.
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

// read parses the body until it ends, then closes events.
func (s *Stream) read(lastEventID string) {
	defer close(s.done)
	defer close(s.events)
	defer s.Response.Body.Close()
	p := parser{lastEventID: lastEventID}
	s.err = p.parse(s.Response.Body, func(e Event) bool {
		select {
		case s.events <- e:
			return true
		default:
		}
		// A full buffer: block, unless the test closed the stream.
		select {
		case s.events <- e:
			return true
		case <-s.Response.Request.Context().Done():
			return false
		}
	})
}

// parser implements the event-stream interpretation of the HTML spec
// (section 9.2.6): fields per line, a blank line dispatches, a block with
// no data field dispatches nothing, comments start with a colon.
type parser struct {
	lastEventID string
}

// parse reads r and calls emit for each comment line and each dispatched
// event until r ends or emit returns false. It returns the read error (nil
// or io.EOF for a clean end).
func (p *parser) parse(r io.Reader, emit func(Event) bool) error {
	lr := lineReader{br: bufio.NewReaderSize(r, 16<<10)}
	var (
		cur     Event
		data    bytes.Buffer
		hasData bool
		first   = true
	)
	for {
		line, err := lr.readLine()
		if err != nil {
			return err
		}
		if first {
			line = strings.TrimPrefix(line, "\ufeff")
			first = false
		}
		if line == "" { // dispatch
			if cur.HasID {
				p.lastEventID = cur.ID
			}
			if hasData {
				cur.Data = strings.TrimSuffix(data.String(), "\n")
				if cur.Event == "" {
					cur.Event = "message"
				}
				cur.LastEventID = p.lastEventID
				if !emit(cur) {
					return nil
				}
			}
			cur, hasData = Event{}, false
			data.Reset()
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "": // comment
			if !emit(Event{Comment: value, LastEventID: p.lastEventID}) {
				return nil
			}
		case "event":
			cur.Event = value
		case "data":
			data.WriteString(value)
			data.WriteByte('\n')
			hasData = true
		case "id":
			if !strings.ContainsRune(value, 0) {
				cur.ID, cur.HasID = value, true
			}
		case "retry":
			n := 0
			for _, c := range value {
				if c < '0' || c > '9' {
					n = -1
					break
				}
				n = n*10 + int(c-'0')
			}
			if n >= 0 && value != "" {
				cur.Retry = n
			}
		}
	}
}

// lineReader splits a stream into lines ended by CRLF, LF or CR. It never
// reads ahead of a CR to look for an LF (that could block on a live
// stream): it remembers to skip an LF that comes right after.
type lineReader struct {
	br     *bufio.Reader
	skipLF bool
}

// readLine returns the next line without its ending. An unterminated last
// line is discarded, as the spec says, and io.EOF returned.
func (l *lineReader) readLine() (string, error) {
	var sb strings.Builder
	for {
		b, err := l.br.ReadByte()
		if err != nil {
			return "", err
		}
		if l.skipLF {
			l.skipLF = false
			if b == '\n' {
				continue
			}
		}
		switch b {
		case '\n':
			return sb.String(), nil
		case '\r':
			l.skipLF = true
			return sb.String(), nil
		}
		sb.WriteByte(b)
	}
}
