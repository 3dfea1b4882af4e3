package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	tt "tickertalk/app"
)

// Command is one event a client sent with POST [tt.PathEvents], as its
// kind's handler (see [On]) gets it: checked, from a live session.
type Command struct {
	// Session is the id of the sending session: stable across renames,
	// never shown to clients.
	Session string
	// Nick is the session's nickname, for a payload that names its sender.
	Nick string
	// ClientID is the client's idempotency key of the event, valid, or "".
	ClientID string
	// Request is the HTTP request, its body already read.
	Request *http.Request

	reply   *commandReply
	admitFn func() error
}

// From is who the command comes from, for [Publish]: the session and the
// client id, so that a retry is deduplicated and the answer to the client
// carries the id Publish returns.
func (c Command) From() From {
	return From{Session: c.Session, ClientID: c.ClientID, reply: c.reply}
}

// commandReply is what a command's Publish leaves for its answer.
type commandReply struct {
	mu      sync.Mutex
	id      string
	created bool
}

func (r *commandReply) set(id string, created bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.id, r.created = id, created
}

// commandTimeout bounds a command handler's context.
const commandTimeout = 10 * time.Second

// commands holds the handlers of POST /api/events by kind name, and the
// patterns the application added with Handle. Safe for concurrent use.
type commands struct {
	mu       sync.RWMutex
	byKind   map[string]func(ctx context.Context, c Command, data json.RawMessage) error
	patterns map[string]bool
}

// On makes h the handler of the events of kind k that clients send with
// POST [tt.PathEvents] (an [tt.EventRequest]). Before h runs, the server
// checks the request as it checks a send: origin (403), session (401
// no_session), JSON body of at most [tt.MaxBodyBytes] within the body
// timeout, a kind with a handler (else 400 unknown_kind), a valid
// clientId, data that decodes into T without unknown fields (400
// bad_json), T's Validate when T implements [tt.Validator] (422 with the
// error's code), and the session's rate limit (429, the send rate's). A
// durable event already stored under the same session and clientId is
// answered with its id without running h again. h runs with a context
// bounded to 10 s; its error is answered: an *[Error] or *[tt.InvalidError]
// as its 4xx, anything else as 503 (logged). When h returns nil, the
// answer is 201 {"id"} when h published an event with c.From() (200 for
// a duplicate), else 202 {}.
//
// It panics for a control kind or a kind that already has a handler. It
// may be called at any time, from any goroutine; usually once per kind
// before serving.
func On[T any](s *Server, k tt.Kind[T], h func(ctx context.Context, c Command, v T) error) {
	info := k.Info()
	if info.Class == tt.Control {
		panic(fmt.Sprintf("server.On(%s): control events are the server's", info.Name))
	}
	s.commands.mu.Lock()
	defer s.commands.mu.Unlock()
	if _, dup := s.commands.byKind[info.Name]; dup {
		panic(fmt.Sprintf("server.On(%s): a handler is registered already", info.Name))
	}
	if s.commands.byKind == nil {
		s.commands.byKind = make(map[string]func(context.Context, Command, json.RawMessage) error)
	}
	s.commands.byKind[info.Name] = func(ctx context.Context, c Command, data json.RawMessage) error {
		var v T
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			return badJSON(fmt.Errorf("data of %s: %w", info.Name, err))
		}
		if val, ok := any(v).(tt.Validator); ok {
			if err := val.Validate(); err != nil {
				return invalidField(err, http.StatusUnprocessableEntity)
			}
		}
		if err := c.admit(); err != nil {
			return err
		}
		return h(ctx, c, v)
	}
}

// Handle registers h for pattern (a [http.ServeMux] pattern) beside the
// built-in routes, for an application's own endpoints; the method check
// of the built-in paths does not apply to them. It panics, as ServeMux
// does, on a pattern that conflicts with one registered. Safe to call
// while serving.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
	s.commands.mu.Lock()
	defer s.commands.mu.Unlock()
	if s.commands.patterns == nil {
		s.commands.patterns = make(map[string]bool)
	}
	s.commands.patterns[pattern] = true
}

// appRoute reports whether r goes to a handler the application added with
// Handle.
func (cs *commands) appRoute(mux *http.ServeMux, r *http.Request) bool {
	cs.mu.RLock()
	n := len(cs.patterns)
	cs.mu.RUnlock()
	if n == 0 {
		return false
	}
	_, pattern := mux.Handler(r)
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	return cs.patterns[pattern]
}

func (cs *commands) handler(kind string) (func(context.Context, Command, json.RawMessage) error, bool) {
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	h, ok := cs.byKind[kind]
	return h, ok
}

// admit runs once the command's data is valid, before its handler: the
// retry lookup and the rate limit (set by handleEvents).
func (c Command) admit() error {
	if c.admitFn == nil {
		return nil
	}
	return c.admitFn()
}

// storedAlready is what admit returns for a durable event stored already
// under the command's session and clientId: the answer is its id.
type storedAlready struct{ id string }

func (e *storedAlready) Error() string { return "stored already as " + e.id }

// handleEvents serves POST /api/events.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
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
	var req tt.EventRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	h, ok := s.commands.handler(req.Kind)
	if !ok {
		return errorf(http.StatusBadRequest, tt.CodeUnknownKind,
			fmt.Sprintf("kind %q is not an event clients may send", req.Kind))
	}
	if req.ClientID != "" {
		if err := tt.ValidateClientID(req.ClientID); err != nil {
			return invalidField(err, http.StatusUnprocessableEntity)
		}
	}
	if len(bytes.TrimSpace(req.Data)) == 0 || bytes.Equal(bytes.TrimSpace(req.Data), []byte("null")) {
		return badJSON(fmt.Errorf("data of %s is missing", req.Kind))
	}
	reply := &commandReply{}
	c := Command{Session: si.ID, Nick: si.Nick, ClientID: req.ClientID, Request: r, reply: reply}
	kind, durable := req.Kind, false
	if k, _ := tt.LookupKind(req.Kind); k != nil && k.Class == tt.Durable && req.ClientID != "" {
		durable = true
		if kind == tt.EventMessage {
			kind = ""
		}
	}
	c.admitFn = func() error {
		if durable {
			// A retry of an event already stored answers as the first
			// did, before the rate limit: an outbox retrying is never
			// refused.
			if e, ok, err := s.opts.History.LookupEntry(si.ID, kind, req.ClientID); err != nil {
				return fmt.Errorf("look up client id: %w", err)
			} else if ok {
				return &storedAlready{id: e.Msg.ID}
			}
		}
		if ok, retry := s.eventLimits.allow(token, time.Now()); !ok {
			// A retry that beat the follower to the index is found
			// once the index holds what this node stored (see
			// lookupStored).
			if durable {
				if e, ok := s.lookupStoredEntry(r.Context(), si.ID, kind, req.ClientID); ok {
					return &storedAlready{id: e.Msg.ID}
				}
			}
			e := *errorf(http.StatusTooManyRequests, tt.CodeRateLimited,
				fmt.Sprintf("too many events: retry in %d s", retry))
			e.retryAfter = retry
			return &e
		}
		return nil
	}
	if durable {
		answered := s.answers.expect(newAnswerKey(si.ID, kind, req.ClientID))
		defer answered()
	}
	ctx, cancel := context.WithTimeout(r.Context(), commandTimeout)
	defer cancel()
	var stored *storedAlready
	if err := h(ctx, c, req.Data); errors.As(err, &stored) {
		writeJSON(w, http.StatusOK, tt.EventReply{ID: stored.id})
		return nil
	} else if err != nil {
		return err
	}
	reply.mu.Lock()
	id, created := reply.id, reply.created
	reply.mu.Unlock()
	switch {
	case id == "":
		writeJSON(w, http.StatusAccepted, tt.EventReply{})
	case created:
		writeAnswer(w, http.StatusCreated, tt.EventReply{ID: id})
	default:
		writeJSON(w, http.StatusOK, tt.EventReply{ID: id})
	}
	return nil
}
