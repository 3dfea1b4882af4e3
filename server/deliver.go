package server

import (
	"encoding/json"
	"fmt"

	tt "tickertalk/app"
	"tickertalk/history"
)

// Deliver takes the next message of the chat log, in log order, from the
// one goroutine that follows the log. It records the message in the history
// index first and then sends it to the room's connections: a connection
// resuming in between reads it from the index and drops the live copy by
// id, so it sees the message exactly once. What goes to connections (and
// to replays) carries no clientId: that is the sender's alone.
func (s *Server) Deliver(m tt.ChatMessage) error {
	seq, ok := history.ParseID(m.ID)
	if !ok {
		return fmt.Errorf("deliver message: bad id %q", m.ID)
	}
	public := m
	public.ClientID = ""
	data, err := json.Marshal(public)
	if err != nil {
		return fmt.Errorf("deliver message %s: %w", m.ID, err)
	}
	if !s.opts.History.Add(history.Entry{Seq: seq, Msg: m, JSON: data}) {
		return nil // already delivered
	}
	s.answers.await(newAnswerKey(m.Sender, "", m.ClientID))
	s.metrics.published.WithLabelValues(tt.EventMessage).Inc()
	s.hub.publishRoom(m.Room, newFrame(tt.KindMessage.Info(), m.ID, data))
	return nil
}
