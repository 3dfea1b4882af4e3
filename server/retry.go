package server

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// The reconnection time each stream asks its EventSource for, in its
// preamble: retryBase plus a jitter drawn per connection from
// [0, retryJitter). After a restart every browser would otherwise come
// back at the same instant (3 s, EventSource's default), and that
// synchronised wave overflows the kernel's accept queue and delays every
// request, /healthz included; spread over 3 s, 10,000 browsers come back
// at about 3,300 a second. The base leaves a killed node a second to
// start again before the first wave.
const (
	retryBase   = time.Second
	retryJitter = 3 * time.Second
)

// appendRetry appends a retry field line with this connection's
// reconnection time, in milliseconds. It ends no block: the field takes
// effect as it is parsed and the next frame's block (the replay, the
// ticker snapshot) carries it, so the stream has no extra empty block for
// clients to see. It never allocates when b has room.
func appendRetry(b []byte) []byte {
	ms := (retryBase + rand.N(retryJitter)) / time.Millisecond
	b = append(b, "retry: "...)
	b = strconv.AppendInt(b, int64(ms), 10)
	return append(b, '\n')
}
