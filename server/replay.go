package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
)

// A resume is replayed by the connection's writer goroutine, a page of
// history at a time, and only when the queue is empty: the writer builds
// the next batch (up to the queue bound) only after the last one went to
// the socket, so a client that does not read holds one batch, however long
// its backlog. History is read outside conn.mu and off r3labs's goroutine:
// a page may wait on the store.
//
// While the replay runs, live events do not enter the queue. Chat messages
// are in the history index before they are published (see Deliver), so a
// live message needs no buffer: the replay reads it from history, and the
// conn notes only its id (replay.live), so that the replay does not end
// before reaching it. Of the other events only the latest of each kind
// matters (`update`, `presence`: states, not increments); they are kept and
// follow the replay. Comments (pings) are dropped: the replay is writing.
// So the stream is: the preamble, the replayed messages in id order (or a
// resync), the snapshots taken at the start, the latest state events, then
// live events, without a gap or a duplicate.

// replay is the state of one connection's resume while it is replayed.
type replay struct {
	// Owned by the conn's writer goroutine.
	after   uint64          // the last message id written (the resume point at first)
	checked bool            // the backlog was checked against the gap rule and the caps
	plan    replayPlan      // what the check found: which rooms replay from where
	pending []history.Entry // the rest of the last page, not written yet

	// Guarded by conn.mu.
	tail     []byte // what follows the snapshot after the replay: presence at the start
	live     uint64 // the highest message id that arrived live during the replay
	update   []byte // the latest live `update` event, to follow the replay
	presence []byte // the latest live `presence` event, to follow the replay
	// states are the live events of the application's state kinds, in
	// order, to follow the replay (at most a queue's worth: beyond, they
	// are dropped).
	states []byte
}

// replayStep says where a replay stands after a batch.
type replayStep int

const (
	replayMore     replayStep = iota // more pages to read
	replayCaughtUp                   // history had nothing after the last id written
	replayOver                       // a resync was written: nothing more is replayed
)

// replaySource is where a conn's writer reads a replay from. Its methods
// run on the writer goroutine, never under conn.mu; they may block on I/O.
// room is the conn's stream key: one room, or several (parseStreamRooms).
type replaySource interface {
	// checkReplay runs once, before the first page: its plan says why the
	// resume cannot or should not be replayed at all (every room past its
	// history, a backlog over the caps), or which rooms resync alone; an
	// error means history cannot be read.
	checkReplay(room string, after uint64) (replayPlan, error)
	// replayPage returns up to max messages of the rooms after after,
	// ascending, as [history.Index.Page] does, each room as plan says.
	replayPage(room string, plan *replayPlan, after uint64, max int) ([]history.Entry, error)
	// appendResync appends a resync event for each room of room to b.
	appendResync(b []byte, room, reason string) []byte
}

// replayPlan is what checkReplay found. Rooms in gaps resync alone (their
// history no longer reaches back) and the others are replayed; a gap
// room's messages after floor (the history's last id at the check) are
// new to the client, and are replayed with the others.
type replayPlan struct {
	resync    string // the reason the whole stream resyncs, or ""
	gaps      []string
	gapReason string
	floor     uint64
}

// errReplayLost reports an empty page while a newer message had already
// arrived live: history lost a message it had published.
var errReplayLost = errors.New("history has no message up to the last one delivered live")

// replayBatch appends the replay's next frames to buf, up to the queue
// bound (plus one message): one page, or the rest of one. live is what
// r.live was before the call. It runs on the writer goroutine, without
// conn.mu. An error means history could not be read.
func (c *conn) replayBatch(r *replay, buf []byte, live uint64) ([]byte, replayStep, error) {
	src := c.cfg.replays
	if !r.checked {
		r.checked = true
		plan, err := src.checkReplay(c.room, r.after)
		if err != nil {
			return buf, replayOver, err
		}
		if plan.resync != "" {
			// Nothing was replayed: live messages from here on are new to
			// the client, whatever id it resumed from (one beyond the log's
			// last, say).
			r.after = 0
			return src.appendResync(buf, c.room, plan.resync), replayOver, nil
		}
		for _, room := range plan.gaps {
			buf = src.appendResync(buf, room, plan.gapReason)
		}
		r.plan = plan
	}
	written := 0
	defer func() {
		c.cfg.replayed.Add(float64(written))
		c.cfg.delivered.Add(float64(written))
	}()
	for len(buf) < c.cfg.maxQueue {
		if len(r.pending) == 0 {
			page, err := src.replayPage(c.room, &r.plan, r.after, c.cfg.pageSize)
			if errors.Is(err, history.ErrGap) {
				return src.appendResync(buf, c.room, "the room's history was trimmed past the replay"), replayOver, nil
			}
			if err != nil {
				return buf, replayOver, fmt.Errorf("replay %s after %d: %w", c.room, r.after, err)
			}
			if len(page) == 0 {
				if live > r.after {
					return buf, replayOver, fmt.Errorf("replay %s after %d, message %d: %w", c.room, r.after, live, errReplayLost)
				}
				return buf, replayCaughtUp, nil
			}
			r.pending = page
		}
		e := r.pending[0]
		r.pending[0] = history.Entry{} // written: the batch holds its frame
		r.pending = r.pending[1:]
		k := entryKind(&e)
		if k == nil { // a kind this program does not declare: the log skipped it
			r.after = e.Seq
			continue
		}
		buf = appendReplayFrame(buf, k, e, c.cfg.maxQueue)
		r.after = e.Seq
		written++
	}
	return buf, replayMore, nil
}

// appendReplayFrame appends e's frame, an event of kind k, to buf, growing
// buf to at most limit, or to exactly what the frame needs beyond it:
// append's own growth would overshoot the queue bound by up to a quarter.
func appendReplayFrame(buf []byte, k *tt.KindInfo, e history.Entry, limit int) []byte {
	need := len(buf) + len("id: \ndata: \nevent: \n\n") + len(e.Msg.ID) + len(e.JSON) + len(k.Name)
	if need > cap(buf) {
		grown := make([]byte, len(buf), min(max(2*cap(buf), need), max(limit, need)))
		copy(grown, buf)
		buf = grown
	}
	return appendFrame(buf, k, e.Msg.ID, e.JSON)
}

// hold takes a live event that arrives while a replay runs (see the top of
// this file); seq is its message id, 0 for any other event. It reports
// whether the conn keeps p (then p is the conn's), and returns the buffer p
// replaces, for the caller to release. The caller holds c.mu.
func (c *conn) hold(p []byte, seq uint64) (kept bool, old []byte) {
	r := c.rep
	switch {
	case seq != 0:
		r.live = max(r.live, seq)
	case bytes.HasSuffix(p, []byte(updateFrameEnd)):
		old, r.update = r.update, p
		return true, old
	case bytes.HasSuffix(p, []byte(presenceFrameEnd)) && r.presence != nil && strings.Contains(c.room, roomSep):
		// A stream of several rooms has a presence per room: each change
		// is kept, in order (at most one a second per room).
		r.presence = append(r.presence, p...)
		return false, nil
	case bytes.HasSuffix(p, []byte(presenceFrameEnd)):
		old, r.presence = r.presence, p
		return true, old
	case isStateFrame(p) && len(r.states)+len(p) <= c.cfg.maxQueue:
		if r.states == nil {
			r.states = c.cfg.bufs.get()
		}
		r.states = append(r.states, p...)
	}
	return false, nil
}

// isStateFrame reports whether p, one event as r3labs writes it (the
// `event:` line last), is of a state kind: signals and comments are not
// kept through a replay.
func isStateFrame(p []byte) bool {
	end := bytes.LastIndex(p, []byte("\nevent: "))
	if end < 0 || !bytes.HasSuffix(p, []byte("\n\n")) {
		return false
	}
	k, ok := tt.LookupKind(string(p[end+len("\nevent: ") : len(p)-2]))
	return ok && k.Class == tt.State
}

// The ends of the state events a replay keeps, as r3labs writes them (the
// `event:` line last).
const (
	updateFrameEnd   = "\nevent: " + tt.EventUpdate + "\n\n"
	presenceFrameEnd = "\nevent: " + tt.EventPresence + "\n\n"
)

// endReplay ends the replay r once it has caught up or written a resync,
// and reports whether it ended: a replay that caught up with history before
// a message that has since arrived live goes on, to read it. The snapshots
// and the live events kept go into the queue, and live messages up to the
// last id written are dropped from then on. The caller holds c.mu.
func (c *conn) endReplay(r *replay, step replayStep) bool {
	if step == replayMore || (step == replayCaughtUp && r.live > r.after) {
		return false
	}
	c.rep = nil
	// Every message of the stream's rooms up to the plan's floor was
	// replayed or, for a room that resynced, is the client's to load:
	// its live copy, whose token may come after the replay, is dropped.
	c.lastID = max(c.lastID, r.after, r.live, r.plan.floor)
	c.snapAt = int32(len(c.queue))
	for _, p := range [][]byte{r.tail, r.update, r.presence, r.states} {
		if p != nil {
			if slot := c.conflate(p); slot != nil { // the tail's presence may be outdated
				*slot = int32(len(c.queue)) + 1
			}
			c.queue = append(c.queue, p...)
			c.cfg.delivered.Inc()
			c.cfg.bufs.put(p)
		}
	}
	r.tail, r.update, r.presence, r.states = nil, nil, nil, nil
	return true
}

// Replay hooks of the server: [replaySource] and the failure report.

// resumeAheadWait bounds how long a resume from beyond the history's last
// message waits for the follower to reach it.
const resumeAheadWait = 2 * time.Second

func (s *Server) checkReplay(room string, after uint64) (replayPlan, error) {
	// A client of a node that went away may resume from a message that
	// node delivered before this node's follower did: wait a moment for
	// it rather than answer resync (an id beyond the history's last). A
	// resume the history already covers, the usual one, makes no timer.
	if after > s.opts.History.Last() {
		ctx, cancel := context.WithTimeout(s.ctx, resumeAheadWait)
		s.opts.History.WaitLast(ctx, after)
		cancel()
	}
	n, size, plan, err := backlogOf(s.opts.History, room, after)
	switch {
	case err != nil:
		return plan, err
	case plan.resync != "":
	case n > s.opts.ReplayMax:
		s.metrics.replayCapped.Inc()
		plan.resync = fmt.Sprintf("%d missed messages: more than the %d a resume replays", n, s.opts.ReplayMax)
	case size > s.opts.ReplayMaxBytes:
		s.metrics.replayCapped.Inc()
		plan.resync = fmt.Sprintf("%d bytes of missed messages: more than the %d a resume replays", size, s.opts.ReplayMaxBytes)
	}
	return plan, nil
}

func (s *Server) replayPage(room string, plan *replayPlan, after uint64, max int) ([]history.Entry, error) {
	return pageOf(s.opts.History, room, plan, after, max)
}

func (s *Server) replayFailed(c *conn, err error) {
	s.metrics.replayErrors.Inc()
	s.log.Error("replay failed: closing the stream for the client to resume", "room", c.room, "remote", c.remote, "err", err)
}
