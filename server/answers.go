package server

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"tickertalk/history"
)

// answers lets this node answer a send before it fans the stored event
// out. The log gives the event to the follower (Deliver) as it gives the
// sender's request its acknowledgement, and a fan-out wakes a goroutine
// per connection of the room: started first, it puts a thousand
// goroutines ahead of each of the few the answer still passes through
// (the store's client, the handler), and the sender waits for all of
// them. So the follower holds an event back until the request that
// stored it on this node has written its answer, for answerWait at most:
// the sender learns first, and the room a fraction of a millisecond
// later. Safe for concurrent use.
type answers struct {
	held atomic.Uint64 // events held back for their answer

	mu      sync.Mutex
	wait    time.Duration // guarded by mu: the longest hold; 0: answerWait
	pending map[answerKey]chan struct{}
}

// answerKey names a stored event by what deduplicates it: the sender's
// session, and the event's client id with its kind (history.Entry's;
// "" for a message).
type answerKey struct{ session, clientID string }

func newAnswerKey(session, kind, clientID string) answerKey {
	if kind != "" {
		clientID = history.EventClientID(kind, clientID)
	}
	return answerKey{session, clientID}
}

// answerWait bounds how long the follower holds an event back for its
// answer: a handler that does not get to write it (a client gone, a
// panic) delays the room's events by that much, once.
const answerWait = 20 * time.Millisecond

// expect registers the answer to the send of k, before the event is
// stored; answered is to be called once it is written (or the request
// failed), and may be called more than once. A second send of the same
// event while the first is pending (a retry) registers nothing.
func (a *answers) expect(k answerKey) (answered func()) {
	ch := make(chan struct{})
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.pending[k]; ok {
		return func() {}
	}
	if a.pending == nil {
		a.pending = make(map[answerKey]chan struct{})
	}
	a.pending[k] = ch
	var once sync.Once
	return func() {
		once.Do(func() {
			a.mu.Lock()
			delete(a.pending, k)
			a.mu.Unlock()
			close(ch)
		})
	}
}

// await returns once the answer to the send of k is written, at once if
// none is pending on this node, or after the longest hold.
func (a *answers) await(k answerKey) {
	a.mu.Lock()
	ch, wait := a.pending[k], a.wait
	a.mu.Unlock()
	if ch == nil {
		return
	}
	a.held.Add(1)
	if wait <= 0 {
		wait = answerWait
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	}
}

// writeAnswer writes an answer to a send and puts it on the wire: the
// fan-out it holds back goes as soon as it is sent, not once net/http
// flushes at the handler's end.
func writeAnswer(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, v)
	_ = http.NewResponseController(w).Flush()
}
