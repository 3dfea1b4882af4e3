package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// outbox sends the run's messages at a fixed rate and remembers which were
// acknowledged (201) so that losses can be counted against them.
type outbox struct {
	senders []*sender
	rooms   int
	size    int
	runID   string

	attempted atomic.Int64
	created   atomic.Int64
	skipped   atomic.Int64 // ticks that found maxInFlight posts outstanding
	ackLat    histogram    // POST /send round trips that got 201

	mu         sync.Mutex
	acked      []uint64 // bitmap of seqs answered 201
	ackedRooms []int64  // 201s per room
	statuses   map[string]int
	examples   map[string]string
	first      time.Time // when the first message was sent
}

func newOutbox(senders []*sender, rooms, size int) *outbox {
	return &outbox{
		senders:    senders,
		rooms:      rooms,
		size:       size,
		runID:      rand.Text()[:8],
		ackedRooms: make([]int64, rooms),
		statuses:   map[string]int{},
		examples:   map[string]string{},
	}
}

// run sends one message right away and one per tick of 1/rate until it
// has sent max messages or d has passed, whichever comes first, so it
// never sends more than rate × d. Each message goes to room seq % rooms
// from sender seq % senders. It returns once every post has answered.
func (o *outbox) run(ctx context.Context, rate float64, d time.Duration, max uint64) {
	if max == 0 {
		return
	}
	tk := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tk.Stop()
	end := time.NewTimer(d)
	defer end.Stop()
	inflight := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	o.first = time.Now()
	for seq := uint64(0); seq < max; seq++ {
		if seq > 0 {
			select {
			case <-ctx.Done():
			case <-end.C:
			case <-tk.C:
			}
			if ctx.Err() != nil || time.Since(o.first) >= d {
				break
			}
		}
		o.attempted.Add(1)
		select {
		case inflight <- struct{}{}:
		default:
			o.skipped.Add(1)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-inflight }()
			o.sendOne(ctx, seq)
		}()
	}
	wg.Wait()
}

// runClosed keeps n posts outstanding: each worker sends its next message
// as soon as the previous one is answered, until max messages are sent or
// d has passed. It returns once every post has answered.
func (o *outbox) runClosed(ctx context.Context, n int, d time.Duration, max uint64) {
	if max == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var next atomic.Uint64
	var wg sync.WaitGroup
	o.first = time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				seq := next.Add(1) - 1
				if seq >= max {
					return
				}
				o.attempted.Add(1)
				// A post under way when d ends is finished, not cut, so
				// that every message sent is counted as created or not.
				o.sendOne(context.WithoutCancel(ctx), seq)
			}
		}()
	}
	wg.Wait()
}

func (o *outbox) sendOne(ctx context.Context, seq uint64) {
	s := o.senders[seq%uint64(len(o.senders))]
	room := int(seq % uint64(o.rooms))
	start := time.Now()
	text := markerText(seq, start, o.size)
	clientID := "lg-" + o.runID + "-" + strconv.FormatUint(seq, 10)
	status, _, err := s.send(ctx, roomName(room), text, clientID)
	took := time.Since(start)
	o.mu.Lock()
	defer o.mu.Unlock()
	if err == nil && status == http.StatusCreated {
		o.created.Add(1)
		o.ackLat.Record(took)
		w := seq / 64
		for uint64(len(o.acked)) <= w {
			o.acked = append(o.acked, 0)
		}
		o.acked[w] |= 1 << (seq % 64)
		o.ackedRooms[room]++
		return
	}
	key := strconv.Itoa(status)
	if status == 0 {
		key = "no answer"
	}
	o.statuses[key]++
	if _, ok := o.examples[key]; !ok && err != nil {
		o.examples[key] = err.Error()
	}
}

// expected returns the deliveries a run should see: for each room, the
// messages acknowledged there times the subscribers connected there.
func (o *outbox) expected(roomSubs []atomic.Int64) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var n int64
	for i, a := range o.ackedRooms {
		n += a * roomSubs[i].Load()
	}
	return n
}

// signIn creates n senders, nicks loadgen-0 ... loadgen-<n-1>.
func signIn(ctx context.Context, c config, tr http.RoundTripper) ([]*sender, error) {
	suffix := rand.Text()[:4]
	var out []*sender
	for i := range c.Senders {
		s, err := newSender(ctx, c.URL, tr, fmt.Sprintf("loadgen-%d", i), suffix)
		if err != nil {
			signOut(out)
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// signOut ends every sender's session, so that the nicks are free again.
func signOut(senders []*sender) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range senders {
		s.signOut(ctx)
	}
}
