// Package store is Tickertalk's bus and persistence on NATS JetStream: the
// chat log (stream CHAT), the ticker channel (core NATS), sessions,
// cluster-wide leases and the latest ticker state (JetStream KV buckets).
//
// By default [Open] starts an embedded NATS server that keeps its data
// under [Config].DataDir and talks to this process in-process, without a
// TCP port; with [Config].URL it joins an external server or cluster, which
// is how several Tickertalk nodes share one chat. With [Config].ClusterListen
// the embedded servers of several nodes form one NATS cluster themselves,
// and [Config].Replicas above 1 replicates the chat log and the buckets:
// a write is acknowledged once a majority of the replicas stored it, and
// without a majority writes fail within seconds with [ErrNoQuorum].
//
// Crash safety: an acknowledged [Store.Publish] survives a SIGKILL of the
// process without [Config].SyncAlways (the page cache survives a process
// crash); SyncAlways also guards against power loss, at a cost in
// throughput. This package does not test SIGKILL itself (that needs a child
// process): the server's integration tests do.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"

	tt "tickertalk/app"
)

// Defaults of [Config].
const (
	DefaultDataDir    = "./data"
	DefaultSessionTTL = 30 * 24 * time.Hour
	// DefaultLeaseTTL is how long a lease outlives its holder's last
	// refresh; holders refresh every third of it. A lost holder is
	// replaced within LeaseTTL plus LeaseTTL/6: 2.33 s.
	DefaultLeaseTTL = 2 * time.Second
)

// Names of the JetStream assets. They are stable across versions: changing
// one orphans the data stored under the old name.
const (
	streamName    = "CHAT"
	chatPrefix    = "chat."
	chatWildcard  = "chat.>"
	tickerSubject = "ticker.update"
	sessionBucket = "SESSIONS"
	leaseBucket   = "LEASES"
	serverName    = "tickertalk"
	dedupWindow   = 2 * time.Minute
	readyTimeout  = 2 * time.Second
)

// Config configures [Open]. The zero value (plus a DataDir) runs an
// embedded single-node server.
type Config struct {
	// DataDir holds the embedded server's JetStream files, under
	// DataDir/jetstream. Default [DefaultDataDir]. Unused with URL.
	DataDir string
	// URL is an external NATS server or cluster ("nats://host:4222,...").
	// Empty starts an embedded server.
	URL string
	// ListenAddr, for the embedded server only, makes it accept TCP clients
	// (so that other nodes or tests can join with URL), e.g. "127.0.0.1:0"
	// for a random port; see [Store.ClientURL]. Empty: no TCP listener.
	// The listener is never open: its clients must present User and
	// Password, or when both are empty the credentials generated on first
	// use into DataDir/nats-credentials (mode 0600) and kept there.
	ListenAddr string
	// User and Password are, with ListenAddr, what the embedded server's
	// clients must present; with URL, what this node presents (credentials
	// in the URL take precedence). Both or neither.
	User, Password string
	// History is the number of messages retained per room. Default
	// [tt.DefaultHistory].
	History int
	// MaxBytes bounds the whole chat log: past it, JetStream discards the
	// oldest messages, of any room. 0 or less: no bound.
	MaxBytes int64
	// Replicas is the JetStream replication factor of the stream and
	// buckets on a cluster: a write is acknowledged once a majority of
	// them stored it. Default 1.
	Replicas int
	// ClusterListen, for the embedded server only, makes it join a NATS
	// cluster: its cluster (route) port, e.g. "127.0.0.1:6222"; see
	// [Store.ClusterURL]. Routes must present User and Password, which
	// are then required (the same on every node). Its server name is
	// generated into DataDir/nats-server-name and kept there. Empty: not
	// clustered.
	ClusterListen string
	// Routes are the peers' cluster addresses (host:port).
	Routes []string
	// ClusterName is the NATS cluster's name, the same on every server.
	// Default "tickertalk".
	ClusterName string
	// MaxStore is the embedded server's JetStream storage limit in bytes.
	// Zero: JetStream's default, 75% of the disk space free as it starts
	// (computed again when the Store restarts JetStream to recover from
	// failing writes).
	MaxStore int64
	// SyncAlways makes the embedded server fsync every write (power-loss
	// safety, slower).
	SyncAlways bool
	// SessionTTL is how long an unused session lives. Default
	// [DefaultSessionTTL].
	SessionTTL time.Duration
	// LeaseTTL is how long a lease outlives its holder. Default
	// [DefaultLeaseTTL].
	LeaseTTL time.Duration
	// Logger receives the store's and the embedded server's logs. Default
	// [slog.Default].
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.History <= 0 {
		c.History = tt.DefaultHistory
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Store is a connection to the bus. Its methods are safe for concurrent
// use. Close it when done.
type Store struct {
	cfg      Config
	log      *slog.Logger
	srv      *server.Server // embedded server, nil with URL
	creds    credentials    // what the in-process connection presents; zero: none
	gencreds bool           // creds were generated into DataDir
	ownsSrv  bool           // Close shuts srv down
	nc       *nats.Conn
	ncClosed chan struct{}
	js       jetstream.JetStream
	stream   jetstream.Stream
	logID    string // the chat log's identity (logid.go)
	sessions jetstream.KeyValue
	leases   jetstream.KeyValue
	states   jetstream.KeyValue // latest values of states: see state.go
	health   *health

	ctx    context.Context // cancelled by Close: stops Follow and Lead
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	// restarted is closed, and replaced, when restartJetStream has
	// restarted JetStream: followers then recreate their consumers at
	// once rather than after missed heartbeats.
	restarted chan struct{}
	damaged   map[string]bool // rooms whose writes land unacknowledged
	seen      atomic.Uint64   // highest chat sequence a follower saw
	probes    probeLog        // sequences taken by probe writes
	wg        sync.WaitGroup  // Follow goroutines and Lead calls

	closeOnce sync.Once
	closeErr  error
}

// Open starts the embedded server unless cfg.URL is set, connects, and
// creates or updates the stream CHAT (subjects chat.*, file storage, at
// most cfg.History messages per room and cfg.MaxBytes in all, oldest
// discarded, 2-minute
// duplicate window) and the KV buckets for sessions and leases. It is
// idempotent across restarts with the same DataDir.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if (cfg.User == "") != (cfg.Password == "") {
		return nil, errors.New("store: a NATS user needs a password, and a password a user")
	}
	if cfg.URL != "" {
		return connect(ctx, cfg, nil, false)
	}
	var creds credentials
	var generated bool
	if cfg.ListenAddr != "" {
		var err error
		if creds, generated, err = listenerCredentials(cfg); err != nil {
			return nil, err
		}
		cfg.User, cfg.Password = creds.User, creds.Password
	}
	srv, err := startEmbedded(cfg)
	if err != nil {
		return nil, err
	}
	s, err := connect(ctx, cfg, srv, true)
	if err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, err
	}
	s.gencreds = generated
	return s, nil
}

// startEmbedded starts a JetStream server storing under DataDir/jetstream.
// Its name is fixed: JetStream keeps its state per server name.
func startEmbedded(cfg Config) (*server.Server, error) {
	opts := &server.Options{
		ServerName: serverName,
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.DataDir, "jetstream"),
		SyncAlways: cfg.SyncAlways,
		NoSigs:     true,
		NoLog:      true,
		DontListen: cfg.ListenAddr == "",
	}
	opts.JetStreamMaxStore = cfg.jetStreamMaxStore()
	listen := cfg.ListenAddr
	if cfg.clustered() {
		if err := clusterOptions(opts, cfg); err != nil {
			return nil, err
		}
		if listen == "" {
			// NATS starts routing only once its client port listens: a
			// clustered server without --nats-listen gets one on loopback,
			// behind the same credentials, and does not advertise it.
			listen, opts.DontListen, opts.Cluster.NoAdvertise = "127.0.0.1:0", false, true
		}
	}
	if listen != "" {
		host, port, err := splitHostPort(listen)
		if err != nil {
			return nil, fmt.Errorf("store: listen address %q: %w", listen, err)
		}
		opts.Host, opts.Port = host, port
		// One user for every client, the in-process one included: without
		// it any local process could publish as anyone or delete streams.
		if cfg.User == "" || cfg.Password == "" {
			return nil, errors.New("store: a NATS listener needs a user and a password")
		}
		// The server keeps a bcrypt hash, never the password. The hash lives
		// in memory only, so the cheapest cost does: it keeps start-up and
		// each client's login fast.
		hash, err := bcrypt.GenerateFromPassword([]byte(cfg.Password), bcrypt.MinCost)
		if err != nil {
			return nil, fmt.Errorf("store: NATS password: %w", err)
		}
		opts.Username, opts.Password = cfg.User, string(hash)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("store: embedded nats server: %w", err)
	}
	srv.SetLoggerV2(serverLogger{cfg.Logger.With("component", "nats-server")}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, errors.New("store: embedded nats server not ready after 10s")
	}
	return srv, nil
}

// connect connects a Store to srv in-process (or to cfg.URL when srv is
// nil) and declares the stream and buckets. Tests use it to attach a second
// Store to the first one's embedded server.
func connect(ctx context.Context, cfg Config, srv *server.Server, ownsSrv bool) (*Store, error) {
	cfg = cfg.withDefaults()
	s := &Store{cfg: cfg, log: cfg.Logger, srv: srv, ownsSrv: ownsSrv, ncClosed: make(chan struct{}), health: newHealth(),
		restarted: make(chan struct{})}
	if s.ownsData() {
		s.probes.dir = cfg.DataDir
	}
	opts := []nats.Option{
		nats.Name("tickertalk"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.DrainTimeout(5 * time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				s.log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { s.log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted()) }),
		nats.ClosedHandler(func(*nats.Conn) { close(s.ncClosed) }),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			s.log.Warn("nats async error", "subject", subj, "err", err)
		}),
	}
	if cfg.User != "" {
		s.creds = credentials{cfg.User, cfg.Password}
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	url := cfg.URL
	if srv != nil {
		url = ""
		opts = append(opts, nats.InProcessServer(srv))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("store: connect to nats: %w", err)
	}
	s.nc = nc
	if err := declareWhenQuorum(ctx, s); err != nil {
		nc.Close()
		return nil, err
	}
	if err := s.waitCurrent(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.track()
	go s.watchHealth()
	if s.ownsData() {
		s.track()
		go s.keepWatermark()
	}
	return s, nil
}

// declare creates or updates the stream and the buckets.
func (s *Store) declare(ctx context.Context) error {
	js, err := jetstream.New(s.nc)
	if err != nil {
		return fmt.Errorf("store: jetstream: %w", err)
	}
	s.js = js
	s.stream, s.sessions, s.leases, err = declareAssets(ctx, js, s.cfg)
	if err != nil {
		return err
	}
	s.logID, err = streamIdentity(s.stream)
	if err != nil {
		return err
	}
	s.states, err = declareStates(ctx, js, s.cfg)
	return err
}

// declareAssets creates or updates the stream and the buckets of cfg.
func declareAssets(ctx context.Context, js jetstream.JetStream, cfg Config) (stream jetstream.Stream, sessions, leases jetstream.KeyValue, err error) {
	stream, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              streamName,
		Description:       "Tickertalk chat log: one subject per room",
		Subjects:          []string{chatPrefix + "*", probeSubject},
		Storage:           jetstream.FileStorage,
		Retention:         jetstream.LimitsPolicy,
		Discard:           jetstream.DiscardOld,
		MaxMsgsPerSubject: int64(cfg.History),
		MaxMsgs:           -1,
		MaxBytes:          cfg.maxBytes(),
		MaxMsgSize:        64 << 10,
		Duplicates:        dedupWindow,
		Replicas:          cfg.Replicas,
		AllowDirect:       true,
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("store: stream %s: %w", streamName, err)
	}
	sessions, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      sessionBucket,
		Description: "Tickertalk sessions and the nicks they hold",
		TTL:         cfg.SessionTTL,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("store: bucket %s: %w", sessionBucket, err)
	}
	leases, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      leaseBucket,
		Description: "Tickertalk leases: one holder at a time per name",
		TTL:         cfg.LeaseTTL,
		Storage:     jetstream.MemoryStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("store: bucket %s: %w", leaseBucket, err)
	}
	return stream, sessions, leases, nil
}

// kvHeadroom is what JetStream's storage limit leaves the session bucket
// beside a bounded chat log.
const kvHeadroom = 1 << 30

// jetStreamMaxStore is the embedded server's JetStream storage limit:
// MaxStore when set; with a bounded log, the bound plus [kvHeadroom];
// else 0, JetStream's default (75% of the free disk space). JetStream
// reserves a stream's MaxBytes against its limit, so a default limit below
// the bound (a disk with less free space than 4/3 of it) would refuse to
// declare the stream, and the node would not start or restart. A disk that
// fills before the bound is reached is a failing write, which the store
// reports and recovers from (see health.go).
func (c Config) jetStreamMaxStore() int64 {
	if c.MaxStore > 0 {
		return c.MaxStore
	}
	if c.MaxBytes > 0 {
		return c.MaxBytes + kvHeadroom
	}
	return 0
}

// maxBytes is the stream's MaxBytes: the configured bound, or -1.
func (c Config) maxBytes() int64 {
	if c.MaxBytes > 0 {
		return c.MaxBytes
	}
	return -1
}

// track registers a background worker that Close waits for. It reports
// false once Close has begun.
func (s *Store) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// Close stops every [Store.Follow] and [Store.Lead] (waiting for their
// callbacks to return), drains the connection and shuts the embedded
// server down, waiting for it. A clustered embedded server first hands
// the leaderships it holds over to its peers (within 5 s), so that the
// cluster goes on writing without waiting for an election. It is safe to
// call more than once; later calls return the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		s.wg.Wait()

		if s.ownsSrv && s.srv != nil {
			hctx, cancel := context.WithTimeout(context.Background(), handOverTimeout)
			if err := s.handOver(hctx); err != nil {
				s.log.Warn("leaving the cluster without a leader for every group: writes wait for an election", "err", err)
			}
			cancel()
		}
		if err := s.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			s.closeErr = fmt.Errorf("store: drain: %w", err)
			s.nc.Close()
		}
		select {
		case <-s.ncClosed:
		case <-time.After(10 * time.Second):
			s.nc.Close()
		}
		if s.ownsSrv && s.srv != nil {
			s.shutdownServer()
		}
	})
	return s.closeErr
}

// ErrDisconnected reports that the store has lost its NATS connection (it
// reconnects by itself).
var ErrDisconnected = errors.New("store: not connected to NATS")

// Ready returns nil when the store is connected, JetStream answers within
// 2 seconds, writes work, with [Config].Replicas above 1 the chat log
// has a leader and a majority of current replicas, and a clustered
// embedded server's own replicas are current (see [ErrCatchingUp]);
// otherwise why not: [ErrDisconnected], [ErrUnwritable], [ErrNoQuorum] or
// [ErrCatchingUp] with the reason, or JetStream's error. It makes one or
// two round trips: fine for a readiness probe.
func (s *Store) Ready() error {
	if !s.nc.IsConnected() {
		return ErrDisconnected
	}
	if err := s.health.check(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if _, err := s.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("store: JetStream does not answer: %w", err)
	}
	if err := s.quorum(ctx); err != nil {
		return err
	}
	return s.caughtUp()
}

// ClientURL is the URL at which other nodes can reach the embedded server
// when [Config].ListenAddr is set, its credentials included
// (nats://user:password@host:port): a secret. Otherwise it is empty.
func (s *Store) ClientURL() string {
	if s.srv == nil || s.cfg.ListenAddr == "" {
		return ""
	}
	return withCredentials(s.srv.ClientURL(), s.creds)
}

// CredentialsGenerated reports whether the embedded server's listener uses
// credentials generated into [Config].DataDir (none were configured).
func (s *Store) CredentialsGenerated() bool { return s.gencreds }

// serverLogger sends the embedded server's logs to slog: notices (the
// startup banner) at debug level, warnings and errors as such.
type serverLogger struct{ log *slog.Logger }

func (l serverLogger) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l serverLogger) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l serverLogger) Fatalf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l serverLogger) Errorf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l serverLogger) Debugf(format string, v ...any)  {}
func (l serverLogger) Tracef(format string, v ...any)  {}
