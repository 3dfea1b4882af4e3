//go:build !wasm

// Package node assembles one Tickertalk node from its parts: the store
// (NATS JetStream, embedded or external), the history index, the market
// simulator, the PWA handler and the HTTP server, and runs it until its
// context ends.
package node

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/features"
	"tickertalk/history"
	"tickertalk/market"
	"tickertalk/pwa"
	"tickertalk/server"
	"tickertalk/store"
)

// tickerLease names the cluster-wide lease of the one ticker publisher.
const tickerLease = "ticker"

// firstTickWait bounds how long a starting node waits for the first ticker
// update, so that its first connections get a snapshot with sparklines.
const firstTickWait = 3 * time.Second

// shutdownGrace bounds how long a stopping node waits for requests.
const shutdownGrace = 5 * time.Second

// Run serves cfg on cfg.Addr until ctx ends; see [Serve].
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) error {
	return Serve(ctx, cfg, log, nil, opts...)
}

// Option adjusts a node beyond its [config.Config]: timings for tests, and
// hooks that tell a test what the node chose.
type Option func(*options)

type options struct {
	presenceInterval  time.Duration
	presenceHeartbeat time.Duration
	onNATS            func(clientURL string)
	onPprof           func(addr net.Addr)
	// noTicker keeps the node out of the ticker lease (tests that need a
	// NATS host that never publishes).
	noTicker bool
	onServer []func(*server.Server)
}

// WithServer calls fn with the node's server once it is built, before it
// loads history or serves: an application registers its command handlers
// ([server.On]) and routes ([server.Server.Handle]) there, and keeps the
// server to publish with ([server.Publish], [server.SetState],
// [server.Signal]). Several are called in order.
func WithServer(fn func(*server.Server)) Option {
	return func(o *options) { o.onServer = append(o.onServer, fn) }
}

// WithPresenceTiming sets how often presence events are flushed and how
// often the node re-announces its rooms to the cluster (other nodes forget
// it after about three missed heartbeats). Zero keeps a default: 1 s and
// [server.DefaultPresenceHeartbeat].
func WithPresenceTiming(flush, heartbeat time.Duration) Option {
	return func(o *options) { o.presenceInterval, o.presenceHeartbeat = flush, heartbeat }
}

// OnNATSListening calls fn, before the node serves HTTP, with the URL at
// which other nodes reach its embedded NATS server, credentials included
// (nats://user:password@host:port); only when cfg.NATSListen is set.
func OnNATSListening(fn func(clientURL string)) Option {
	return func(o *options) { o.onNATS = fn }
}

// OnPprofListening calls fn with the address the profiling listener got,
// before the node serves HTTP; only when cfg.PprofAddr is set.
func OnPprofListening(fn func(addr net.Addr)) Option {
	return func(o *options) { o.onPprof = fn }
}

// Serve serves cfg until ctx ends, then shuts down in order: streams first,
// then HTTP, then the store. It accepts connections only once history has
// caught up with the chat log, so no client ever resumes against a partial
// history. With ln nil it listens on cfg.Addr; otherwise it serves ln and
// closes it when it returns, also when it fails to start.
//
// With cfg.NATSListen the embedded NATS server also accepts other nodes on
// that address. Presence is then shared with every node on the same NATS
// (with cfg.NATSURL too); otherwise it is this node's alone.
//
// With cfg.PprofAddr, which must be a loopback address
// ([ErrPprofNotLoopback] otherwise, before anything else starts), Go's
// profiles are served there on a listener of their own.
func Serve(ctx context.Context, cfg config.Config, log *slog.Logger, ln net.Listener, opts ...Option) error {
	if ln != nil {
		// Closed on every return, a failed start included; after Shutdown
		// this second Close is a no-op.
		defer ln.Close()
	}
	var o options
	for _, f := range opts {
		f(&o)
	}
	if cfg.PprofAddr != "" {
		pln, err := listenPprof(cfg.PprofAddr)
		if err != nil {
			return err
		}
		defer servePprof(pln, log)()
		if o.onPprof != nil {
			o.onPprof(pln.Addr())
		}
	}
	tlsCfg, err := loadTLS(cfg)
	if err != nil {
		return err
	}
	ui, err := pwa.Handler(pwa.Config{WebDir: ResolveWebDir(cfg.WebDir), Logger: log, Dev: cfg.Dev})
	if err != nil {
		return fmt.Errorf("web UI: %w", err)
	}
	opening := time.Now()
	log.Info("opening the store", "data-dir", cfg.DataDir, "nats-url", redactURL(cfg.NATSURL))
	// JetStream checks its files as it starts, which takes long on damaged
	// ones: say so rather than nothing.
	stopProgress := logEvery(log, storeProgressEvery, "still opening the store", opening)
	st, err := store.Open(ctx, store.Config{
		DataDir: cfg.DataDir, URL: cfg.NATSURL, ListenAddr: cfg.NATSListen, History: cfg.History,
		User: cfg.NATSUser, Password: cfg.NATSPassword,
		SyncAlways: cfg.SyncAlways, Logger: log,
		SessionTTL: cfg.SessionTTL, MaxBytes: int64(cfg.MaxStoreBytes),
		ClusterListen: cfg.NATSClusterListen, Routes: cfg.NATSRoutes, ClusterName: cfg.NATSClusterName,
		Replicas: cfg.StoreReplicas(),
	})
	stopProgress()
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	log.Info("store open", "took", time.Since(opening).Round(time.Millisecond))
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close store", "err", err)
		}
	}()
	if url := st.ClientURL(); url != "" {
		// Logged once, credentials included: the other nodes need them.
		log.Info("embedded NATS accepts other nodes that present its credentials: start them with --nats-url set to this url",
			"url", url, "generated", st.CredentialsGenerated())
		if o.onNATS != nil {
			o.onNATS(url)
		}
	}

	if addr := st.ClusterURL(); addr != "" {
		log.Info("embedded NATS joined its cluster", "cluster", cfg.NATSClusterName, "listen", addr,
			"routes", strings.Join(cfg.NATSRoutes, ","), "replicas", cfg.StoreReplicas())
	}

	// Presence goes over the bus only when other nodes can share it.
	var bus server.PresenceBus
	var liveBus server.LiveBus
	if cfg.NATSURL != "" || cfg.NATSListen != "" || cfg.Clustered() {
		bus, liveBus = st, st
	}
	index := history.New(cfg.History, history.WithSource(st, int64(cfg.HistoryCacheBytes), 0))
	srv := server.New(server.Options{
		Log: st, Sessions: st, History: index, Ready: st.Ready, UI: ui, Logger: log,
		SendRate: cfg.SendRate, SendBurst: cfg.SendBurst, Heartbeat: cfg.Heartbeat,
		WriteTimeout: cfg.WriteTimeout, QueueBytes: cfg.QueueBytes,
		MaxStreams: maxStreams(cfg, log), MaxStreamsPerIP: cfg.MaxStreamsPerIP,
		BodyTimeout: cfg.BodyTimeout, AllowedOrigins: cfg.AllowedOrigins,
		ReplayMax: cfg.ReplayMax, ReplayMaxBytes: cfg.ReplayMaxBytes,
		Presence: bus, PresenceInterval: o.presenceInterval, PresenceHeartbeat: o.presenceHeartbeat,
		SessionRate: cfg.SessionRate / 60, SessionBurst: cfg.SessionBurst, MaxSessions: cfg.MaxSessions,
		SessionTTL: cfg.SessionTTL, TrustedProxies: cfg.TrustedProxies, CookieSecure: cfg.CookieSecure,
		MaxRooms: cfg.MaxRooms, Events: st, Live: liveBus,
	})
	defer srv.Close()
	features.Register(srv) // reactions and typing: see package features
	for _, fn := range o.onServer {
		fn(srv)
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	log.Info("loading history from the chat log")
	if first, err := st.FirstSeq(ctx); err == nil {
		index.Discarded(first) // what an earlier run's log discarded
	}
	if err := st.FollowWith(runCtx, store.Hooks{
		Message: func(m tt.ChatMessage) {
			if err := srv.Deliver(m); err != nil {
				log.Error("deliver message", "id", m.ID, "err", err)
			}
		},
		Event: func(e history.Entry) {
			if err := srv.DeliverEvent(e); err != nil {
				log.Error("deliver event", "id", e.Msg.ID, "kind", e.Kind, "err", err)
			}
		},
		Skipped: index.Skip,
		Lost:    index.Lost,
	}); err != nil {
		return fmt.Errorf("follow chat log: %w", err)
	}
	st0 := index.Stats()
	log.Info("history loaded", "last", index.Last(), "rooms", st0.Rooms, "messages", st0.Messages,
		"cached_bytes", st0.CacheBytes, "took", time.Since(start).Round(time.Millisecond))
	go followDiscards(runCtx, st, index, log)

	stopTicker, err := st.SubscribeTicker(func(data []byte) {
		if err := srv.Ticker(data); err != nil {
			log.Warn("ticker update", "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("subscribe ticker: %w", err)
	}
	defer stopTicker()
	if !o.noTicker {
		go st.Lead(runCtx, tickerLease, func(ctx context.Context, lease *store.Lease) {
			publishMarket(ctx, cfg, srv, st, lease, log)
		})
	}
	go srv.Run(runCtx)
	waitTicker(ctx, srv, firstTickWait)

	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
		}
	}
	// Streams are capped per address by the server; a connection costs a
	// descriptor before it is a stream, or even a request, so the listener
	// caps them too, with room for a request or two beside each stream.
	ln = server.LimitListener(ln, 2*cfg.MaxStreamsPerIP)
	// A slow reader's stale ticker updates wait in its queue, where newer
	// ones replace them, rather than in the kernel.
	ln = server.LimitUnsent(ln, server.DefaultUnsentBytes)
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return srv.BaseContext() },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	scheme := "http://"
	if tlsCfg != nil {
		hs.TLSConfig, scheme = tlsCfg, "https://"
		ln = tls.NewListener(ln, tlsCfg)
	}
	ln = &closeOnce{Listener: ln}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	log.Info("listening", "url", scheme+displayAddr(ln.Addr()))

	select {
	case <-ctx.Done():
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("shutting down")
	// Stop accepting before the streams end: each client whose stream ends
	// reconnects at once, and must find the port closed (and try again
	// later, or another node) rather than be accepted by a process about
	// to exit, which would drop it with nothing said. Connections waiting
	// in the accept queue are reset by the close, not left to time out.
	_ = ln.Close()
	srv.Close()
	sctx, scancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer scancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Warn("http shutdown", "err", err)
	}
	return nil
}

// maxStreams raises the file descriptor limit and returns the stream cap:
// cfg.MaxStreams, or else one derived from the limit (see [streamCap]); 0,
// no cap, only when the limit cannot be read. It logs the limits.
func maxStreams(cfg config.Config, log *slog.Logger) int {
	soft, hard, err := raiseFDLimit()
	if err != nil {
		log.Warn("file descriptor limit", "err", err)
	}
	n := cfg.MaxStreams
	switch {
	case n == 0 && soft > 0:
		n = streamCap(soft)
	case n == 0:
		log.Warn("no stream cap: the descriptor limit is unknown, set --max-streams")
	case soft > 0 && n > streamCap(soft):
		log.Warn("--max-streams leaves few descriptors for other requests: at the cap, health checks and sends may fail",
			"maxStreams", n, "fdLimit", soft, "suggested", streamCap(soft))
	}
	log.Info("connection limits", "fdSoft", soft, "fdHard", hard, "maxStreams", n,
		"maxStreamsPerIP", cfg.MaxStreamsPerIP, "bodyTimeout", cfg.BodyTimeout)
	return n
}

// discardPoll is how often a node asks the chat log what it discarded.
const discardPoll = time.Second

// followDiscards tells index, until ctx ends, where the chat log begins:
// its byte limit discards the oldest messages of any room without a word
// to the follower. (A read of a discarded message also tells the index, so
// a resume between two polls gets resync, never a silent skip.)
func followDiscards(ctx context.Context, st *store.Store, index *history.Index, log *slog.Logger) {
	t := time.NewTicker(discardPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		first, err := st.FirstSeq(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.Debug("chat log start", "err", err)
			}
			continue
		}
		index.Discarded(first)
	}
}

// waitTicker returns once srv has a ticker snapshot, or after d.
func waitTicker(ctx context.Context, srv *server.Server, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if _, ok := srv.TickerSnapshot(); ok {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// publishMarket runs the market while this node holds the ticker lease. It
// continues from the prices the cluster last showed, or else from the ones
// stored by the last publisher, so that neither a change of publisher nor
// a restart makes prices jump; it stores every tick's snapshot for the
// next publisher. Every update is checked against the lease as it is
// sent, and the first one refused stops the market: a node that wakes
// from a freeze after another took over publishes nothing, even before
// its ctx is cancelled.
func publishMarket(ctx context.Context, cfg config.Config, srv *server.Server, st *store.Store, lease *store.Lease, log *slog.Logger) {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	mk, err := market.New(cfg.Market())
	if err != nil {
		log.Error("market", "err", err)
		return
	}
	restoreMarket(ctx, mk, srv, st, log)
	saver := startTickerSaver(ctx, st, log)
	// The saver ends with ctx: stopped first, also when the lease is lost.
	defer func() { stop(); <-saver.done }()
	log.Info("publishing the ticker", "epoch", lease.Epoch(), "symbols", len(cfg.Symbols), "tick", cfg.Tick, "seed", mk.Seed())
	publish := func(u tt.TickerUpdate) {
		data, err := json.Marshal(u)
		if err == nil {
			err = st.PublishTicker(lease, data)
		}
		switch {
		case errors.Is(err, store.ErrLeaseLost):
			log.Warn("ticker stopped: the lease is no longer provably ours", "epoch", lease.Epoch())
			stop()
			return // not published: not the next publisher's to go on from
		case err != nil:
			log.Warn("publish ticker", "err", err)
		}
		saver.offer(mk.Snapshot())
	}
	publish(mk.Snapshot())
	mk.Run(ctx, publish)
}

// ResolveWebDir returns dir, or when it is empty the first web/ folder that
// holds app.wasm: beside the executable, one level above it (bin/), then
// in the working directory.
func ResolveWebDir(dir string) string {
	if dir != "" {
		return dir
	}
	var candidates []string
	if exe, err := os.Executable(); err == nil {
		exeDir := filepath.Dir(exe)
		candidates = append(candidates, filepath.Join(exeDir, "web"), filepath.Join(exeDir, "..", "web"))
	}
	candidates = append(candidates, "web")
	for _, c := range candidates {
		if _, err := os.Stat(filepath.Join(c, "app.wasm")); err == nil {
			return c
		}
	}
	return "web"
}

// loadTLS reads cfg's certificate and key, or returns nil without them.
// The configuration offers HTTP/2 first, then HTTP/1.1: over HTTP/2 the
// streams of every tab share one connection, where HTTP/1.1 allows a
// browser six per host.
func loadTLS(cfg config.Config) (*tls.Config, error) {
	if !cfg.TLS() {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("load --tls-cert %s and --tls-key %s: %w", cfg.TLSCert, cfg.TLSKey, err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"},
	}, nil
}

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// storeProgressEvery is how often a node that is still opening its store
// says so.
const storeProgressEvery = 5 * time.Second

// logEvery logs msg at info level every d, with the time since start,
// until the returned function is called.
func logEvery(log *slog.Logger, d time.Duration, msg string, start time.Time) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				log.Info(msg, "took", time.Since(start).Round(time.Second))
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// redactURL hides the passwords of a comma-separated list of NATS URLs.
func redactURL(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			parts[i] = u.Redacted()
		}
	}
	return strings.Join(parts, ",")
}

// closeOnce is a listener that may be closed more than once: the node
// closes it to stop accepting before its streams end, and http.Server's
// Shutdown closes it again.
type closeOnce struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *closeOnce) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}
