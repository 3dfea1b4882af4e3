package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"golang.org/x/time/rate"

	tt "tickertalk/app"
)

// throttleRecvBuffer is the kernel receive buffer of a throttled reader's
// socket: small, so that what the reader does not read soon backs up to
// the server instead of waiting in the kernel.
const throttleRecvBuffer = 4 << 10

// throttledConn reads at most its limiter's rate of bytes a second, as a
// reader on a slow link would.
type throttledConn struct {
	net.Conn
	lim *rate.Limiter
}

// newThrottledConn limits c's reads to bytesPerSec, in reads of at most a
// tenth of a second's worth.
func newThrottledConn(c net.Conn, bytesPerSec int) net.Conn {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(throttleRecvBuffer)
	}
	burst := max(1, bytesPerSec/10)
	return &throttledConn{Conn: c, lim: rate.NewLimiter(rate.Limit(bytesPerSec), burst)}
}

// Read reads at most a burst, after waiting for the bytes it may read.
func (c *throttledConn) Read(p []byte) (int, error) {
	if n := c.lim.Burst(); len(p) > n {
		p = p[:n]
	}
	if err := c.lim.WaitN(context.Background(), len(p)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// throttleResult is what a throttled reader saw.
type throttleResult struct {
	URL         string  `json:"url"`
	BytesPerSec int     `json:"bytesPerSecond"`
	Rate        float64 `json:"chatRate"`
	Duration    string  `json:"duration"`

	// Evictions counts the streams the server ended; each is reopened
	// with Last-Event-ID.
	Evictions int `json:"evictions"`
	// QuoteAge is how old the newest quote of each update was when read.
	QuoteAge   latency `json:"quoteAgeMs"`
	Updates    int     `json:"updates"`
	Posted     int     `json:"chatAcknowledged"`
	Received   int     `json:"chatReceived"`
	Duplicates int     `json:"duplicates"`
	OutOfOrder int     `json:"outOfOrder"`
	Resyncs    int     `json:"resyncs"`
}

// ok reports that every chat message acknowledged arrived, once and in
// order; evictions and quote ages are for the reader to judge.
func (r *throttleResult) ok() bool {
	return r.Received == r.Posted && r.Duplicates == 0 && r.OutOfOrder == 0 && r.Resyncs == 0
}

// runThrottled opens one reader limited to c.Throttle bytes a second,
// posts chat at c.Rate for c.Duration, waits c.Drain for the reader to
// catch up, and reports what it saw.
func runThrottled(ctx context.Context, c config) (*throttleResult, error) {
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout+c.Duration+c.Drain+time.Minute)
	defer cancel()
	r := &throttleResult{URL: c.URL.String(), BytesPerSec: c.Throttle, Rate: c.Rate, Duration: c.Duration.String()}
	tr := newTransport(c.SourceIPs[0], maxInFlight)
	defer tr.CloseIdleConnections()
	var snd *sender
	if c.Rate > 0 {
		var err error
		if snd, err = newSender(ctx, c.URL, tr, "loadgen-slow", "x"); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoServer, err)
		}
		defer snd.signOut(context.WithoutCancel(ctx))
	}

	var ages histogram
	var updMu sync.Mutex
	s := &stormSub{room: 0, onUpdate: func(data []byte) {
		var u tt.TickerUpdate
		if json.Unmarshal(data, &u) != nil {
			return
		}
		var newest time.Time
		for _, q := range u.Quotes {
			if q.Time.After(newest) {
				newest = q.Time
			}
		}
		if !newest.IsZero() {
			ages.Record(time.Since(newest))
			updMu.Lock()
			r.Updates++
			updMu.Unlock()
		}
	}}
	d := &streamDialer{base: c.URL, sources: c.SourceIPs, timeout: handshakeTimeout, throttle: c.Throttle}
	subCtx, closeSub := context.WithCancel(ctx)
	done := make(chan struct{})
	tally := &stormTally{failures: map[string]int{}, examples: map[string]string{}}
	go func() { defer close(done); s.run(subCtx, d, tally, time.Second) }()
	defer func() { closeSub(); <-done }()
	if !pollUntil(ctx, handshakeTimeout, func() bool { return countSubs([]*stormSub{s}, func(s *stormSub) bool { return s.open }) == 1 }) {
		return nil, fmt.Errorf("%w: the throttled stream did not open: %v", ErrNoServer, tally.examples)
	}

	posts := &stormPoster{snd: snd, rooms: 1, runID: fmt.Sprint(time.Now().UnixNano())}
	if c.Rate > 0 {
		n := int(c.maxMessages())
		posts.post(ctx, 0, n, c.Duration, time.Now().Add(c.Duration+c.Drain))
	} else {
		sleep(ctx, c.Duration)
	}
	pollUntil(ctx, c.Drain, func() bool { return countSubs([]*stormSub{s}, posts.receivedAllLocked) == 1 })
	closeSub()
	<-done

	s.mu.Lock()
	r.Evictions = s.opens - 1
	r.Received, r.Duplicates, r.OutOfOrder, r.Resyncs = s.got, s.dups, s.ooo, s.resyncs
	s.mu.Unlock()
	r.Posted = posts.acked()
	r.QuoteAge = latencyOf(&ages)
	return r, nil
}

// writeText prints the throttled reader's report.
func (r *throttleResult) writeText(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("slow reader   %s  %d bytes/s  chat %g/s for %s", r.URL, r.BytesPerSec, r.Rate, r.Duration)
	p("evictions     %d (each stream reopened with Last-Event-ID)", r.Evictions)
	p("quote age     p50 %.1f ms  p99 %.1f ms  max %.1f ms  (%d updates)", r.QuoteAge.P50, r.QuoteAge.P99, r.QuoteAge.Max, r.Updates)
	p("chat          %d of %d received, duplicates %d, out of order %d, resyncs %d", r.Received, r.Posted, r.Duplicates, r.OutOfOrder, r.Resyncs)
	verdict := "OK"
	if !r.ok() {
		verdict = "FAILED (see above)"
	}
	p("verdict       %s", verdict)
}
