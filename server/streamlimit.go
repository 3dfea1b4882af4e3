package server

import (
	"net/http"
	"net/netip"
	"sync"

	tt "tickertalk/app"
)

// streamRetryAfter is the Retry-After, in seconds, of a stream refused
// because a cap is reached: long enough for other streams to end, short
// enough that a page comes back soon after they do.
const streamRetryAfter = 10

var (
	errTooManyStreams = &apiError{status: http.StatusServiceUnavailable, code: tt.CodeTooManyStreams,
		msg: "this server has too many open streams, retry later", retryAfter: streamRetryAfter}
	errTooManyStreamsAddr = &apiError{status: http.StatusServiceUnavailable, code: tt.CodeTooManyStreams,
		msg: "too many open streams from your address, close some or retry later", retryAfter: streamRetryAfter}
)

// streamLimits counts the open streams, in total and per client address,
// against their caps (0: no cap). Loopback addresses count only against the
// total: they are this machine, such as a reverse proxy in front of the
// node, whose clients a per-address cap would limit all together. It is
// safe for concurrent use; each acquire that succeeds must be paired with
// one release of the same key.
type streamLimits struct {
	maxTotal, maxPerAddr int
	capLoopback          bool // see Options.capLoopback

	mu     sync.Mutex
	total  int
	byAddr map[netip.Addr]int // only addresses with open streams
}

func newStreamLimits(maxTotal, maxPerAddr int, capLoopback bool) *streamLimits {
	return &streamLimits{maxTotal: maxTotal, maxPerAddr: maxPerAddr, capLoopback: capLoopback,
		byAddr: make(map[netip.Addr]int)}
}

// acquire counts one more stream from key, or returns the 503 to answer
// when a cap is reached (and counts nothing).
func (l *streamLimits) acquire(key netip.Addr) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.maxTotal > 0 && l.total >= l.maxTotal {
		return errTooManyStreams
	}
	n := l.byAddr[key]
	if l.maxPerAddr > 0 && n >= l.maxPerAddr && (l.capLoopback || !key.IsLoopback()) {
		return errTooManyStreamsAddr
	}
	l.total++
	l.byAddr[key] = n + 1
	return nil
}

// release counts one stream from key less.
func (l *streamLimits) release(key netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if n := l.byAddr[key]; n > 1 {
		l.byAddr[key] = n - 1
	} else {
		delete(l.byAddr, key)
	}
}

// streamKey is what a stream from client address a counts under: the
// address, with IPv4-mapped IPv6 unmapped and IPv6 reduced to its /64 (one
// subscriber usually holds a whole /64, so a cap on single IPv6 addresses
// would cap nothing), except ::1, which stays loopback.
func streamKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() && !a.IsLoopback() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}
