package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	tt "tickertalk/app"
)

// LiveBus carries state and signal events between the nodes of a cluster
// (core NATS: at most once, nothing stored). Each node applies what it
// sends at once and what the others send as it arrives.
type LiveBus interface {
	// PublishLive sends data to every subscriber of the cluster. It must
	// not block on slow subscribers; it fails only when data cannot be sent.
	PublishLive(data []byte) error
	// SubscribeLive calls fn with every payload published after it
	// returns, its own included, from one goroutine at a time. stop
	// unsubscribes.
	SubscribeLive(fn func(data []byte)) (stop func(), err error)
}

// maxStates bounds the (room, kind) pairs of state a node keeps: a state
// per room of every room ever set would otherwise grow without bound.
const maxStates = 100_000

// errTooManyStates reports a SetState past maxStates.
var errTooManyStates = errors.New("server: too many rooms with a state")

// liveMsg is one message on the live bus.
type liveMsg struct {
	Node string          `json:"node"`
	Kind string          `json:"kind"`
	Room string          `json:"room,omitempty"`
	Data json.RawMessage `json:"data"`
}

// live holds this node's latest value of every state kind (per room, ""
// for every connection) as ready SSE frames, and sends and receives
// state and signal events. Safe for concurrent use.
type liveEvents struct {
	s *Server

	mu     sync.RWMutex
	states map[string]map[string][]byte // room -> kind -> frame
	count  int
}

func newLive(s *Server) *liveEvents {
	return &liveEvents{s: s, states: make(map[string]map[string][]byte)}
}

// send checks v, an event of kind k that must be of class want, applies
// it on this node and sends it to the others.
func (l *liveEvents) send(k *tt.KindInfo, want tt.Class, v any) error {
	if k.Class != want {
		return fmt.Errorf("%v %s: %w", want, k.Name, ErrWrongClass)
	}
	if k.Name == tt.EventUpdate || k.Name == tt.EventPresence {
		return fmt.Errorf("set %s: %w", k.Name, ErrServerKind)
	}
	if val, ok := v.(tt.Validator); ok {
		if err := val.Validate(); err != nil {
			return err
		}
	}
	room := ""
	if r, ok := v.(tt.Roomed); ok {
		room = r.EventRoom()
		if err := tt.ValidateRoom(room); err != nil {
			return err
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", k.Name, err)
	}
	if len(data) > tt.MaxBodyBytes {
		return fmt.Errorf("%v %s: %w", want, k.Name, ErrTooLarge)
	}
	if err := l.apply(k, room, data); err != nil {
		return err
	}
	bus := l.s.opts.Live
	if bus == nil {
		return nil
	}
	msg, err := json.Marshal(liveMsg{Node: l.s.opts.NodeID, Kind: k.Name, Room: room, Data: data})
	if err != nil {
		return fmt.Errorf("encode %s for the bus: %w", k.Name, err)
	}
	if err := bus.PublishLive(msg); err != nil {
		return fmt.Errorf("send %s to the other nodes: %w", k.Name, err)
	}
	return nil
}

// apply delivers one state or signal event to this node's connections,
// keeping a state's frame for the connections to come.
func (l *liveEvents) apply(k *tt.KindInfo, room string, data []byte) error {
	f := newFrame(k, "", data)
	if k.Class == tt.State {
		l.mu.Lock()
		byKind := l.states[room]
		if byKind == nil {
			byKind = make(map[string][]byte)
			l.states[room] = byKind
		}
		if _, ok := byKind[k.Name]; !ok {
			if l.count >= maxStates {
				l.mu.Unlock()
				return fmt.Errorf("set %s of %q: %w", k.Name, room, errTooManyStates)
			}
			l.count++
		}
		byKind[k.Name] = f.b
		l.mu.Unlock()
	}
	l.s.metrics.published.WithLabelValues(k.Name).Inc()
	if room == "" {
		l.s.hub.publishAll(f)
	} else {
		l.s.hub.publishRoom(room, f)
	}
	return nil
}

// receive applies one message of the live bus from another node. What
// this node sent, or what does not decode as a state or signal event of a
// declared kind naming a valid room, is dropped (logged at debug). It
// runs on the bus's goroutine.
func (l *liveEvents) receive(data []byte) {
	if err := l.receiveErr(data); err != nil {
		l.s.log.Debug("live bus: message ignored", "err", err)
	}
}

func (l *liveEvents) receiveErr(data []byte) error {
	if len(data) > 2*tt.MaxBodyBytes {
		return fmt.Errorf("%d bytes", len(data))
	}
	var m liveMsg
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	if m.Node == l.s.opts.NodeID {
		return nil
	}
	k, ok := tt.LookupKind(m.Kind)
	if !ok || (k.Class != tt.State && k.Class != tt.Signal) || k.Name == tt.EventUpdate || k.Name == tt.EventPresence {
		return fmt.Errorf("kind %q", m.Kind)
	}
	v, err := k.Decode(m.Data)
	if err != nil {
		return err
	}
	room := ""
	if r, ok := v.(tt.Roomed); ok {
		room = r.EventRoom()
	}
	if room != m.Room || (room != "" && tt.ValidateRoom(room) != nil) {
		return fmt.Errorf("%s for room %q names %q", m.Kind, m.Room, room)
	}
	public, err := json.Marshal(v) // only the type's fields reach clients
	if err != nil {
		return err
	}
	return l.apply(k, room, public)
}

// appendStates appends the current state frames of room ("": those of
// every connection) to b.
func (l *liveEvents) appendStates(b []byte, room string) []byte {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, frame := range l.states[room] {
		b = append(b, frame...)
	}
	return b
}

// subscribe joins the live bus; stop leaves it. Without a bus it does
// nothing.
func (l *liveEvents) subscribe() (stop func()) {
	bus := l.s.opts.Live
	if bus == nil {
		return func() {}
	}
	stop, err := bus.SubscribeLive(l.receive)
	if err != nil {
		l.s.log.Error("live bus: subscribe; states and signals stay local", "err", err)
		return func() {}
	}
	return stop
}
