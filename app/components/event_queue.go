package components

import "sync"

// eventQueue holds the events of one stream that arrived since the UI
// goroutine last took them. A resume can replay thousands of messages in a
// few seconds; taking them in batches (see [eventBatchDelay]) lets the page
// merge, store and scroll once per batch instead of once per event. It is safe
// for concurrent use: push runs on the JavaScript event loop, take on the
// UI goroutine.
type eventQueue struct {
	mu     sync.Mutex
	events []sseEvent
}

// push appends ev, in arrival order, and reports whether the queue was
// empty: only then must the caller schedule a take, which will also see
// every event pushed until it runs.
func (q *eventQueue) push(ev sseEvent) (first bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.events = append(q.events, ev)
	return len(q.events) == 1
}

// take returns the queued events in arrival order and empties the queue.
func (q *eventQueue) take() []sseEvent {
	q.mu.Lock()
	defer q.mu.Unlock()
	evs := q.events
	q.events = nil
	return evs
}
