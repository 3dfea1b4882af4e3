package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
)

// handleSend serves POST /send. The checks run cheapest and most telling
// first; the rate limit runs last among them so that rejected requests do
// not eat a session's burst, and after the idempotency lookup so that an
// outbox retrying a message it already sent is never refused.
func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		return errMethod
	}
	if err := s.checkOrigin(r); err != nil {
		return err
	}
	token, si, err := s.requireSession(r)
	if err != nil {
		return err
	}
	var req tt.SendRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	req, err = req.Validate()
	if err != nil {
		return invalidField(err, http.StatusUnprocessableEntity)
	}
	m, ok, err := s.opts.History.Lookup(si.ID, req.ClientID)
	if err != nil {
		return fmt.Errorf("look up client id: %w", err)
	}
	if ok {
		s.metrics.messages.WithLabelValues("duplicate").Inc()
		writeJSON(w, http.StatusOK, m)
		return nil
	}
	if !s.opts.History.ReserveRoom(req.Room, s.opts.MaxRooms) {
		return errorf(http.StatusConflict, tt.CodeRoomLimit,
			fmt.Sprintf("the server holds its maximum of %d rooms: post in an existing room", s.opts.MaxRooms))
	}
	now := time.Now()
	if ok, retry := s.limits.allow(token, now); !ok {
		s.opts.History.CancelRoom(req.Room) // nothing is stored
		if m, ok := s.lookupStored(r.Context(), si.ID, req.ClientID); ok {
			s.metrics.messages.WithLabelValues("duplicate").Inc()
			writeJSON(w, http.StatusOK, m)
			return nil
		}
		e := *errorf(http.StatusTooManyRequests, tt.CodeRateLimited,
			fmt.Sprintf("too many messages: retry in %d s", retry))
		e.retryAfter = retry
		return &e
	}
	m = tt.ChatMessage{
		Room:     req.Room,
		Nick:     si.Nick,
		Text:     req.Text,
		Time:     now.UTC().Truncate(time.Millisecond),
		ClientID: req.ClientID,
		Sender:   si.ID,
	}
	answered := s.answers.expect(newAnswerKey(si.ID, "", req.ClientID))
	defer answered()
	seq, dup, err := s.opts.Log.Publish(r.Context(), m, dedupID(si.ID, req.ClientID))
	if err != nil {
		s.opts.History.CancelRoom(req.Room)
		return fmt.Errorf("publish message: %w", err)
	}
	if dup {
		orig, err := s.opts.Log.Message(r.Context(), seq)
		if err != nil {
			return fmt.Errorf("read duplicate %d: %w", seq, err)
		}
		s.metrics.messages.WithLabelValues("duplicate").Inc()
		writeJSON(w, http.StatusOK, orig)
		return nil
	}
	for old := s.stored.Load(); seq > old && !s.stored.CompareAndSwap(old, seq); old = s.stored.Load() {
	}
	m.ID = history.FormatID(s.logID, seq)
	s.metrics.messages.WithLabelValues("created").Inc()
	writeAnswer(w, http.StatusCreated, m)
	return nil
}

// storedRetryWait bounds how long a send refused by the rate limit waits
// for the index to catch up with what this node stored.
const storedRetryWait = 2 * time.Second

// lookupStored is the idempotency lookup for a send the rate limit
// refuses: a retry that arrives before the follower has delivered the
// original to the index (its answer was lost, the client retried at once)
// would miss the first lookup and be refused, so this one first waits for
// the index to hold everything this node stored. A retry of a message
// another node stored is found once this node's index has it.
func (s *Server) lookupStored(ctx context.Context, sessionID, clientID string) (tt.ChatMessage, bool) {
	e, ok := s.lookupStoredEntry(ctx, sessionID, "", clientID)
	return e.Msg, ok
}

// lookupStoredEntry is lookupStored for a durable event of kind ("": a
// message).
func (s *Server) lookupStoredEntry(ctx context.Context, sessionID, kind, clientID string) (history.Entry, bool) {
	ctx, cancel := context.WithTimeout(ctx, storedRetryWait)
	defer cancel()
	if !s.opts.History.WaitLast(ctx, s.stored.Load()) {
		return history.Entry{}, false
	}
	e, ok, err := s.opts.History.LookupEntry(sessionID, kind, clientID)
	if err != nil {
		s.log.Warn("look up client id", "err", err)
		return history.Entry{}, false
	}
	return e, ok
}

// dedupID is the chat log's deduplication id of a send: the same session
// retrying the same clientId maps to the same id, on any node, whatever
// nick it holds by then.
func dedupID(sessionID, clientID string) string {
	sum := sha256.Sum256([]byte(history.ClientKey(sessionID, clientID)))
	return hex.EncodeToString(sum[:16])
}
