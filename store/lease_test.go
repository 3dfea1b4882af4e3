package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tickertalk/internal/wait"
)

// leader runs Lead on one Store and records when its fn runs.
type leader struct {
	cancel context.CancelFunc
	done   chan struct{}
	runs   atomic.Int32 // times fn started
	active atomic.Bool
}

// holders counts the fns running across leaders and the most seen at once.
type holders struct {
	now, max atomic.Int32
}

func (h *holders) enter() {
	n := h.now.Add(1)
	for {
		m := h.max.Load()
		if n <= m || h.max.CompareAndSwap(m, n) {
			return
		}
	}
}

func startLeader(t *testing.T, s *Store, name string, h *holders) *leader {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	l := &leader{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		s.Lead(ctx, name, func(ctx context.Context, _ *Lease) {
			h.enter()
			l.runs.Add(1)
			l.active.Store(true)
			<-ctx.Done()
			l.active.Store(false)
			h.now.Add(-1)
		})
	}()
	t.Cleanup(func() { cancel(); <-l.done })
	return l
}

func TestLeadOneHolderAndHandover(t *testing.T) {
	t.Parallel()
	a := openTest(t, testConfig(t))
	b := attachTest(t, a)
	h := &holders{}
	start := time.Now()
	leaders := []*leader{startLeader(t, a, "ticker", h), startLeader(t, b, "ticker", h)}
	holder := func() int {
		for i, l := range leaders {
			if l.active.Load() {
				return i
			}
		}
		return -1
	}
	wait.For(t, time.Second, "first holder", func() bool { return holder() >= 0 })
	t.Logf("first holder after %v", time.Since(start))

	// Several refresh periods: the lease stays where it is.
	first := holder()
	deadline := time.Now().Add(2 * a.cfg.LeaseTTL)
	for time.Now().Before(deadline) {
		if got := holder(); got != first {
			t.Fatalf("holder changed from %d to %d without a reason", first, got)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The holder steps down: the other takes over within a few seconds.
	stepDown := time.Now()
	leaders[first].cancel()
	<-leaders[first].done
	wait.For(t, 3*time.Second, "takeover", func() bool { return leaders[1-first].active.Load() })
	t.Logf("takeover after %v", time.Since(stepDown))

	if m := h.max.Load(); m != 1 {
		t.Fatalf("%d fns ran at once, want 1", m)
	}
	if r := leaders[1-first].runs.Load(); r != 1 {
		t.Fatalf("taker ran fn %d times, want 1", r)
	}
}

// TestLeadAfterUnreleasedLease: a holder that vanished without releasing
// (a crash, or a restart within the TTL) delays the next holder by at most
// the TTL and a bit.
func TestLeadAfterUnreleasedLease(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	if _, err := s.leases.Create(t.Context(), leaseKey("ticker"), []byte("ghost")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	l := startLeader(t, s, "ticker", &holders{})
	ttl := s.cfg.LeaseTTL
	wait.For(t, ttl+time.Second, "lease after the ghost's TTL", l.active.Load)
	took := time.Since(start)
	t.Logf("acquired after %v (TTL %v)", took, ttl)
	if took < ttl/2 {
		t.Fatalf("acquired after %v: the ghost's lease was not respected", took)
	}
}

// TestLeadLosesTakenLease: when another writer takes the record, the holder's
// fn is cancelled within a refresh period, and the holder campaigns again.
func TestLeadLosesTakenLease(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	l := startLeader(t, s, "ticker", &holders{})
	wait.For(t, time.Second, "first holder", l.active.Load)
	e, err := s.leases.Get(t.Context(), leaseKey("ticker"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.leases.Update(t.Context(), leaseKey("ticker"), []byte("usurper"), e.Revision()); err != nil {
		t.Fatal(err)
	}
	ttl := s.cfg.LeaseTTL
	wait.For(t, ttl/3+time.Second, "fn cancelled", func() bool { return !l.active.Load() })
	// The usurper never refreshes: after its TTL, the lease comes back.
	wait.For(t, ttl+2*time.Second, "lease back", func() bool { return l.runs.Load() == 2 && l.active.Load() })
}

func TestLeadNamesAreIndependent(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	var ls []*leader
	for _, name := range []string{"ticker", "presence", "a.b/c d"} {
		ls = append(ls, startLeader(t, s, name, &holders{}))
	}
	for _, l := range ls {
		wait.For(t, time.Second, "every lease", l.active.Load)
	}
}

func TestLeadReturnsOnClose(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	var wg sync.WaitGroup
	var ran atomic.Bool
	wg.Go(func() {
		s.Lead(context.Background(), "ticker", func(ctx context.Context, _ *Lease) {
			ran.Store(true)
			<-ctx.Done()
		})
	})
	wait.For(t, time.Second, "holder", ran.Load)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait() // Lead returned: otherwise the test times out
}

// TestLeadReleasesAfterALostRefreshAnswer: a refresh that landed while its
// answer was lost (the holder stepping down cancels it mid-flight) leaves
// the record at a revision the holder never learnt; stepping down still
// releases it, so the next holder takes over at once, not after the TTL.
func TestLeadReleasesAfterALostRefreshAnswer(t *testing.T) {
	t.Parallel()
	a := openTest(t, testConfig(t))
	b := attachTest(t, a)
	h := &holders{}
	first := startLeader(t, a, "ticker", h)
	wait.For(t, time.Second, "first holder", first.active.Load)
	second := startLeader(t, b, "ticker", h)

	// The landed refresh: same holder id, a new revision.
	e, err := a.leases.Get(t.Context(), leaseKey("ticker"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.leases.Update(t.Context(), leaseKey("ticker"), e.Value(), e.Revision()); err != nil {
		t.Fatal(err)
	}
	stepDown := time.Now()
	first.cancel()
	<-first.done
	ttl := a.cfg.LeaseTTL
	wait.For(t, ttl, "takeover", second.active.Load)
	if took := time.Since(stepDown); took > ttl/2 {
		t.Errorf("takeover after %v: the lease was left to expire (TTL %v)", took, ttl)
	}
}

// TestLeaseTermsAreFenced: the lease fn gets holds while fn runs and not
// after its term ends, and the next term's epoch is larger.
func TestLeaseTermsAreFenced(t *testing.T) {
	t.Parallel()
	a := openTest(t, testConfig(t))
	b := attachTest(t, a)
	terms := make(chan *Lease, 2)
	run := func(s *Store) context.CancelFunc {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.Lead(ctx, "ticker", func(ctx context.Context, l *Lease) {
				if !l.Held() {
					t.Error("a new term does not hold")
				}
				terms <- l
				<-ctx.Done()
			})
		}()
		stop := func() { cancel(); <-done }
		t.Cleanup(stop)
		return stop
	}
	stopA := run(a)
	first := <-terms
	run(b)
	stopA()
	if first.Held() {
		t.Fatal("the first term still holds after its Lead returned")
	}
	var second *Lease
	select {
	case second = <-terms:
	case <-time.After(10 * time.Second):
		t.Fatal("no second term")
	}
	if second.Epoch() <= first.Epoch() {
		t.Fatalf("second epoch %d, first %d: want larger", second.Epoch(), first.Epoch())
	}
}
