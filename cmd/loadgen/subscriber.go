package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	tt "tickertalk/app"
)

// Errors of opening a subscriber's stream.
var (
	// ErrBadStatus reports an /eventstream answer other than 200.
	ErrBadStatus = errors.New("event stream answered with an error status")
	// ErrNoPreamble reports a stream that did not start with the :ok comment.
	ErrNoPreamble = errors.New("event stream did not start with :ok")
)

// Buffer sizes of one subscriber: the socket's reader and the line parser's.
const (
	connBufSize   = 4 << 10
	parserBufSize = 4 << 10
)

// tally holds the counters every subscriber adds to, read by the progress
// lines and the report. Safe for concurrent use.
type tally struct {
	connected    atomic.Int64 // streams that answered 200 and :ok
	open         atomic.Int64 // streams open now
	deliveries   atomic.Int64 // load messages received (duplicates included)
	otherEvents  atomic.Int64 // update, presence, foreign messages and comments
	latency      histogram
	lastDelivery atomic.Int64 // unix ns of the latest load message received
}

// subscriber is one SSE connection and what it saw. Its fields are written
// by its own goroutine only and read after that goroutine has returned.
type subscriber struct {
	room      int
	lastID    uint64
	got       uint64   // distinct load messages
	dups      uint64   // load messages seen before
	ooo       uint64   // ids not above the previous one, not seen before
	badID     uint64   // message events whose id was missing or not a number
	seen      []uint64 // bitmap of load message seqs received
	err       error    // why the open failed or the stream ended early
	connected bool     // the stream answered 200 and :ok
	dropped   bool     // the stream ended before the run closed it
}

// streamDialer opens subscriber streams against one server.
type streamDialer struct {
	base    *url.URL
	sources []net.IP
	timeout time.Duration
	// throttle, when above 0, limits each stream's reads to that many
	// bytes a second.
	throttle int
}

// open dials the stream of room from source address index i, sends the
// request and reads up to the :ok preamble. The returned connection is
// owned by the caller; the parser continues after the preamble.
func (d *streamDialer) open(ctx context.Context, i int, room string) (net.Conn, *sseParser, error) {
	return d.openFrom(ctx, i, room, "")
}

// openFrom is open with a Last-Event-ID header, as EventSource sends it
// when it reconnects; lastID "" sends none.
func (d *streamDialer) openFrom(ctx context.Context, i int, room, lastID string) (net.Conn, *sseParser, error) {
	var source net.IP
	if len(d.sources) > 0 {
		source = d.sources[i%len(d.sources)]
	}
	conn, err := sourceDialer(source, d.timeout).DialContext(ctx, "tcp", hostPort(d.base))
	if err != nil {
		return nil, nil, fmt.Errorf("dial: %w", err)
	}
	if d.throttle > 0 {
		conn = newThrottledConn(conn, d.throttle)
	}
	p, err := d.handshake(conn, room, lastID)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, p, nil
}

func (d *streamDialer) handshake(conn net.Conn, room, lastID string) (*sseParser, error) {
	if err := conn.SetDeadline(time.Now().Add(d.timeout)); err != nil {
		return nil, fmt.Errorf("set deadline: %w", err)
	}
	path := "/eventstream?room=" + url.QueryEscape(room)
	req := "GET " + path + " HTTP/1.1\r\nHost: " + d.base.Host +
		"\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\nUser-Agent: tickertalk-loadgen\r\n"
	if lastID != "" {
		req += "Last-Event-ID: " + lastID + "\r\n"
	}
	req += "\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return nil, fmt.Errorf("write request: %w", err)
	}
	br := bufio.NewReaderSize(conn, connBufSize)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("%w: %s %s", ErrBadStatus, resp.Status, bytes.TrimSpace(body))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return nil, fmt.Errorf("%w: Content-Type %q", ErrBadStatus, ct)
	}
	p := newSSEParser(resp.Body, parserBufSize)
	var first sseEvent
	if err := p.next(func(e *sseEvent) { first = sseEvent{IsComment: e.IsComment, Comment: bytes.Clone(e.Comment)} }); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoPreamble, err)
	}
	if !first.IsComment || string(first.Comment) != "ok" {
		return nil, ErrNoPreamble
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		return nil, fmt.Errorf("clear deadline: %w", err)
	}
	return p, nil
}

// read consumes events until the stream ends, recording every load
// message in s and t. It returns the read error (nil for io.EOF).
func (s *subscriber) read(p *sseParser, t *tally) error {
	for {
		err := p.next(func(e *sseEvent) { s.handle(e, t) })
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// handle records one event. Load messages must carry strictly increasing
// ids on one connection; a repeat of a seq is a duplicate, any other
// non-increasing id is out of order.
func (s *subscriber) handle(e *sseEvent, t *tally) {
	if e.IsComment || string(e.Name) != "message" {
		t.otherEvents.Add(1)
		return
	}
	seq, sentNS, ok := parseMarker(e.Data)
	if !ok {
		t.otherEvents.Add(1)
		return
	}
	now := time.Now()
	t.deliveries.Add(1)
	id, idOK := parseID(e.ID)
	if !e.HasID || !idOK {
		s.badID++
	}
	w, bit := seq/64, uint64(1)<<(seq%64)
	for uint64(len(s.seen)) <= w {
		s.seen = append(s.seen, 0)
	}
	if s.seen[w]&bit != 0 {
		s.dups++
		return
	}
	s.seen[w] |= bit
	if idOK && id <= s.lastID && s.got > 0 {
		s.ooo++
	}
	if idOK && id > s.lastID {
		s.lastID = id
	}
	s.got++
	t.latency.Record(now.Sub(time.Unix(0, sentNS)))
	storeMax(&t.lastDelivery, now.UnixNano())
}

// parseID returns the sequence of an SSE id: Tickertalk's "<log>-<seq>",
// or the bare decimal sequence of cmd/baresse.
func parseID(b []byte) (uint64, bool) {
	if seq, ok := tt.MessageSeq(string(b)); ok { // Tickertalk's "<log>-<seq>"
		return seq, true
	}
	n, rest, ok := leadingUint(b) // cmd/baresse's bare sequence
	return n, ok && len(rest) == 0
}

// hostPort returns u's host with the default http port when it has none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// storeMax sets a to v unless it already holds more.
func storeMax(a *atomic.Int64, v int64) {
	for {
		old := a.Load()
		if v <= old || a.CompareAndSwap(old, v) {
			return
		}
	}
}
