package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
)

// The application's API. An application declares its event kinds in its
// own package with [tt.Declare] and publishes them with the functions of
// this file, which work the same on one node and across a cluster:
//
//   - [Publish] stores a durable event in the chat log (the same log, and
//     the same id sequence, as chat messages) and returns once it is
//     stored; every node's log follower then delivers it, so it reaches
//     every connection of its room on every node, is replayed on resume
//     and paged by scrollback.
//   - [SetState] sets the latest value of a state kind, for a room or for
//     every connection: each connection gets the current value when it
//     opens, then every change.
//   - [Signal] sends a signal to the room's current connections and
//     forgets it.
//
// State and signal events travel between nodes on the [LiveBus]. None of
// them blocks on a slow client: a connection that cannot keep up is
// evicted, and resumes.
//
// (Methods cannot have type parameters, hence functions taking the
// *Server.)

// Errors of the API, for callers to branch on with errors.Is.
var (
	// ErrWrongClass reports a kind used with a function that is not for
	// its class (Publish takes durable kinds, SetState state kinds, Signal
	// signal kinds; control kinds are the server's).
	ErrWrongClass = errors.New("server: the kind's class does not allow this")
	// ErrServerKind reports a built-in kind whose events the server makes
	// itself (the ticker's update, presence, resync).
	ErrServerKind = errors.New("server: the server makes the events of this kind")
	// ErrTooLarge reports an event whose data is over [tt.MaxBodyBytes].
	ErrTooLarge = errors.New("server: event data too large")
	// ErrNoEventLog reports a durable publish on a server whose log cannot
	// store kinds other than messages (see [Options.Events]).
	ErrNoEventLog = errors.New("server: no log for durable events")
)

// From says who publishes a durable event. The zero From is the
// application itself.
type From struct {
	// Session is the id of the sending session ([Command].Session), which
	// keys deduplication; "" for the application.
	Session string
	// ClientID is the sender's idempotency key: a second Publish of the
	// same kind with the same Session and ClientID, while the first is
	// retained, stores nothing and returns the first's id. "" for none.
	ClientID string

	// reply, set by a Command, receives the id for the command's answer.
	reply *commandReply
}

// Error is an error a command handler (see [On]) returns to answer the
// client with Status (a 4xx) and the JSON error {Msg, Code}. A handler's
// *[tt.InvalidError] is answered 422 with its code; any other error is
// an internal failure, logged and answered 503.
type Error struct {
	Status int
	Code   string
	Msg    string
	// RetryAfter is how long the client should wait before trying again:
	// the answer's Retry-After, in whole seconds rounded up. A 429 without
	// it says 1 s, so that a client never retries at once.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Msg }

// Publish stores v, an event of the durable kind k, in the chat log and
// returns its id (its log position, the SSE id it is delivered with).
// When Publish returns without error the event is stored: it reaches the
// room's connections on every node, in log order with the room's
// messages, through the nodes' log followers, and survives restarts; a
// client resuming from an earlier id gets it exactly once. v's room must
// be valid and, when v implements [tt.Validator], v must pass Validate
// (its error is returned as is). A kind that is message publishes a chat
// message (from.Session its sender, Nick and Text as given). With
// from.ClientID set, a retry is deduplicated (see [From]). The room
// counts against [Options.MaxRooms] like a send's. Safe for concurrent
// use; it blocks only on the log's acknowledgement (bounded by ctx).
func Publish[T any](ctx context.Context, s *Server, k tt.Kind[T], v T, from From) (id string, err error) {
	info := k.Info()
	if info.Class != tt.Durable {
		return "", fmt.Errorf("publish %s: %w", info.Name, ErrWrongClass)
	}
	if val, ok := any(v).(tt.Validator); ok {
		if err := val.Validate(); err != nil {
			return "", err
		}
	}
	room := any(v).(tt.Roomed).EventRoom() // Declare checked that T is Roomed
	if err := tt.ValidateRoom(room); err != nil {
		return "", err
	}
	if m, ok := any(v).(tt.ChatMessage); ok {
		return s.publishMessage(ctx, m, from)
	}
	data, err := k.Encode(v)
	if err != nil {
		return "", err
	}
	if len(data) > tt.MaxBodyBytes {
		return "", fmt.Errorf("publish %s: %w", info.Name, ErrTooLarge)
	}
	e := history.Entry{Kind: info.Name, JSON: data, Msg: tt.ChatMessage{
		Room: room, Sender: from.Session, ClientID: from.ClientID,
		Time: time.Now().UTC().Truncate(time.Millisecond),
	}}
	return s.publishEntry(ctx, e, from)
}

// SetState makes v the latest value of the state kind k: for v's room
// when T implements [tt.Roomed], else for every connection. The room's
// (or every) connection of this node gets it now, those of the other
// nodes when the [LiveBus] brings it, and every connection opened later
// gets it first thing. It is kept in memory only, per node: a node
// started later has it from the next SetState. Two nodes setting the
// same state at the same moment may keep different values until the
// next. It fails with [ErrWrongClass], [ErrServerKind], a room or
// Validate error, or when the bus cannot send (the value is then set on
// this node only). Safe for concurrent use; it never waits for clients.
func SetState[T any](s *Server, k tt.Kind[T], v T) error {
	return s.live.send(k.Info(), tt.State, v)
}

// Signal sends v, an event of the signal kind k, to the connections of
// v's room that are open now, on every node, and forgets it: never
// stored, never replayed, dropped for a connection that is replaying a
// resume. It fails with [ErrWrongClass], a room or Validate error, or
// when the bus cannot send (the local connections have it then). Safe for
// concurrent use; it never waits for clients.
func Signal[T any](s *Server, k tt.Kind[T], v T) error {
	return s.live.send(k.Info(), tt.Signal, v)
}

// publishMessage publishes m as a send does, for Publish.
func (s *Server) publishMessage(ctx context.Context, m tt.ChatMessage, from From) (string, error) {
	m.ID, m.Sender, m.ClientID = "", from.Session, from.ClientID
	// What the log would refuse to deliver (see store.validStored) is
	// refused here, before anything is stored.
	if err := tt.ValidateNick(m.Nick); err != nil {
		return "", err
	}
	text, err := tt.NormalizeText(m.Text)
	if err != nil {
		return "", err
	}
	m.Text = text
	if m.ClientID != "" {
		if err := tt.ValidateClientID(m.ClientID); err != nil {
			return "", err
		}
	}
	if m.Time.IsZero() {
		m.Time = time.Now().UTC().Truncate(time.Millisecond)
	}
	if from.Session != "" && from.ClientID != "" {
		if old, ok, err := s.opts.History.Lookup(from.Session, from.ClientID); err != nil {
			return "", fmt.Errorf("look up client id: %w", err)
		} else if ok {
			from.reply.set(old.ID, false)
			return old.ID, nil
		}
	}
	if !s.opts.History.ReserveRoom(m.Room, s.opts.MaxRooms) {
		return "", errRoomLimit(s.opts.MaxRooms)
	}
	dedup := ""
	if from.ClientID != "" {
		dedup = dedupID(from.Session, from.ClientID)
	}
	seq, dup, err := s.opts.Log.Publish(ctx, m, dedup)
	if err != nil {
		s.opts.History.CancelRoom(m.Room)
		return "", fmt.Errorf("publish message: %w", err)
	}
	s.noteStored(seq)
	id := history.FormatID(s.logID, seq)
	from.reply.set(id, !dup)
	return id, nil
}

// publishEntry stores e, an event of a durable kind other than message.
func (s *Server) publishEntry(ctx context.Context, e history.Entry, from From) (string, error) {
	if s.events == nil {
		return "", fmt.Errorf("publish %s: %w", e.Kind, ErrNoEventLog)
	}
	if from.ClientID != "" {
		if err := tt.ValidateClientID(from.ClientID); err != nil {
			return "", err
		}
	}
	if from.Session != "" && from.ClientID != "" {
		if old, ok, err := s.opts.History.LookupEntry(from.Session, e.Kind, from.ClientID); err != nil {
			return "", fmt.Errorf("look up client id: %w", err)
		} else if ok {
			from.reply.set(old.Msg.ID, false)
			return old.Msg.ID, nil
		}
	}
	if !s.opts.History.ReserveRoom(e.Msg.Room, s.opts.MaxRooms) {
		return "", errRoomLimit(s.opts.MaxRooms)
	}
	dedup := ""
	if from.ClientID != "" {
		dedup = dedupID(from.Session, history.EventClientID(e.Kind, from.ClientID))
	}
	seq, dup, err := s.events.PublishEntry(ctx, e, dedup)
	if err != nil {
		s.opts.History.CancelRoom(e.Msg.Room)
		return "", fmt.Errorf("publish %s: %w", e.Kind, err)
	}
	s.noteStored(seq)
	id := history.FormatID(s.logID, seq)
	from.reply.set(id, !dup)
	return id, nil
}

// noteStored records seq as stored by this node (see lookupStored).
func (s *Server) noteStored(seq uint64) {
	for old := s.stored.Load(); seq > old && !s.stored.CompareAndSwap(old, seq); old = s.stored.Load() {
	}
}

func errRoomLimit(max int) *apiError {
	return errorf(http.StatusConflict, tt.CodeRoomLimit,
		fmt.Sprintf("the server holds its maximum of %d rooms: post in an existing room", max))
}

// Stored returns the retained durable event of room whose id is id, of
// any durable kind (Kind "message" for a chat message, whose Data is the
// message as the stream has it), and whether room holds one: for a
// handler that checks what an event refers to (a reaction's message). An
// id that is not a log position, or of another room, is not found. The
// error means the log could not be read. Safe for concurrent use.
func (s *Server) Stored(room, id string) (tt.StoredEvent, bool, error) {
	seq, ok := history.ParseID(id)
	if !ok {
		return tt.StoredEvent{}, false, nil
	}
	e, ok, err := s.opts.History.Entry(room, seq)
	if err != nil || !ok {
		return tt.StoredEvent{}, false, err
	}
	kind := e.Kind
	if kind == "" {
		kind = tt.EventMessage
	}
	return tt.StoredEvent{Kind: kind, ID: e.Msg.ID, Data: e.JSON}, true, nil
}
