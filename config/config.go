// Package config reads Tickertalk's configuration from command-line flags
// and environment variables.
//
// Every flag --foo-bar has the environment variable TICKERTALK_FOO_BAR. A
// flag wins over the environment, which wins over the default. Every value,
// from either source, is validated: a bad value is an error that names the
// flag, its variable and the value, never silently replaced by a default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	tt "tickertalk/app"
	"tickertalk/market"
	"tickertalk/server"
	"tickertalk/store"
)

// EnvPrefix prefixes the environment variable of every flag.
const EnvPrefix = "TICKERTALK_"

// Program is the name the usage text gives the command.
const Program = "tickertalk"

// Ranges of the validated values.
const (
	MinTick         = 10 * time.Millisecond
	MaxTick         = time.Second // the contract: an update at least once a second
	MinHeartbeat    = 100 * time.Millisecond
	MaxHeartbeat    = tt.DefaultHeartbeat // the contract: a ping at least every 15 s
	MinWriteTimeout = 100 * time.Millisecond
	MaxWriteTimeout = 10 * time.Minute
	MaxHistory      = 1_000_000
	MaxSendRate     = 1_000_000
	MaxSendBurst    = 1_000_000
	MinQueueBytes   = 1 << 10
	MaxQueueBytes   = 1 << 30
	MinSessionTTL   = time.Second
	MaxSessionTTL   = 365 * 24 * time.Hour
	MaxSessionRate  = 1_000_000
	MaxSessionBurst = 1_000_000
	MaxMaxSessions  = 100_000_000
	MaxStreams      = 10_000_000
	MinBodyTimeout  = time.Second
	MaxBodyTimeout  = 10 * time.Minute
	MaxReplay       = 10_000_000
	MinReplayBytes  = 1 << 10
	MaxReplayBytes  = 1 << 40
	MaxRoutes       = 32
	MaxReplicas     = 5 // JetStream's own limit
)

// DefaultClusterName is the default of --nats-cluster-name.
const DefaultClusterName = "tickertalk"

// DefaultMaxStreamsPerIP is the default of --max-streams-per-ip: more tabs
// than anyone keeps open, and room for a few hundred people behind one
// NAT, while one address cannot take a node's every stream.
const DefaultMaxStreamsPerIP = 500

// Ranges of the retention and memory values.
const (
	MaxHistoryCacheBytes = 64 << 30
	MinMaxStoreBytes     = 1 << 20
	MaxMaxStoreBytes     = 1 << 40
	MaxMaxRooms          = 1_000_000
	MinMemoryLimit       = 16 << 20
	MaxMemoryLimit       = 1 << 40
)

// Defaults of the retention values.
const (
	DefaultHistoryCacheBytes = 64 << 20
	DefaultMaxStoreBytes     = 1 << 30
	DefaultMaxRooms          = 10_000
)

// ErrInvalid reports an invalid flag or environment value; the error is a
// [*ValueError] that says which.
var ErrInvalid = errors.New("invalid configuration")

// ErrUsage reports a command line that is not understood: an unknown flag,
// a flag without its value, or a positional argument.
var ErrUsage = errors.New("invalid command line")

// Config is the configuration of a Tickertalk node. [Default] returns the
// defaults; [Parse] fills it from flags and the environment.
type Config struct {
	Addr         string // --addr: HTTP listen address
	DataDir      string // --data-dir: embedded NATS/JetStream storage
	NATSURL      string // --nats-url: external NATS; "" runs an embedded server
	NATSListen   string // --nats-listen: TCP address of the embedded NATS for other nodes; "" none
	NATSUser     string // --nats-user: NATS user name (with --nats-listen or --nats-url)
	NATSPassword string // --nats-password: NATS password; "" with --nats-listen generates one

	NATSClusterListen string   // --nats-cluster-listen: cluster (routes) address of the embedded NATS; "" not clustered
	NATSRoutes        []string // --nats-routes: host:port of the peers' cluster addresses
	NATSClusterName   string   // --nats-cluster-name: NATS cluster name, the same on every node
	Replicas          int      // --replicas: JetStream replicas; 0: see [Config.StoreReplicas]

	SendRate     float64       // --send-rate: chat messages a second per session; 0 disables limiting
	SendBurst    int           // --send-burst: burst of the send rate limit
	History      int           // --history: retained messages per room
	Tick         time.Duration // --tick: ticker interval, [MinTick]..[MaxTick]
	Symbols      []string      // --symbols: ticker symbols, in display order
	Seed         int64         // --seed: market seed; 0 picks one from the clock
	Heartbeat    time.Duration // --heartbeat: SSE ping interval, [MinHeartbeat]..[MaxHeartbeat]
	WriteTimeout time.Duration // --write-timeout: a slow client is evicted after this
	QueueBytes   int           // --queue-bytes: per-connection outbound queue bound before eviction
	SyncAlways   bool          // --sync-always: fsync every JetStream write
	WebDir       string        // --web-dir: static assets; "" lets the caller resolve web/
	PprofAddr    string        // --pprof-addr: loopback address of the profiling listener; "" none
	LogLevel     string        // --log-level: debug, info, warn or error
	LogFormat    string        // --log-format: text or json

	SessionTTL     time.Duration  // --session-ttl: an unused session (and its nick) expires after this
	SessionRate    float64        // --session-rate: nick choices a minute per client address; 0 disables limiting
	SessionBurst   int            // --session-burst: burst of the session rate limit
	MaxSessions    int            // --max-sessions: cap on sessions; 0 none
	TrustedProxies []netip.Prefix // --trusted-proxies: proxies whose X-Forwarded-* headers are believed
	CookieSecure   bool           // --cookie-secure: the session cookie is always Secure

	// MaxStreams (--max-streams) caps the open event streams; 0: derived
	// from the file descriptor limit by the node.
	MaxStreams      int
	MaxStreamsPerIP int           // --max-streams-per-ip: per client address; 0 no cap
	BodyTimeout     time.Duration // --body-timeout: a request body must arrive within it
	AllowedOrigins  []string      // --allowed-origins: accepted Origins besides the server's own

	ReplayMax      int // --replay-max: a resume with more missed messages gets resync
	ReplayMaxBytes int // --replay-max-bytes: a resume with more bytes of them gets resync

	HistoryCacheBytes int // --history-cache-bytes: messages the history index keeps in memory
	MaxStoreBytes     int // --max-store-bytes: bound of the whole chat log; 0 none
	MaxRooms          int // --max-rooms: rooms the chat log may hold; 0 no cap
	MemoryLimit       int // --memory-limit: Go soft memory limit; 0 from GOMEMLIMIT or the cgroup

	TLSCert string // --tls-cert: PEM certificate chain; with TLSKey the node serves HTTPS
	TLSKey  string // --tls-key: PEM private key of TLSCert
}

// TLS reports whether the node serves HTTPS (both --tls-cert and --tls-key).
func (c Config) TLS() bool { return c.TLSCert != "" && c.TLSKey != "" }

// Default returns the configuration used when no flag or variable is set.
func Default() Config {
	return Config{
		Addr:         ":8000",
		DataDir:      store.DefaultDataDir,
		SendRate:     5,
		SendBurst:    20,
		History:      tt.DefaultHistory,
		Tick:         tt.DefaultTick,
		Symbols:      market.DefaultSymbols(),
		Heartbeat:    tt.DefaultHeartbeat,
		WriteTimeout: server.DefaultWriteTimeout,
		QueueBytes:   server.DefaultQueueBytes,
		LogLevel:     "info",
		LogFormat:    "text",

		NATSClusterName: DefaultClusterName,
		SessionTTL:      DefaultSessionTTL,
		SessionRate:     10,
		SessionBurst:    20,
		MaxSessions:     100_000,

		MaxStreamsPerIP: DefaultMaxStreamsPerIP,
		BodyTimeout:     server.DefaultBodyTimeout,

		ReplayMax:      server.DefaultReplayMax,
		ReplayMaxBytes: server.DefaultReplayMaxBytes,

		HistoryCacheBytes: DefaultHistoryCacheBytes,
		MaxStoreBytes:     DefaultMaxStoreBytes,
		MaxRooms:          DefaultMaxRooms,
	}
}

// DefaultSessionTTL is how long an unused session keeps its nickname by
// default: a day, so that a nickname cannot be held for long by a client
// that left (the page of a person who comes back claims it again).
const DefaultSessionTTL = 24 * time.Hour

// Clustered reports whether the embedded NATS joins a NATS cluster.
func (c Config) Clustered() bool { return c.NATSClusterListen != "" }

// StoreReplicas is the JetStream replication factor the node declares its
// stream and buckets with: --replicas when set, else 3 for an embedded
// cluster of three or more (two or more routes) or a --nats-url listing
// three or more servers, else 1. It depends on the configuration only, so
// that every node of a cluster computes the same.
func (c Config) StoreReplicas() int {
	if c.Replicas > 0 {
		return c.Replicas
	}
	switch {
	case c.Clustered() && len(c.NATSRoutes) >= 2:
		return 3
	case c.NATSURL != "" && len(strings.Split(c.NATSURL, ",")) >= 3:
		return 3
	}
	return 1
}

// Market returns the market configuration these settings describe.
func (c Config) Market() market.Config {
	return market.Config{Symbols: append([]string(nil), c.Symbols...), Seed: c.Seed, Tick: c.Tick}
}

// ValueError reports one invalid value. It matches [ErrInvalid] with
// errors.Is, and unwraps to the parse or range error too.
type ValueError struct {
	Flag   string // "tick" for --tick
	Env    string // "TICKERTALK_TICK"
	Value  string // the value as given
	Source string // "flag" or "environment"
	Err    error  // what is wrong with it
}

// Error says which flag, variable, value and source, and what is wrong.
func (e *ValueError) Error() string {
	return fmt.Sprintf("invalid value %q for --%s (env %s), from the %s: %v", e.Value, e.Flag, e.Env, e.Source, e.Err)
}

// Unwrap returns [ErrInvalid] and the underlying error.
func (e *ValueError) Unwrap() []error { return []error{ErrInvalid, e.Err} }

// Parse reads the configuration from args (without the program name), then
// from the environment through getenv (an empty value counts as unset), over
// [Default]. Every environment value is validated, even one a flag
// overrides.
//
// --help or -h writes the usage, which lists every flag with its variable
// and default, to stderr and returns [flag.ErrHelp]: the caller should exit
// with status 0. Parse writes nothing else: an invalid value returns a
// [*ValueError] (matching [ErrInvalid]) and a command line it cannot read
// returns an error matching [ErrUsage], for the caller to print.
func Parse(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	fs := flag.NewFlagSet(Program, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	opts := options()
	raws := make([]*rawValue, len(opts))
	for i, o := range opts {
		raws[i] = &rawValue{isBool: o.isBool}
		fs.Var(raws[i], o.name, o.usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeUsage(stderr, opts)
			return Default(), flag.ErrHelp
		}
		return Config{}, fmt.Errorf("%w: %v (see --help)", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("%w: unexpected argument %q (see --help)", ErrUsage, fs.Arg(0))
	}

	cfg := Default()
	from := make(map[string]string, len(opts))
	for i, o := range opts {
		env := EnvName(o.name)
		if v := getenv(env); v != "" {
			if err := o.set(&cfg, v); err != nil {
				return Config{}, &ValueError{Flag: o.name, Env: env, Value: v, Source: "environment", Err: err}
			}
			from[o.name] = "environment"
		}
		if raws[i].set {
			if err := o.set(&cfg, raws[i].value); err != nil {
				return Config{}, &ValueError{Flag: o.name, Env: env, Value: raws[i].value, Source: "flag", Err: err}
			}
			from[o.name] = "flag"
		}
	}
	if cfg.SendRate > 0 && cfg.SendBurst < 1 {
		return Config{}, &ValueError{
			Flag: "send-burst", Env: EnvName("send-burst"), Value: fmt.Sprint(cfg.SendBurst),
			Source: sourceOf(from, "send-burst"),
			Err:    fmt.Errorf("must be at least 1 while --send-rate is %v (0 disables limiting)", cfg.SendRate),
		}
	}
	if cfg.SessionRate > 0 && cfg.SessionBurst < 1 {
		return Config{}, &ValueError{
			Flag: "session-burst", Env: EnvName("session-burst"), Value: fmt.Sprint(cfg.SessionBurst),
			Source: sourceOf(from, "session-burst"),
			Err:    fmt.Errorf("must be at least 1 while --session-rate is %v (0 disables limiting)", cfg.SessionRate),
		}
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		set, missing := "tls-cert", "tls-key"
		if cfg.TLSCert == "" {
			set, missing = missing, set
		}
		return Config{}, &ValueError{
			Flag: missing, Env: EnvName(missing), Value: "",
			Source: sourceOf(from, missing),
			Err:    fmt.Errorf("must be set with --%s (HTTPS needs both the certificate and its key)", set),
		}
	}
	if cfg.NATSListen != "" && cfg.NATSURL != "" {
		return Config{}, &ValueError{
			Flag: "nats-listen", Env: EnvName("nats-listen"), Value: cfg.NATSListen,
			Source: sourceOf(from, "nats-listen"),
			Err:    errors.New("must be empty while --nats-url is set (only the embedded server listens)"),
		}
	}
	if err := validateCluster(cfg, from); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// validateCluster checks the clustering flags against each other.
func validateCluster(cfg Config, from map[string]string) error {
	bad := func(name, value string, err error) error {
		return &ValueError{Flag: name, Env: EnvName(name), Value: value, Source: sourceOf(from, name), Err: err}
	}
	switch {
	case cfg.NATSClusterListen != "" && cfg.NATSURL != "":
		return bad("nats-cluster-listen", cfg.NATSClusterListen,
			errors.New("must be empty while --nats-url is set (only the embedded server joins a cluster)"))
	case len(cfg.NATSRoutes) > 0 && cfg.NATSClusterListen == "":
		return bad("nats-routes", strings.Join(cfg.NATSRoutes, ","),
			errors.New("needs --nats-cluster-listen (the embedded server's own cluster port)"))
	case cfg.NATSClusterListen != "" && (cfg.NATSUser == "" || cfg.NATSPassword == ""):
		return bad("nats-password", "",
			errors.New("--nats-user and --nats-password must both be set with --nats-cluster-listen, the same on every node: routes present them"))
	case cfg.Replicas > 1 && cfg.NATSClusterListen == "" && cfg.NATSURL == "":
		return bad("replicas", fmt.Sprint(cfg.Replicas),
			errors.New("above 1 needs a NATS cluster: --nats-cluster-listen with --nats-routes, or --nats-url"))
	}
	return nil
}

// sourceOf names where a flag's value came from.
func sourceOf(from map[string]string, name string) string {
	if s, ok := from[name]; ok {
		return s
	}
	return "default"
}

// rawValue keeps a flag's text for Parse to validate with the same code as
// the environment's.
type rawValue struct {
	value  string
	set    bool
	isBool bool
}

// String returns the value as given.
func (v *rawValue) String() string { return v.value }

// Set records s; Parse validates it.
func (v *rawValue) Set(s string) error {
	v.value, v.set = s, true
	return nil
}

// IsBoolFlag lets a boolean flag stand alone: --sync-always.
func (v *rawValue) IsBoolFlag() bool { return v.isBool }
