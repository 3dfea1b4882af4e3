package server

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters holds one token bucket per session for POST /send. Buckets idle
// long enough to be full again are swept, so the map stays as small as the
// set of sessions sending right now.
type limiters struct {
	every rate.Limit
	burst int

	mu sync.Mutex
	m  map[string]*limiter
}

type limiter struct {
	l    *rate.Limiter
	used time.Time
}

// newLimiters returns limiters allowing perSecond sends with bursts of
// burst; perSecond 0 disables limiting.
func newLimiters(perSecond float64, burst int) *limiters {
	if burst < 1 {
		burst = 1
	}
	return &limiters{every: rate.Limit(perSecond), burst: burst, m: make(map[string]*limiter)}
}

// allow takes one token from key's bucket; when it is empty it returns how
// many whole seconds to wait.
func (l *limiters) allow(key string, now time.Time) (ok bool, retryAfter int) {
	if l.every <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.m[key]
	if b == nil {
		b = &limiter{l: rate.NewLimiter(l.every, l.burst)}
		l.m[key] = b
	}
	b.used = now
	r := b.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, max(1, int(math.Ceil(d.Seconds())))
	}
	return true, 0
}

// sweep forgets buckets that have refilled since their last use.
func (l *limiters) sweep(now time.Time) {
	if l.every <= 0 {
		return
	}
	full := time.Duration(float64(l.burst)/float64(l.every)*float64(time.Second)) + time.Second
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, b := range l.m {
		if now.Sub(b.used) > full {
			delete(l.m, k)
		}
	}
}
