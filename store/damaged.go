package store

import (
	"bytes"
	"context"
	"time"

	"github.com/nats-io/nats.go"
)

// damagedAckWait bounds the wait for the acknowledgement of a write to a
// damaged room, which never comes (see markDamaged).
const damagedAckWait = 500 * time.Millisecond

// landed reports whether msg, whose write was not acknowledged, is the
// last entry of its subject all the same, and its sequence. JetStream
// stores a message to a full room, then fails to drop the room's oldest
// entry when that one is damaged (unreadable), and never answers: the
// message is in the log and followers deliver it.
func (s *Store) landed(msg *nats.Msg, dedupID string) (uint64, bool) {
	ctx, cancel := context.WithTimeout(s.ctx, probeTimeout)
	defer cancel()
	last, err := s.stream.GetLastMsgForSubject(ctx, msg.Subject)
	if err != nil {
		return 0, false
	}
	if dedupID != "" {
		return last.Sequence, last.Header.Get(nats.MsgIdHdr) == dedupID
	}
	return last.Sequence, bytes.Equal(last.Data, msg.Data)
}

// markDamaged records that room holds an entry that cannot be read, so
// that its writes, which then land without an acknowledgement (see
// landed), wait for one only briefly. The room
// keeps its damaged entry, and so more entries than its bound, until the
// log loses it some other way; its index stays bounded.
func (s *Store) markDamaged(room string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.damaged == nil {
		s.damaged = make(map[string]bool)
	}
	if !s.damaged[room] {
		s.damaged[room] = true
		s.log.Error("a room's log holds a damaged entry, which cannot be dropped: its messages are stored all the same, beyond its bound",
			"room", room, "err", err)
	}
}

// isDamaged reports whether markDamaged was called for room.
func (s *Store) isDamaged(room string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.damaged[room]
}
