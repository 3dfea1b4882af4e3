package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ErrNoServer reports that the server could not be reached at all.
var ErrNoServer = errors.New("server unreachable")

// run performs one load test: connect, measure idle memory, send, drain,
// close. It always stops: ctx bounds it, and so does a deadline derived
// from the configuration. Progress lines go to progress (nil: none). It
// returns the result even when the server misbehaved; the error is for a
// run that could not take place (no server, sign-in refused).
func run(ctx context.Context, c config, progress io.Writer) (*result, error) {
	budget := time.Duration(float64(c.Subscribers)/c.Ramp*float64(time.Second)) +
		handshakeTimeout + c.Settle + c.Duration + c.Drain + time.Minute
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()

	tr := newTransport(c.SourceIPs[0], maxInFlight)
	defer tr.CloseIdleConnections()
	metricsClient := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	metricsURL := c.URL.JoinPath("/metrics").String()

	r := &result{
		URL: c.URL.String(), Subscribers: c.Subscribers, Rooms: c.Rooms, Rate: c.Rate,
		InFlight: c.InFlight, Senders: c.Senders, Duration: c.Duration.String(), Size: c.Size,
	}
	if before, err := scrape(ctx, metricsClient, metricsURL); err != nil {
		r.Server.ScrapeError = err.Error()
	} else {
		r.Server.Before = &before
	}

	var senders []*sender
	if c.sends() {
		var err error
		if senders, err = signIn(ctx, c, tr); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNoServer, err)
		}
		defer signOut(senders)
	}
	out := newOutbox(senders, c.Rooms, c.Size)

	var t tally
	f := newFleet(c.Subscribers, c.Rooms)
	defer f.close()
	stopProgress := startProgress(ctx, progress, c, f, out, &t)
	defer stopProgress()

	connStart := time.Now()
	d := &streamDialer{base: c.URL, sources: c.SourceIPs, timeout: handshakeTimeout}
	r.Connections.Attempted = f.connect(ctx, d, c.Subscribers, c.Ramp, &t)
	r.Connections.Seconds = seconds(time.Since(connStart))
	if c.Subscribers > 0 && t.connected.Load() == 0 {
		f.close()
		r.fillConnections(f, &t)
		return r, fmt.Errorf("%w: no stream opened (%v)", ErrNoServer, f.examples)
	}

	sleep(ctx, c.Settle)
	cpuStart, wallStart := selfCPU(), time.Now()
	if r.Server.Before != nil {
		if st, err := scrape(ctx, metricsClient, metricsURL); err != nil {
			r.Server.ScrapeError = "once connected: " + err.Error()
		} else {
			r.Server.Connected = &st
			if n := float64(t.connected.Load()); n > 0 {
				r.Server.KBPerConn = round1((st.RSSBytes - r.Server.Before.RSSBytes) / 1024 / n)
				r.Server.GoroutinesPer = round1((st.Goroutines - r.Server.Before.Goroutines) / n)
			}
		}
	}

	if c.sends() {
		if c.InFlight > 0 {
			out.runClosed(ctx, c.InFlight, c.Duration, c.maxMessages())
		} else {
			out.run(ctx, c.Rate, c.Duration, c.maxMessages())
		}
		drainUntil := time.Now().Add(c.Drain)
		for time.Now().Before(drainUntil) && ctx.Err() == nil {
			if t.deliveries.Load() >= out.expected(f.roomSubs) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	} else {
		sleep(ctx, c.Duration) // hold the idle connections
	}
	stopProgress()
	f.close()

	r.fillConnections(f, &t)
	r.fillMessages(out)
	out.mu.Lock()
	r.Deliveries = tallyDeliveries(f.subs, out.acked, out.ackedRooms)
	out.mu.Unlock()
	r.Deliveries.OtherEvents = t.otherEvents.Load()
	if last := t.lastDelivery.Load(); last > 0 && !out.first.IsZero() {
		span := time.Unix(0, last).Sub(out.first)
		r.Deliveries.Seconds = seconds(span)
		if span > 0 {
			r.Deliveries.PerSecond = float64(t.deliveries.Load()) / span.Seconds()
		}
	}
	r.Latency = latencyOf(&t.latency)
	r.Server.LoadgenCPUPercent = round1(100 * (selfCPU() - cpuStart).Seconds() / time.Since(wallStart).Seconds())

	if r.Server.Before != nil {
		if st, err := scrape(ctx, metricsClient, metricsURL); err != nil && r.Server.ScrapeError == "" {
			r.Server.ScrapeError = "after the run: " + err.Error()
		} else if err == nil {
			r.Server.After = &st
			r.Server.Evictions = st.Evictions - r.Server.Before.Evictions
			if r.Server.Connected != nil {
				r.Server.CPUPercent = round1(100 * (st.CPUSeconds - r.Server.Connected.CPUSeconds) / time.Since(wallStart).Seconds())
			}
		}
	}
	return r, nil
}

func (r *result) fillConnections(f *fleet, t *tally) {
	r.Connections.Established = t.connected.Load()
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, n := range f.failures {
		r.Connections.Failed += n
		if r.Connections.FailedByKind == nil {
			r.Connections.FailedByKind = map[string]int{}
			r.Connections.FailureExample = map[string]string{}
		}
		r.Connections.FailedByKind[k] = n
		r.Connections.FailureExample[k] = f.examples[k]
	}
	for _, s := range f.subs {
		if s.dropped {
			r.Connections.Dropped++
		}
	}
}

func (r *result) fillMessages(o *outbox) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r.Messages = sendStats{
		Attempted:  o.attempted.Load(),
		Created:    o.created.Load(),
		Skipped:    o.skipped.Load(),
		AckLatency: latencyOf(&o.ackLat),
	}
	if len(o.statuses) > 0 {
		r.Messages.ErrorsByStatus = o.statuses
		r.Messages.ErrorExample = o.examples
	}
}

// startProgress prints one line per interval until the returned function
// is called (safe to call more than once).
func startProgress(ctx context.Context, w io.Writer, c config, f *fleet, o *outbox, t *tally) func() {
	if w == nil || c.Progress <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		tk := time.NewTicker(c.Progress)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
			fmt.Fprintf(w, "loadgen %6.1fs connected %d/%d open %d sent %d/%d delivered %d p99 %.2f ms\n",
				time.Since(start).Seconds(), t.connected.Load(), c.Subscribers, t.open.Load(),
				o.created.Load(), o.attempted.Load(), t.deliveries.Load(), ms(t.latency.Quantile(0.99)))
		}
	}()
	return func() { cancel(); <-done }
}

func sleep(ctx context.Context, d time.Duration) {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
	case <-tm.C:
	}
}

func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }
func round1(v float64) float64        { return float64(int64(v*10+0.5)) / 10 }
