package main

import (
	"context"
	"sync"
	"time"

	tt "tickertalk/app"
)

// stormSub is one subscriber that reconnects as EventSource does: after
// the stream ends or an attempt fails it waits the reconnection time (the
// stream's latest retry field, else the configured default) and opens the
// stream again with Last-Event-ID set to the last message id it got. Its
// state is read by the storm's poller under mu.
type stormSub struct {
	i, room int
	// onUpdate, when set, gets the data of every ticker update.
	onUpdate func(data []byte)

	mu          sync.Mutex
	lastID      uint64
	lastIDText  string   // lastID as the server wrote it: what a resume sends
	seen        []uint64 // bitmap of load message seqs received
	got         int      // distinct load messages
	dups, ooo   int
	resyncs     int       // resync events: the server could not replay
	lastNew     time.Time // when the latest new load message arrived
	connectedAt time.Time // when the latest stream opened
	open        bool
	opens       int // streams opened, the first included
}

// stormTally counts the attempts of every storm subscriber.
type stormTally struct {
	mu       sync.Mutex
	failures map[string]int
	examples map[string]string
}

func (t *stormTally) fail(err error) {
	kind := failureKind(err)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures[kind]++
	if _, ok := t.examples[kind]; !ok {
		t.examples[kind] = err.Error()
	}
}

// run keeps the subscriber connected until ctx ends; every wait and read
// ends with ctx.
func (s *stormSub) run(ctx context.Context, d *streamDialer, t *stormTally, delay time.Duration) {
	var wait time.Duration
	for ctx.Err() == nil {
		if wait > 0 {
			if sleep(ctx, wait); ctx.Err() != nil {
				return
			}
		}
		wait = delay
		s.mu.Lock()
		last := s.lastIDText
		s.mu.Unlock()
		conn, p, err := d.openFrom(ctx, s.i, roomName(s.room), last)
		if err != nil {
			if ctx.Err() == nil {
				t.fail(err)
			}
			continue
		}
		s.mu.Lock()
		s.open, s.connectedAt = true, time.Now()
		s.opens++
		s.mu.Unlock()
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		s.read(p)
		stop()
		conn.Close()
		s.mu.Lock()
		s.open = false
		s.mu.Unlock()
		// The end of a stream (EOF, reset) is the storm itself, not a
		// failed attempt.
		if r, ok := p.reconnectDelay(); ok {
			delay, wait = r, r
		}
	}
}

// read consumes events until the stream ends.
func (s *stormSub) read(p *sseParser) {
	for p.next(s.handle) == nil {
	}
}

// handle records one event: load messages must arrive once each, with
// ids increasing across reconnections.
func (s *stormSub) handle(e *sseEvent) {
	if e.IsComment {
		return
	}
	if s.onUpdate != nil && string(e.Name) == tt.EventUpdate {
		s.onUpdate(e.Data)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if string(e.Name) == tt.EventResync {
		s.resyncs++
		return
	}
	if string(e.Name) != tt.EventMessage {
		return
	}
	seq, _, ok := parseMarker(e.Data)
	if !ok {
		return
	}
	id, idOK := parseID(e.ID)
	w, bit := seq/64, uint64(1)<<(seq%64)
	for uint64(len(s.seen)) <= w {
		s.seen = append(s.seen, 0)
	}
	if s.seen[w]&bit != 0 {
		s.dups++
		return
	}
	s.seen[w] |= bit
	if !idOK || id <= s.lastID {
		s.ooo++
	} else {
		s.lastID, s.lastIDText = id, string(e.ID)
	}
	s.got++
	s.lastNew = time.Now()
}

// has reports whether the subscriber got every seq in acked (a bitmap).
func (s *stormSub) has(acked []uint64) bool {
	for i, w := range acked {
		var have uint64
		if i < len(s.seen) {
			have = s.seen[i]
		}
		if have&w != w {
			return false
		}
	}
	return true
}
