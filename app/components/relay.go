package components

import (
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// Names the tabs of one browser (one origin) share: the Web Lock whose
// holder owns the stream, and the BroadcastChannel it relays on.
const (
	streamLockName = "tickertalk-stream"
	relayChannel   = "tickertalk-stream"
)

// Kinds of relay messages (their "t" field).
const (
	relayEvent = "ev"    // holder → tabs: one server-sent event: n(ame), d(ata), i(d)
	relayState = "st"    // holder → tabs: its EventSource's readyState, s
	relayHello = "hello" // a new tab → holder: send your state and the latest states
	relayRooms = "rooms" // a tab → holder: the joined rooms changed; r: reopen even if not
)

// holderSilence is how long a visible tab that waits for the lock hears
// nothing from the holder before it takes the lock from it: a holder that
// lives relays a ticker update every second and its state every tick, so
// this one is frozen (a discarded or suspended page keeps its lock).
const holderSilence = 20 * time.Second

// streamHooks is what a [sharedStream] tells the page. Event runs on the
// JavaScript event loop (copy, queue, dispatch); the others run on the UI
// goroutine.
type streamHooks struct {
	Event func(sseEvent)
	// Open and Error report the state of the stream the tab reads, its own
	// or the holder's: Error gets the readyState after the change.
	Open  func()
	Error func(readyState int)
	// Start reports, once, how the tab's first stream began: own with the
	// id its EventSource resumes after ("" for none), or relayed from a
	// holder that was already streaming.
	Start func(own bool, resumedAfter string)
}

// sharedStream is the tab's end of the browser's one event stream. One tab
// holds the Web Lock streamLockName and with it the only EventSource,
// whose every event it relays, in order, on the BroadcastChannel
// relayChannel; the other tabs wait for the lock and read the relay. When
// the holder goes (closed, crashed, hidden in the back/forward cache, or
// silent for holderSilence), a waiting tab gets the lock and opens the
// stream after the last event id it has seen: the tabs saw the same events
// in the same order, so none misses or repeats one. Without Web Locks or
// BroadcastChannel every tab holds a stream of its own.
//
// Its methods are called on the UI goroutine; JavaScript callbacks touch
// only what mu guards and dispatch the rest with do.
type sharedStream struct {
	hooks streamHooks
	rooms func() []string // the rooms the stream must carry
	do    func(func())    // runs f on the UI goroutine

	locks, bc app.Value // nil when missing: each tab streams alone
	onBC      app.Func
	abort     app.Value // AbortController of the waiting lock request
	release   app.Value // resolves the held lock's promise
	gen       int       // counts lock requests: an answer to an older one is stale
	holding   bool      // this tab's es is the stream (always, without the APIs)
	suspended bool      // the page is hidden in the back/forward cache
	started   bool      // hooks.Start has run
	es        *eventStream
	esRooms   []string
	remote    int // the holder's readyState, as last relayed

	mu     sync.Mutex
	heard  time.Time              // when the holder was last heard from
	last   string                 // newest event id seen, own or relayed
	states map[stateKey]relayPair // holder: the last event of each state kind and room
}

// relayPair is one event as relayed.
type relayPair struct{ name, data, id string }

// newSharedStream returns a stream that starts with start; last is the id
// to resume after ("" for none).
func newSharedStream(last string, rooms func() []string, do func(func()), hooks streamHooks) *sharedStream {
	s := &sharedStream{hooks: hooks, rooms: rooms, do: do, last: last, remote: esConnecting}
	if app.IsClient {
		nav := app.Window().Get("navigator")
		if l := nav.Get("locks"); l.Truthy() && app.Window().Get("BroadcastChannel").Truthy() {
			s.locks = l
		}
	}
	return s
}

// start joins the browser's stream: holding it when no tab does, else
// reading the relay.
func (s *sharedStream) start() {
	if s.locks == nil {
		s.holding = true
		s.openOwn()
		return
	}
	s.bc = app.Window().Get("BroadcastChannel").New(relayChannel)
	s.onBC = app.FuncOf(func(_ app.Value, args []app.Value) any {
		s.onRelay(arg0(args).Get("data"))
		return nil
	})
	s.bc.Call("addEventListener", "message", s.onBC)
	s.request(map[string]any{"ifAvailable": true})
}

// lastID is the newest event id the tab has seen.
func (s *sharedStream) lastID() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// note records ev's id as the newest seen when it is.
func (s *sharedStream) note(ev sseEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev.LastEventID != "" && idLess(s.last, ev.LastEventID) {
		s.last = ev.LastEventID
	}
}

// request asks for the lock with opts (ifAvailable, steal), or waits for
// it when opts is nil.
func (s *sharedStream) request(opts map[string]any) {
	s.gen++
	gen := s.gen
	if opts == nil {
		s.abort = app.Window().Get("AbortController").New()
		opts = map[string]any{"signal": s.abort.Get("signal")}
	}
	granted := app.FuncOf(func(_ app.Value, args []app.Value) any {
		if lock := arg0(args); !lock.Truthy() {
			s.do(func() { s.follow(gen) })
			return nil
		}
		var resolve app.Value
		executor := app.FuncOf(func(_ app.Value, args []app.Value) any {
			resolve = arg0(args)
			return nil
		})
		promise := app.Window().Get("Promise").New(executor) // runs executor at once
		executor.Release()
		s.do(func() { s.hold(gen, resolve) })
		return promise
	})
	then(s.locks.Call("request", streamLockName, opts, granted),
		func(app.Value) { granted.Release() },
		func(string) { granted.Release(); s.do(func() { s.lost(gen) }) })
}

// follow runs when another tab holds the lock at start: read its relay,
// and wait for the lock.
func (s *sharedStream) follow(gen int) {
	if gen != s.gen || s.suspended {
		return
	}
	s.hear()
	if !s.started {
		s.started = true
		s.hooks.Start(false, "")
	}
	s.post(map[string]any{"t": relayHello})
	s.request(nil)
}

// hold runs when the lock is granted: open the stream after the last id
// seen.
func (s *sharedStream) hold(gen int, resolve app.Value) {
	if gen != s.gen || s.suspended {
		resolve.Invoke()
		return
	}
	s.release, s.holding = resolve, true
	s.openOwn()
}

// lost runs when a lock request ends in failure: aborted by suspend, or
// the lock taken by a tab that found this one silent.
func (s *sharedStream) lost(gen int) {
	if gen != s.gen || s.suspended {
		return
	}
	s.drop()
	s.request(nil)
}

// drop gives up the stream: closes the EventSource, releases the lock.
func (s *sharedStream) drop() {
	if s.holding && s.bc != nil {
		s.post(map[string]any{"t": relayState, "s": esConnecting})
	}
	s.es.close()
	s.es = nil
	if s.release != nil {
		s.release.Invoke()
		s.release = nil
	}
	if s.locks != nil {
		s.holding = false
		s.remote = esConnecting
	}
}

// openOwn (re)opens this tab's EventSource on the rooms, after the last
// id seen.
func (s *sharedStream) openOwn() {
	s.es.close()
	last := s.lastID()
	s.esRooms = s.rooms()
	s.es = openStream(streamURL(s.esRooms, last), tt.KindNames(), streamHandlers{
		Event: func(ev sseEvent) {
			s.note(ev)
			s.relay(ev)
			s.hooks.Event(ev)
		},
		Open: func() {
			s.post(map[string]any{"t": relayState, "s": esOpen})
			s.do(s.hooks.Open)
		},
		Error: func(rs int) {
			s.post(map[string]any{"t": relayState, "s": rs})
			s.do(func() { s.hooks.Error(rs) })
		},
	})
	s.post(map[string]any{"t": relayState, "s": esConnecting})
	if !s.started {
		s.started = true
		s.hooks.Start(true, last)
	}
}

// relay sends ev to the other tabs; the holder keeps the last event of
// each state kind and room (presence...) for tabs that join later.
func (s *sharedStream) relay(ev sseEvent) {
	if info, ok := tt.LookupKind(ev.Name); ok && info.Class == tt.State {
		if v, err := info.Decode([]byte(ev.Data)); err == nil {
			s.mu.Lock()
			if s.states == nil {
				s.states = make(map[stateKey]relayPair)
			}
			s.states[stateKey{ev.Name, roomOf(v)}] = relayPair{ev.Name, ev.Data, ev.LastEventID}
			s.mu.Unlock()
		}
	}
	s.post(map[string]any{"t": relayEvent, "n": ev.Name, "d": ev.Data, "i": ev.LastEventID})
}

// stateKey names the latest value of one state kind in one room ("" for a
// state of no room, the ticker).
type stateKey struct{ kind, room string }

// post sends one relay message to the other tabs, if there are any.
func (s *sharedStream) post(m map[string]any) {
	if s.bc != nil {
		s.bc.Call("postMessage", m)
	}
}

// onRelay handles a message of another tab, on the JavaScript event loop.
func (s *sharedStream) onRelay(m app.Value) {
	if !m.Truthy() {
		return
	}
	switch m.Get("t").String() {
	case relayEvent:
		ev := sseEvent{Name: m.Get("n").String(), Data: m.Get("d").String(), LastEventID: m.Get("i").String()}
		s.note(ev)
		s.hear()
		s.hooks.Event(ev)
	case relayState:
		rs := m.Get("s").Int()
		s.do(func() { s.onHolderState(rs) })
	case relayHello:
		s.do(s.greet)
	case relayRooms:
		force := m.Get("r").Truthy()
		s.do(func() { s.roomsChanged(force, false) })
	}
}

// hear records that the holder spoke: on the JavaScript event loop for
// events (a dispatch per event would render the page per event).
func (s *sharedStream) hear() {
	s.mu.Lock()
	s.heard = time.Now()
	s.mu.Unlock()
}

// silence is how long the holder has not been heard from.
func (s *sharedStream) silence() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Since(s.heard)
}

// onHolderState applies the state the holder relayed.
func (s *sharedStream) onHolderState(rs int) {
	s.hear()
	if s.holding {
		return
	}
	was := s.remote
	s.remote = rs
	switch {
	case rs == esOpen && was != esOpen:
		s.hooks.Open()
	case rs != esOpen:
		s.hooks.Error(rs)
	}
}

// greet tells a tab that just joined the holder's state and the latest
// value of each state kind and room.
func (s *sharedStream) greet() {
	if !s.holding {
		return
	}
	s.post(map[string]any{"t": relayState, "s": s.es.readyState()})
	s.mu.Lock()
	pairs := make([]relayPair, 0, len(s.states))
	for _, p := range s.states {
		pairs = append(pairs, p)
	}
	s.mu.Unlock()
	for _, p := range pairs {
		s.post(map[string]any{"t": relayEvent, "n": p.name, "d": p.data, "i": p.id})
	}
}

// roomsChanged reopens the stream when the rooms it must carry changed,
// or always with force (a new session, for presence). A tab that does not
// hold the stream passes it on to the holder when tell is set.
func (s *sharedStream) roomsChanged(force, tell bool) {
	if s == nil {
		return
	}
	if !s.holding {
		if tell {
			s.post(map[string]any{"t": relayRooms, "r": force})
		}
		return
	}
	if s.suspended || (!force && sameRooms(s.esRooms, s.rooms())) {
		return
	}
	s.openOwn()
}

// readyState is the state of the stream the tab reads: its own, or the
// holder's as relayed.
func (s *sharedStream) readyState() int {
	if s == nil {
		return esClosed
	}
	if s.holding {
		return s.es.readyState()
	}
	return s.remote
}

// role is "own" while the tab reads its own EventSource, "relay" while it
// reads another tab's, and "" before the stream starts.
func (s *sharedStream) role() string {
	switch {
	case s == nil:
		return ""
	case s.holding:
		return "own"
	}
	return "relay"
}

// tick runs on the page's timer: the holder tells its state (the others
// hear it is alive), a visible waiting tab takes the lock from a silent
// holder, and a stream the browser gave up on is reopened.
func (s *sharedStream) tick() {
	switch {
	case s == nil:
	case s.suspended:
	case s.holding && s.es.readyState() == esClosed && browserOnline():
		s.openOwn()
	case s.holding:
		s.post(map[string]any{"t": relayState, "s": s.es.readyState()})
	case !documentHidden() && s.silence() > holderSilence:
		s.hear()
		if s.abort != nil {
			s.abort.Call("abort")
		}
		s.request(map[string]any{"steal": true})
	}
}

// suspend gives the stream up while the page is hidden in the
// back/forward cache (another tab takes it); resume takes part again. It
// is safe from a JavaScript callback (pagehide).
func (s *sharedStream) suspend() {
	if s == nil || s.suspended {
		return
	}
	s.suspended = true
	if s.abort != nil {
		s.abort.Call("abort")
		s.abort = nil
	}
	s.drop()
}

// resume undoes suspend, and reopens a stream of this tab's that the
// browser gave up on.
func (s *sharedStream) resume() {
	if s == nil {
		return
	}
	if !s.suspended {
		if s.holding && s.es.readyState() == esClosed && browserOnline() {
			s.openOwn()
		}
		return
	}
	s.suspended = false
	if s.locks == nil {
		s.openOwn()
		return
	}
	s.request(map[string]any{"ifAvailable": true})
}

// close leaves for good: the stream, the lock, the channel.
func (s *sharedStream) close() {
	if s == nil {
		return
	}
	s.suspend()
	if s.bc != nil {
		s.bc.Call("removeEventListener", "message", s.onBC)
		s.bc.Call("close")
		s.onBC.Release()
		s.bc = nil
	}
}

func sameRooms(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
