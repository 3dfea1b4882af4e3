package client

import (
	"errors"
	"io"
	"math/rand/v2"
	"time"
)

// backoff is the wait before the next connection attempt: base (the
// server's retry time) doubled per failed attempt up to max (or base, when
// the server asks for more), plus a random part of up to half of it so that
// clients dropped together do not come back together; at least an error's
// Retry-After.
func backoff(base, max time.Duration, failures int, err error) time.Duration {
	d := base
	for range min(failures, 30) {
		if d >= max {
			break
		}
		d *= 2
	}
	d = min(d, maxDur(max, base))
	d += rand.N(d/2 + 1)
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > d {
		d = ae.RetryAfter + rand.N(ae.RetryAfter/4+1)
	}
	return d
}

func maxDur(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

// watchdog ends a connection that receives nothing for d: every read that
// brings bytes restarts it; it is paused while the caller handles an event,
// which is not the server's silence.
type watchdog struct {
	d time.Duration
	t *time.Timer // nil when d <= 0
}

func newWatchdog(d time.Duration, fire func()) *watchdog {
	w := &watchdog{d: d}
	if d > 0 {
		w.t = time.AfterFunc(d, fire)
	}
	return w
}

func (w *watchdog) pause() {
	if w.t != nil {
		w.t.Stop()
	}
}

func (w *watchdog) resume() {
	if w.t != nil {
		w.t.Reset(w.d)
	}
}

func (w *watchdog) stop() { w.pause() }

// reader returns r whose reads that bring bytes restart the watchdog.
func (w *watchdog) reader(r io.Reader) io.Reader {
	if w.t == nil {
		return r
	}
	return watchedReader{r: r, w: w}
}

type watchedReader struct {
	r io.Reader
	w *watchdog
}

func (r watchedReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.w.t.Reset(r.w.d)
	}
	return n, err
}
