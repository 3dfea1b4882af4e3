package components

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// cacheWriteDelay is how long a write to the offline cache may wait. A
// resume that replays thousands of messages then costs a few writes instead
// of one JSON encoding of the room and one localStorage write per message;
// what a tab killed without a pagehide can lose is this much of the newest
// events, which the stream replays anyway.
const cacheWriteDelay = 300 * time.Millisecond

// coalescer puts off writes and keeps only the last value set for each key.
//
// It promises:
//   - set never writes: the value is written at most delay after the first
//     set since the last write, by one timer armed only while something is
//     pending (nothing runs while nothing is pending);
//   - N sets of a key before that write cost one write, of the last value;
//   - flush writes every pending value at once, in key order, and disarms
//     the timer;
//   - an older value of a key is never written after a newer one.
//
// It is safe for concurrent use, so that a JavaScript callback (pagehide)
// can flush on the event loop, where a dispatched flush could run after the
// page is gone. Values given to set must not be modified afterwards: they
// are encoded when written, maybe on the timer's goroutine.
type coalescer struct {
	delay time.Duration
	write func(key string, v any)

	mu      sync.Mutex // held while writing, so writes of a key stay in order
	pending map[string]any
	timer   *time.Timer
}

func newCoalescer(delay time.Duration, write func(key string, v any)) *coalescer {
	return &coalescer{delay: delay, write: write}
}

// set records v as the value to write for key.
func (c *coalescer) set(key string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = make(map[string]any)
	}
	c.pending[key] = v
	if c.timer == nil {
		c.timer = time.AfterFunc(c.delay, c.flush)
	}
}

// flush writes what is pending now. It is a no-op on a nil coalescer (a
// page that never mounted) and when nothing is pending.
func (c *coalescer) flush() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	for _, key := range slices.Sorted(maps.Keys(c.pending)) {
		c.write(key, c.pending[key])
	}
	c.pending = nil
}
