package server

import "time"

// aheadWait bounds how long a resume from an id beyond this node's history
// waits for the history to reach it. A client that moved from another node
// may hold a message this node's follower has not delivered yet: a few
// milliseconds behind, not a gap. Past the bound, the resume goes on as
// usual (an id the log never reaches resyncs).
const aheadWait = 2 * time.Second

// awaitHistory returns once the history holds id after, after aheadWait,
// or when the server closes. It polls: it runs once per resume that is
// ahead, on that stream's writer goroutine.
func (s *Server) awaitHistory(after uint64) {
	if s.opts.History.Last() >= after {
		return
	}
	deadline := time.NewTimer(aheadWait)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for s.opts.History.Last() < after {
		select {
		case <-s.ctx.Done():
			return
		case <-deadline.C:
			return
		case <-tick.C:
		}
	}
}
