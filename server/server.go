// Package server is Tickertalk's HTTP edge: the SSE stream (on r3labs/sse),
// chat sends, sessions, the read APIs, health and metrics. It receives chat
// messages and ticker updates from the bus and hands them to this node's
// connections; it stores nothing itself.
package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/market"
	"tickertalk/store"
)

// ChatLog is the durable, ordered chat log the server publishes to.
type ChatLog interface {
	// Publish stores m and returns its sequence. A dedupID seen recently
	// returns the original's sequence with duplicate set.
	Publish(ctx context.Context, m tt.ChatMessage, dedupID string) (seq uint64, duplicate bool, err error)
	// Message returns the stored message with sequence seq.
	Message(ctx context.Context, seq uint64) (tt.ChatMessage, error)
	// LogID returns the log's identity, the log part of its message ids
	// ([tt.MessageID]): the same on every node sharing the log, and for
	// the log's lifetime.
	LogID() string
}

// Sessions binds session tokens to nicknames (see [store.Store]).
// ReplaceSession binds a new token to nick, taking over prev's session
// when prev names one (prev then stops working) or making a new session;
// it fails with an error matching store.ErrNickTaken when another session
// holds the nick or a look-alike. Session fails with one matching
// store.ErrNoSession for an unknown token.
type Sessions interface {
	ReplaceSession(ctx context.Context, prev, token, nick string) error
	Session(ctx context.Context, token string) (store.SessionInfo, error)
	DeleteSession(ctx context.Context, token string) error
}

// Options configure a [Server]. Log, Sessions and History are required.
type Options struct {
	Log      ChatLog
	Sessions Sessions
	// History is the index fed by Deliver; the server reads it for replay,
	// scrollback and idempotency.
	History *history.Index
	// Ready returns nil when the node can serve, or why not (GET /readyz
	// answers 503 with that reason): the bus is not connected, or the store
	// cannot write.
	Ready func() error
	// UI serves every path that is not part of the API (the PWA); nil
	// answers 404.
	UI     http.Handler
	Logger *slog.Logger

	SendRate     float64       // messages per second per session; 0 disables
	SendBurst    int           // burst of the send limiter
	Heartbeat    time.Duration // ping comment interval; default 15 s
	WriteTimeout time.Duration // slow-client deadline; default 10 s
	QueueBytes   int           // per-connection queue bound; default 1 MiB
	// ReplayMax and ReplayMaxBytes cap a resume: a backlog of more
	// messages, or more bytes of their JSON, gets resync instead of a
	// replay. Defaults [DefaultReplayMax], [DefaultReplayMaxBytes].
	ReplayMax      int
	ReplayMaxBytes int
	// PresenceInterval coalesces presence events; default 1 s.
	PresenceInterval time.Duration
	// Presence, when set, shares presence with the other nodes of a
	// cluster: the online list of a room is then everyone connected to any
	// node. Nil: presence is this node's alone.
	Presence PresenceBus
	// Events stores the events of durable kinds other than message
	// ([Publish]); nil: Log, when it implements [EventLog] (the store
	// does). Without one, Publish of such a kind fails with ErrNoRoomLog.
	Events EventLog
	// Live, when set, carries state and signal events ([SetState],
	// [Signal]) to the other nodes of a cluster. Nil: they reach this
	// node's connections only.
	Live LiveBus
	// NodeID names this node on the presence and live buses; default random.
	NodeID string
	// PresenceHeartbeat is how often this node re-announces its rooms on
	// the presence bus; default [DefaultPresenceHeartbeat].
	PresenceHeartbeat time.Duration
	// MaxRooms caps the rooms the chat log holds entries of: a send that
	// would create one more is refused (409, [tt.CodeRoomLimit]). 0: no cap.
	MaxRooms int
	// SparklineLen is how many recent prices per symbol the first update
	// of a connection carries; default 60.
	SparklineLen int

	// SessionRate is how many nicknames a second one client address may
	// choose (a new session or a rename); 0 disables the limit.
	SessionRate float64
	// SessionBurst is the burst of SessionRate.
	SessionBurst int
	// MaxSessions refuses new sessions (503) while about this many exist;
	// 0: no cap. Sessions must then implement [SessionCounter].
	MaxSessions int
	// SessionTTL is how long the browser keeps the session cookie: as long
	// as the store keeps an unused session. Default store.DefaultSessionTTL.
	SessionTTL time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For (the
	// client address, for SessionRate) and X-Forwarded-Proto (https makes
	// the cookie Secure) are believed. Empty: no header is.
	TrustedProxies []netip.Prefix
	// CookieSecure marks the session cookie Secure on every answer, for a
	// server behind a TLS proxy.
	CookieSecure bool

	// MaxStreams caps the streams open at once on this server: past it a
	// new stream is answered 503 with Retry-After, while every other
	// request is served as usual. 0: no cap.
	MaxStreams int
	// MaxStreamsPerIP caps the streams open at once from one client
	// address (an IPv4 address, or an IPv6 /64; behind one of
	// TrustedProxies, the address it forwards), likewise. Loopback
	// addresses are not capped: they are this machine (an untrusted
	// reverse proxy, load tests), and count only against MaxStreams. 0: no
	// cap.
	MaxStreamsPerIP int
	// BodyTimeout bounds how long a request's body may take to arrive,
	// counted from the end of its headers: a body still arriving then is
	// answered 408 (or its connection closed). It does not apply to the
	// streams, which have no body. Default [DefaultBodyTimeout].
	BodyTimeout time.Duration
	// AllowedOrigins are origins ("https://chat.example.com", compared
	// without regard to case) accepted in a browser's Origin header besides
	// the server's own (the Host header with the request's scheme, see
	// checkOrigin): for a proxy that does not pass the public host on.
	AllowedOrigins []string

	// capLoopback applies MaxStreamsPerIP to loopback addresses too: for
	// tests, which can only connect from loopback.
	capLoopback bool
}

// Server is safe for concurrent use. Start its background work with Run;
// stop it with Close, which ends every open stream first.
type Server struct {
	opts   Options
	log    *slog.Logger
	hub    *hub
	pres   *presence
	limits *limiters
	// sessionLimits holds one bucket per client address for nick choices.
	sessionLimits *limiters
	proxies       proxies
	metrics       *metrics
	ticker        *tickerState
	connCfg       connConfig // shared by every connection
	mux           *http.ServeMux
	streams       *streamLimits
	events        EventLog
	live          *liveEvents
	commands      commands
	observers     observers // see observe.go
	// eventLimits holds one bucket per session for POST /api/events.
	eventLimits *limiters

	ctx    context.Context // cancelled by Close: ends every stream; carries serverKey
	cancel context.CancelFunc
	mu     sync.Mutex // guards closed, wg.Add and runs.Add against Close's Waits
	closed bool
	wg     sync.WaitGroup // open streams
	runs   sync.WaitGroup // Run, which says goodbye to the cluster as it returns

	// stored is the highest sequence the log gave a send of this node.
	stored atomic.Uint64
	// answers holds the fan-out of an event sent here until its sender
	// has the answer.
	answers answers
	// logID is the chat log's identity: the ids this server issues name
	// it, and it accepts only ids that do (history.CheckID).
	logID string
}

// Defaults of [Options].
const (
	// DefaultWriteTimeout is how long one write to a client may take
	// before the client is evicted as too slow.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultQueueBytes is how much a connection may have waiting to be
	// written before the client is evicted as too slow.
	DefaultQueueBytes = 1 << 20
	// DefaultBodyTimeout is how long a request body may take to arrive:
	// 16 KiB (the largest accepted) in well under a second on any working
	// link, so only a client trickling its body on purpose hits it.
	DefaultBodyTimeout = 10 * time.Second
	// DefaultReplayMax is the most missed messages a resume replays: 2.5
	// times the 2,000 the page shows in about 2 s (the page keeps the
	// newest 500; beyond a few thousand, loading them is quicker).
	DefaultReplayMax = 5000
	// DefaultReplayMaxBytes is the most bytes of missed messages (their
	// JSON) a resume replays: 2,000 messages of the longest text.
	DefaultReplayMaxBytes = 8 << 20
)

// replayPageBytes is how many bytes of queue a message of a replay page is
// counted for, to size pages: a page then holds about one queue's worth of
// typical messages, and at most maxReplayPage of them.
const (
	replayPageBytes = 4 << 10
	maxReplayPage   = 256
)

// New returns a server ready to serve; call Run for heartbeats and presence.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = tt.DefaultHeartbeat
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.QueueBytes <= 0 {
		opts.QueueBytes = DefaultQueueBytes
	}
	if opts.ReplayMax <= 0 {
		opts.ReplayMax = DefaultReplayMax
	}
	if opts.ReplayMaxBytes <= 0 {
		opts.ReplayMaxBytes = DefaultReplayMaxBytes
	}
	if opts.PresenceInterval <= 0 {
		opts.PresenceInterval = time.Second
	}
	if opts.PresenceHeartbeat <= 0 {
		opts.PresenceHeartbeat = DefaultPresenceHeartbeat
	}
	if opts.NodeID == "" {
		opts.NodeID = rand.Text()
	}
	if opts.SparklineLen <= 0 {
		opts.SparklineLen = market.DefaultHistoryLen
	}
	if opts.BodyTimeout <= 0 {
		opts.BodyTimeout = DefaultBodyTimeout
	}
	if opts.Ready == nil {
		opts.Ready = func() error { return nil }
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = store.DefaultSessionTTL
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		opts:          opts,
		log:           opts.Logger,
		hub:           newHub(),
		pres:          newPresence(opts.Presence != nil, opts.PresenceHeartbeat),
		limits:        newLimiters(opts.SendRate, opts.SendBurst),
		sessionLimits: newLimiters(opts.SessionRate, opts.SessionBurst),
		proxies:       proxies(opts.TrustedProxies),
		metrics:       newMetrics(),
		ticker:        newTickerState(opts.SparklineLen),
		streams:       newStreamLimits(opts.MaxStreams, opts.MaxStreamsPerIP, opts.capLoopback),
		cancel:        cancel,
	}
	s.events = opts.Events
	if s.events == nil {
		s.events, _ = opts.Log.(EventLog)
	}
	s.live = newLive(s)
	s.eventLimits = newLimiters(opts.SendRate, opts.SendBurst)
	if opts.Log != nil {
		s.logID = opts.Log.LogID()
	}
	s.connCfg = connConfig{
		timeout: opts.WriteTimeout, maxQueue: opts.QueueBytes, bufs: &buffers{},
		coalesce: writeCoalesce, linger: writeLinger, epoch: time.Now(), batchFrames: s.metrics.batchFrames,
		pageSize:  min(max(opts.QueueBytes/replayPageBytes, 1), maxReplayPage),
		delivered: s.metrics.delivered, replayed: s.metrics.replayed, hooks: s, replays: s,
	}
	s.ctx = context.WithValue(ctx, serverKey{}, s)
	s.mux = s.routes()
	return s
}

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc(tt.PathEventStream, s.handleEventStream)
	mux.Handle(tt.PathSend, s.api(s.handleSend))
	mux.Handle(tt.PathSession, s.api(s.handleSession))
	mux.Handle(tt.PathRooms, s.api(s.handleRooms))
	mux.Handle(tt.PathRooms+"/", s.api(s.handleRoomMessages))
	mux.Handle(tt.PathEvents, s.api(s.handleEvents))
	mux.Handle("/api/", s.api(func(http.ResponseWriter, *http.Request) error { return errNotFound }))
	mux.HandleFunc(tt.PathHealth, s.handleHealth)
	mux.HandleFunc(tt.PathReady, s.handleReady)
	mux.Handle(tt.PathMetrics, promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	ui := s.opts.UI
	if ui == nil {
		ui = s.api(func(http.ResponseWriter, *http.Request) error { return errNotFound })
	}
	mux.Handle("/", ui)
	return mux
}

// api adapts a handler that returns an error to http.Handler.
func (s *Server) api(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// ServeHTTP serves the whole contract. A method the path does not take is
// answered 405 with Allow before any handler runs; a request with a body
// gets [Options.BodyTimeout] to send it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 { // -1: chunked, length unknown
		// A deadline on the connection, which is the only way net/http
		// offers to bound a body read. readJSON clears it once the body is
		// read; an answer that leaves the body unread leaves it set, so
		// that net/http's discard of the rest before it answers is bounded
		// too. (http.Server.ReadTimeout would bound the streams as well:
		// its deadline stays on the connection for the request's life.)
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.opts.BodyTimeout))
	}
	if !methodAllowed(r.Method, allowFor(r.URL.Path)) && !s.commands.appRoute(s.mux, r) {
		s.writeError(w, r, errMethod)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Run sends heartbeats and coalesced presence until ctx ends or Close.
// With a presence bus it also announces this node's presence, merges the
// other nodes', and says goodbye as it returns. It returns at once after
// Close; Close waits for it.
func (s *Server) Run(ctx context.Context) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.runs.Add(1)
	s.mu.Unlock()
	defer s.runs.Done()
	defer s.joinCluster()()
	defer s.live.subscribe()()
	heartbeat := time.NewTicker(s.opts.Heartbeat)
	defer heartbeat.Stop()
	pres := time.NewTicker(s.opts.PresenceInterval)
	defer pres.Stop()
	sweep := time.NewTicker(time.Minute)
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.ctx.Done():
			return
		case <-heartbeat.C:
			s.hub.publishAll(pingFrame)
		case now := <-pres.C:
			s.flushPresence(now)
		case now := <-sweep.C:
			s.limits.sweep(now)
			s.eventLimits.sweep(now)
			s.sessionLimits.sweep(now)
		}
	}
}

func (s *Server) publishPresence(p tt.Presence) {
	data, err := json.Marshal(p)
	if err != nil {
		s.log.Error("encode presence", "err", err)
		return
	}
	s.metrics.published.WithLabelValues(tt.EventPresence).Inc()
	s.hub.publishRoom(p.Room, newFrame(tt.KindPresence.Info(), "", data))
}

// Close stops Run (which tells the other nodes this one is leaving), ends
// every open stream, waits for their handlers to return, then closes
// r3labs (in that order: r3labs leaks a goroutine per subscriber still
// open when its streams close). Call it before closing the presence bus.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.runs.Wait()
	s.wg.Wait()
	s.hub.close()
}

// track counts one more open stream, unless the server is closing.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// BaseContext is for http.Server.BaseContext: requests end when the server
// closes, so Shutdown does not wait for streams that never end by
// themselves.
func (s *Server) BaseContext() context.Context { return s.ctx }

// serverKey marks the contexts that descend from a server's BaseContext:
// its value is the *Server.
type serverKey struct{}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if err := s.opts.Ready(); err != nil {
		s.writeError(w, r, notReady(err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
