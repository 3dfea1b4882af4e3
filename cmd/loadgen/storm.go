package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	tt "tickertalk/app"
)

// preStormMessages are posted, and received by every subscriber, before
// the restart: every subscriber then reconnects with a Last-Event-ID.
const preStormMessages = 5

// stormResult is what a storm measured. Durations are seconds from the
// restart: the signal, or with "wait" the first stream that ended.
type stormResult struct {
	URL         string `json:"url"`
	Storm       string `json:"storm"`
	Subscribers int    `json:"subscribers"`
	Connected   int    `json:"connected"`

	// ServerDownSeconds is from the signal to the first /healthz answer of
	// the new process (kill, term).
	ServerDownSeconds float64 `json:"serverDownSeconds,omitempty"`
	// ServerExitSeconds is from the signal to the old process's exit, when
	// the new one is started (kill, term): the rest of ServerDownSeconds is
	// the new process's start.
	ServerExitSeconds float64 `json:"serverExitSeconds,omitempty"`
	// AllBackSeconds is when the last subscriber had its stream open again;
	// CompleteSeconds when the last one had every message.
	AllBackSeconds  float64 `json:"allBackSeconds"`
	CompleteSeconds float64 `json:"completeSeconds"`
	Back            int     `json:"back"`
	Complete        int     `json:"complete"`

	Posted     int   `json:"posted"`
	Acked      int   `json:"acknowledged"`
	PostErrors int64 `json:"postRetries"`
	Duplicates int   `json:"duplicates"`
	OutOfOrder int   `json:"outOfOrder"`
	Resyncs    int   `json:"resyncs"`

	FailedAttempts map[string]int    `json:"failedAttempts,omitempty"`
	FailureExample map[string]string `json:"failureExample,omitempty"`
	// ListenOverflows and ListenDrops are the kernel's counters over the
	// storm, for the whole network namespace (-1: unavailable).
	ListenOverflows int64 `json:"listenOverflows"`
	ListenDrops     int64 `json:"listenDrops"`

	Health       latency        `json:"healthLatencyMs"`
	HealthFailed map[string]int `json:"healthFailed,omitempty"`
	Error        string         `json:"error,omitempty"`
}

// ok reports a storm where every subscriber came back with every message,
// once and in order.
func (r *stormResult) ok() bool {
	return r.Error == "" && r.Connected == r.Subscribers && r.Complete == r.Subscribers &&
		r.Back == r.Subscribers && r.Acked == r.Posted && r.Duplicates == 0 && r.OutOfOrder == 0 && r.Resyncs == 0
}

// runStorm connects c.Subscribers reconnecting subscribers, restarts the
// server (or waits for it to be restarted), posts c.StormMessages from the
// restart on, and times until every subscriber is back and has every
// message. It always stops: ctx and a budget derived from c bound it. The
// error is for a storm that could not take place.
func runStorm(ctx context.Context, c config, progress io.Writer) (*stormResult, error) {
	budget := time.Duration(float64(c.Subscribers)/c.Ramp*float64(time.Second)) +
		handshakeTimeout + 2*stopTimeout + c.StormTimeout + time.Minute
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	r := &stormResult{URL: c.URL.String(), Storm: c.Storm, Subscribers: c.Subscribers, ListenOverflows: -1, ListenDrops: -1}
	healthURL := c.URL.JoinPath(tt.PathHealth).String()

	var proc *serverProc
	if len(c.ServerCmd) > 0 {
		proc = newServerProc(c.ServerCmd)
		if err := proc.start(); err != nil {
			return nil, err
		}
		defer proc.stop(syscall.SIGTERM)
	}
	startCtx, startCancel := context.WithTimeout(ctx, time.Minute)
	err := waitHealthy(startCtx, proc, healthURL)
	startCancel()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoServer, err)
	}
	tr := newTransport(c.SourceIPs[0], maxInFlight)
	defer tr.CloseIdleConnections()
	snd, err := newSender(ctx, c.URL, tr, "loadgen-storm", rand.Text()[:4])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoServer, err)
	}
	defer snd.signOut(context.WithoutCancel(ctx))

	// The subscribers, connected at the ramp rate.
	subCtx, closeSubs := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { closeSubs(); wg.Wait() }()
	tally := &stormTally{failures: map[string]int{}, examples: map[string]string{}}
	d := &streamDialer{base: c.URL, sources: c.SourceIPs, timeout: handshakeTimeout}
	subs := make([]*stormSub, c.Subscribers)
	lim := rate.NewLimiter(rate.Limit(c.Ramp), max(1, int(c.Ramp/20)))
	for i := range subs {
		if lim.Wait(ctx) != nil {
			return nil, ctx.Err()
		}
		s := &stormSub{i: i, room: i % c.Rooms}
		subs[i] = s
		wg.Add(1)
		go func() { defer wg.Done(); s.run(subCtx, d, tally, c.ReconnectDelay) }()
	}
	if !pollUntil(ctx, handshakeTimeout+10*time.Second, func() bool { return countSubs(subs, func(s *stormSub) bool { return s.open }) == len(subs) }) {
		r.Connected = countSubs(subs, func(s *stormSub) bool { return s.open })
		return r, fmt.Errorf("%w: only %d of %d streams opened", ErrNoServer, r.Connected, len(subs))
	}
	r.Connected = len(subs)

	// Messages before the storm, so that every subscriber resumes from an id.
	posts := &stormPoster{snd: snd, rooms: c.Rooms, runID: rand.Text()[:8]}
	posts.post(ctx, 0, preStormMessages, 0, time.Now().Add(time.Minute))
	if posts.acked() != preStormMessages {
		return r, fmt.Errorf("%w: %d of %d messages before the storm acknowledged", ErrNoServer, posts.acked(), preStormMessages)
	}
	if !pollUntil(ctx, 30*time.Second, func() bool { return countSubs(subs, posts.receivedAllLocked) == len(subs) }) {
		return r, fmt.Errorf("messages before the storm: %d of %d subscribers got them all", countSubs(subs, posts.receivedAllLocked), len(subs))
	}
	for k := range tally.failures {
		delete(tally.failures, k) // only the storm's attempts are reported
	}

	// The storm.
	o0, d0, dropsOK := listenDrops()
	var t0 time.Time
	switch c.Storm {
	case "term", "kill":
		sig := map[string]syscall.Signal{"term": syscall.SIGTERM, "kill": syscall.SIGKILL}[c.Storm]
		t0 = time.Now()
		if err := proc.stop(sig); err != nil {
			return r, err
		}
		r.ServerExitSeconds = seconds(time.Since(t0))
		if err := proc.start(); err != nil {
			return r, err
		}
	case "wait":
		if progress != nil {
			fmt.Fprintf(progress, "loadgen: %d subscribers connected; restart the server now\n", len(subs))
		}
		if !pollUntil(ctx, c.StormTimeout, func() bool { return countSubs(subs, func(s *stormSub) bool { return s.open }) < len(subs) }) {
			return r, fmt.Errorf("no stream ended within %v: the server was not restarted", c.StormTimeout)
		}
		t0 = time.Now()
	}
	deadline := t0.Add(c.StormTimeout)
	probes := startHealthProbes(ctx, healthURL)
	postDone := make(chan struct{})
	go func() {
		defer close(postDone)
		posts.post(ctx, preStormMessages, c.StormMessages, c.StormSpread, deadline)
	}()
	downDone := make(chan struct{})
	go func() {
		defer close(downDone)
		if c.Storm != "wait" && waitHealthy(ctx, proc, healthURL) == nil {
			r.ServerDownSeconds = seconds(time.Since(t0))
		}
	}()
	complete := func(s *stormSub) bool { return s.connectedAt.After(t0) && s.open && posts.receivedAllLocked(s) }
	stopProgress := stormProgress(ctx, progress, c.Progress, t0, subs, posts, complete)
	pollUntil(ctx, time.Until(deadline), func() bool {
		select {
		case <-postDone:
		default:
			return false
		}
		return countSubs(subs, complete) == len(subs)
	})
	stopProgress()
	probes.stop()
	<-postDone
	<-downDone
	if dropsOK {
		if o1, d1, ok := listenDrops(); ok {
			r.ListenOverflows, r.ListenDrops = o1-o0, d1-d0
		}
	}

	// The figures.
	r.Posted, r.Acked, r.PostErrors = preStormMessages+c.StormMessages, posts.acked(), posts.retries.Load()
	for _, s := range subs {
		s.mu.Lock()
		if s.connectedAt.After(t0) {
			r.Back++
			r.AllBackSeconds = max(r.AllBackSeconds, seconds(s.connectedAt.Sub(t0)))
		}
		if s.connectedAt.After(t0) && posts.receivedAllLocked(s) {
			r.Complete++
			at := s.connectedAt
			if s.lastNew.After(at) {
				at = s.lastNew
			}
			r.CompleteSeconds = max(r.CompleteSeconds, seconds(at.Sub(t0)))
		}
		r.Duplicates += s.dups
		r.OutOfOrder += s.ooo
		r.Resyncs += s.resyncs
		s.mu.Unlock()
	}
	tally.mu.Lock()
	if len(tally.failures) > 0 {
		r.FailedAttempts, r.FailureExample = tally.failures, tally.examples
	}
	tally.mu.Unlock()
	r.Health, r.HealthFailed = probes.result()
	return r, nil
}

// stormPoster posts a storm's messages, each retried until acknowledged.
type stormPoster struct {
	snd     *sender
	rooms   int
	runID   string
	retries atomic.Int64

	mu      sync.Mutex
	ackBits []uint64 // seqs acknowledged, all rooms
	n       int
}

// post sends seqs from..from+n-1, started at even intervals over spread,
// each retried every 50 ms until the server answers 201 or 200 (a retry of
// a message it stored answers 200: the client id makes it idempotent) or
// until deadline. It returns once every one has ended.
func (p *stormPoster) post(ctx context.Context, from, n int, spread time.Duration, deadline time.Time) {
	var wg sync.WaitGroup
	start := time.Now()
	for k := range n {
		if at := start.Add(spread * time.Duration(k) / time.Duration(max(n, 1))); time.Until(at) > 0 {
			sleep(ctx, time.Until(at))
		}
		seq := uint64(from + k)
		wg.Add(1)
		go func() {
			defer wg.Done()
			room := roomName(int(seq % uint64(p.rooms)))
			text := markerText(seq, time.Now(), 60)
			clientID := "storm-" + p.runID + "-" + strconv.FormatUint(seq, 10)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				status, _, err := p.snd.send(pctx, room, text, clientID)
				cancel()
				if err == nil && (status == http.StatusCreated || status == http.StatusOK) {
					p.mu.Lock()
					for uint64(len(p.ackBits)) <= seq/64 {
						p.ackBits = append(p.ackBits, 0)
					}
					p.ackBits[seq/64] |= 1 << (seq % 64)
					p.n++
					p.mu.Unlock()
					return
				}
				p.retries.Add(1)
				sleep(ctx, 50*time.Millisecond)
			}
		}()
	}
	wg.Wait()
}

func (p *stormPoster) acked() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// receivedAllLocked reports whether s got every message acknowledged so
// far in its room; s.mu is held (the lock order is s.mu, then p.mu).
func (p *stormPoster) receivedAllLocked(s *stormSub) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rooms == 1 {
		return s.has(p.ackBits)
	}
	want := make([]uint64, len(p.ackBits))
	for i, w := range p.ackBits {
		for b := range 64 {
			if w&(1<<b) != 0 && (i*64+b)%p.rooms == s.room {
				want[i] |= 1 << b
			}
		}
	}
	return s.has(want)
}

// countSubs counts the subscribers for which f holds, with each one's mu
// held.
func countSubs(subs []*stormSub, f func(*stormSub) bool) int {
	n := 0
	for _, s := range subs {
		s.mu.Lock()
		if f(s) {
			n++
		}
		s.mu.Unlock()
	}
	return n
}

// pollUntil calls f every 20 ms until it holds (true), d has passed or ctx
// ended (false).
func pollUntil(ctx context.Context, d time.Duration, f func() bool) bool {
	end := time.Now().Add(d)
	for {
		if f() {
			return true
		}
		if ctx.Err() != nil || time.Now().After(end) {
			return false
		}
		sleep(ctx, 20*time.Millisecond)
	}
}

// stormProgress prints a line per interval until the returned function is
// called.
func stormProgress(ctx context.Context, w io.Writer, every time.Duration, t0 time.Time, subs []*stormSub, p *stormPoster, complete func(*stormSub) bool) func() {
	if w == nil || every <= 0 {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			sleep(ctx, every)
			// complete takes p.mu under s.mu: no other lock order exists.
			fmt.Fprintf(w, "loadgen storm %6.1fs open %d/%d complete %d acknowledged %d\n", time.Since(t0).Seconds(),
				countSubs(subs, func(s *stormSub) bool { return s.open }), len(subs), countSubs(subs, complete), p.acked())
		}
	}()
	return func() { cancel(); <-done }
}

// writeText prints the storm's report.
func (r *stormResult) writeText(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	p("storm         %s  %s  subscribers=%d (connected %d)", r.Storm, r.URL, r.Subscribers, r.Connected)
	if r.ServerDownSeconds > 0 {
		p("server        the old process exited %.2fs and the new one answered /healthz %.2fs after the signal", r.ServerExitSeconds, r.ServerDownSeconds)
	}
	p("recovery      %d/%d back within %.2fs, %d/%d complete (every message once, in order) within %.2fs of the restart",
		r.Back, r.Subscribers, r.AllBackSeconds, r.Complete, r.Subscribers, r.CompleteSeconds)
	p("messages      %d of %d acknowledged (%d posts retried), duplicates %d, out of order %d, resyncs %d",
		r.Acked, r.Posted, r.PostErrors, r.Duplicates, r.OutOfOrder, r.Resyncs)
	p("healthz       p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%d answers)", r.Health.P50, r.Health.P99, r.Health.Max, r.Health.Count)
	for _, k := range sortedKeys(r.HealthFailed) {
		p("              failed %-20s %d", k, r.HealthFailed[k])
	}
	for _, k := range sortedKeys(r.FailedAttempts) {
		p("attempts      failed %-20s %d  e.g. %s", k, r.FailedAttempts[k], r.FailureExample[k])
	}
	if r.ListenOverflows >= 0 {
		p("kernel        %s (whole machine, during the storm)", describeDrops(r.ListenOverflows, r.ListenDrops))
	}
	if r.Error != "" {
		p("error         %s", r.Error)
	}
	verdict := "OK"
	if !r.ok() {
		verdict = "FAILED (see above)"
	}
	p("verdict       %s", verdict)
}
