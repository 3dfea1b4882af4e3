package market

import (
	"context"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/wait"
)

// counter records the updates Run publishes.
type counter struct {
	mu      sync.Mutex
	times   []time.Time
	updates []tt.TickerUpdate
}

func (c *counter) publish(u tt.TickerUpdate) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.times = append(c.times, time.Now())
	c.updates = append(c.updates, u)
}

func (c *counter) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.times)
}

// startRun runs m until the test ends and reports when Run has returned.
func startRun(t *testing.T, m *Market, publish func(tt.TickerUpdate)) (cancel func(), done <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		m.Run(ctx, publish)
	}()
	t.Cleanup(func() {
		cancel()
		<-ch
	})
	return cancel, ch
}

func TestRunTicksAtInterval(t *testing.T) {
	const tick = 50 * time.Millisecond
	m := mustNew(t, Config{Seed: 1, Tick: tick})
	var c counter
	start := time.Now()
	cancel, done := startRun(t, m, c.publish)
	// Count over a window of about 1 s: 20 ticks of 50 ms fit; ask for 10.
	wait.For(t, 5*time.Second, "a 1 s window", func() bool { return time.Since(start) >= time.Second })
	n, elapsed := c.len(), time.Since(start)
	if max := int(elapsed/tick) + 1; n > max {
		t.Errorf("%d updates in %v: more than one per %v tick (max %d)", n, elapsed, tick, max)
	}
	if n < 10 {
		t.Errorf("%d updates in %v, want at least 10", n, elapsed)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	after := c.len()
	time.Sleep(3 * tick) // give a wrongly running Run the chance to publish
	if c.len() != after {
		t.Error("Run published after it returned")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, u := range c.updates {
		if len(u.Quotes) != len(DefaultSymbols()) {
			t.Fatalf("update %d has %d quotes", i, len(u.Quotes))
		}
	}
	t.Logf("%d updates in %v at a %v tick", n, elapsed.Round(time.Millisecond), tick)
}

func TestRunSlowPublishDoesNotPileUp(t *testing.T) {
	const tick = 20 * time.Millisecond
	m := mustNew(t, Config{Seed: 1, Tick: tick})
	var c counter
	slow := func(u tt.TickerUpdate) {
		if c.len() == 0 {
			time.Sleep(10 * tick) // a publisher stuck for 10 ticks
		}
		c.publish(u)
	}
	startRun(t, m, slow)
	wait.For(t, 5*time.Second, "5 updates", func() bool { return c.len() >= 5 })
	c.mu.Lock()
	defer c.mu.Unlock()
	// After the stall at most one tick is pending: the update right after
	// it may come at once (sooner still if the scheduler delayed it), but
	// never a burst of the ten missed ticks.
	burst := 0
	for _, at := range c.times[1:] {
		if at.Sub(c.times[1]) < tick/2 {
			burst++
		}
	}
	if burst > 2 {
		t.Fatalf("%d updates within %v after a slow publish: ticks piled up", burst, tick/2)
	}
}
