package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"tickertalk/market"
)

// option is one flag: its name, its help, how to read and validate a value
// into a Config, and how to show a Config's value as the default.
type option struct {
	name   string
	arg    string // the kind of value, for the usage
	usage  string
	isBool bool
	set    func(c *Config, v string) error
	show   func(c Config) string
}

// EnvName returns the environment variable of the flag name: "send-rate"
// gives TICKERTALK_SEND_RATE.
func EnvName(flag string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// options lists every flag, in usage order.
func options() []option {
	return []option{
		{
			name: "addr", arg: "host:port",
			usage: "HTTP listen address; an empty host listens on every interface",
			set:   func(c *Config, v string) (err error) { c.Addr, err = parseAddr(v); return err },
			show:  func(c Config) string { return strconv.Quote(c.Addr) },
		},
		{
			name: "data-dir", arg: "path",
			usage: "directory of the embedded NATS JetStream store (chat history)",
			set: func(c *Config, v string) error {
				if strings.TrimSpace(v) == "" {
					return errors.New("must not be empty")
				}
				c.DataDir = v
				return nil
			},
			show: func(c Config) string { return strconv.Quote(c.DataDir) },
		},
		{
			name: "nats-url", arg: "urls",
			usage: "comma-separated URLs of an external NATS cluster with JetStream; empty runs an embedded server",
			set:   func(c *Config, v string) (err error) { c.NATSURL, err = parseNATSURL(v); return err },
			show:  func(c Config) string { return strconv.Quote(c.NATSURL) + " (embedded)" },
		},
		{
			name: "nats-listen", arg: "host:port",
			usage: "also accept NATS clients (other nodes, with --nats-url) on this address, such as 127.0.0.1:4222; clients must authenticate (--nats-user, --nats-password). Empty: the embedded server does not listen",
			set: func(c *Config, v string) (err error) {
				if v == "" {
					c.NATSListen = ""
					return nil
				}
				c.NATSListen, err = parseAddr(v)
				return err
			},
			show: func(c Config) string { return strconv.Quote(c.NATSListen) + " (none)" },
		},
		{
			name: "nats-user", arg: "name",
			usage: "NATS user name: with --nats-listen, the one other nodes must present; with --nats-url, the one this node presents (credentials in the URL win). Empty with --nats-listen: generated, see --nats-password",
			set:   func(c *Config, v string) (err error) { c.NATSUser, err = parseNATSSecret(v, 256); return err },
			show:  func(c Config) string { return strconv.Quote(c.NATSUser) },
		},
		{
			name: "nats-password", arg: "secret",
			usage: "NATS password going with --nats-user. Both empty with --nats-listen: a password is generated into <data-dir>/nats-credentials (mode 0600), kept across restarts, and logged once at start in the URL to pass to the other nodes",
			set:   func(c *Config, v string) (err error) { c.NATSPassword, err = parseNATSSecret(v, 72); return err },
			show: func(c Config) string {
				if c.NATSPassword != "" {
					return `"…" (hidden)`
				}
				return `"" (generated with --nats-listen)`
			},
		},
		{
			name: "nats-cluster-listen", arg: "host:port",
			usage: "cluster port of the embedded NATS, such as 0.0.0.0:6222: the embedded servers of the nodes listed in --nats-routes connect here to form one NATS cluster (routes and JetStream RAFT) that keeps working while a majority of its servers runs. Needs --nats-user and --nats-password, the same on every node, which routes must present. Empty: not clustered",
			set: func(c *Config, v string) (err error) {
				if v == "" {
					c.NATSClusterListen = ""
					return nil
				}
				c.NATSClusterListen, err = parseAddr(v)
				return err
			},
			show: func(c Config) string { return strconv.Quote(c.NATSClusterListen) + " (not clustered)" },
		},
		{
			name: "nats-routes", arg: "addrs",
			usage: fmt.Sprintf("comma-separated cluster addresses (host:port, or nats-route://host:port) of the other nodes' embedded NATS, with --nats-cluster-listen; at most %d. A node may list all its peers (its own address too: it is skipped)", MaxRoutes),
			set:   func(c *Config, v string) (err error) { c.NATSRoutes, err = parseRoutes(v); return err },
			show:  func(c Config) string { return strconv.Quote(strings.Join(c.NATSRoutes, ",")) + " (none)" },
		},
		{
			name: "nats-cluster-name", arg: "name",
			usage: "name of the NATS cluster, the same on every node: servers of another name refuse the routes",
			set: func(c *Config, v string) (err error) {
				c.NATSClusterName, err = parseClusterName(v)
				return err
			},
			show: func(c Config) string { return strconv.Quote(c.NATSClusterName) },
		},
		{
			name: "replicas", arg: "count",
			usage: fmt.Sprintf("JetStream replicas of the chat log and of every bucket, 1 to %d: a write is acknowledged once a majority of them stored it. 0: 3 when --nats-routes lists two or more peers or --nats-url three or more servers, else 1. Above 1 needs --nats-cluster-listen or --nats-url", MaxReplicas),
			set: func(c *Config, v string) (err error) {
				c.Replicas, err = parseInt(v, 0, MaxReplicas)
				return err
			},
			show: func(c Config) string { return strconv.Itoa(c.Replicas) + " (auto)" },
		},
		{
			name: "send-rate", arg: "per-second",
			usage: "chat messages a second each session may post; 0 disables rate limiting (load tests)",
			set: func(c *Config, v string) (err error) {
				c.SendRate, err = parseFloat(v, 0, MaxSendRate)
				return err
			},
			show: func(c Config) string { return strconv.FormatFloat(c.SendRate, 'g', -1, 64) },
		},
		{
			name: "send-burst", arg: "messages",
			usage: "messages a session may post at once before --send-rate applies; at least 1 unless the rate is 0",
			set: func(c *Config, v string) (err error) {
				c.SendBurst, err = parseInt(v, 0, MaxSendBurst)
				return err
			},
			show: func(c Config) string { return strconv.Itoa(c.SendBurst) },
		},
		{
			name: "session-ttl", arg: "duration",
			usage: fmt.Sprintf("an unused session ends after this, and its nickname is free again, %v to %v", MinSessionTTL, MaxSessionTTL),
			set: func(c *Config, v string) (err error) {
				c.SessionTTL, err = parseDuration(v, MinSessionTTL, MaxSessionTTL)
				return err
			},
			show: func(c Config) string { return c.SessionTTL.String() },
		},
		{
			name: "session-rate", arg: "per-minute",
			usage: "nicknames a minute one client address may choose (new sessions and renames); 0 disables the limit (load tests)",
			set: func(c *Config, v string) (err error) {
				c.SessionRate, err = parseFloat(v, 0, MaxSessionRate)
				return err
			},
			show: func(c Config) string { return strconv.FormatFloat(c.SessionRate, 'g', -1, 64) },
		},
		{
			name: "session-burst", arg: "choices",
			usage: "nicknames one client address may choose at once before --session-rate applies; at least 1 unless the rate is 0",
			set: func(c *Config, v string) (err error) {
				c.SessionBurst, err = parseInt(v, 0, MaxSessionBurst)
				return err
			},
			show: func(c Config) string { return strconv.Itoa(c.SessionBurst) },
		},
		{
			name: "max-sessions", arg: "sessions",
			usage: fmt.Sprintf("new sessions are refused (503) while about this many exist, up to %d; 0: no cap", MaxMaxSessions),
			set: func(c *Config, v string) (err error) {
				c.MaxSessions, err = parseInt(v, 0, MaxMaxSessions)
				return err
			},
			show: func(c Config) string { return strconv.Itoa(c.MaxSessions) },
		},
		{
			name: "trusted-proxies", arg: "cidrs",
			usage: "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For (the right-most untrusted hop is the client, for --session-rate) and X-Forwarded-Proto (https makes the cookie Secure) are believed; empty: none",
			set: func(c *Config, v string) (err error) {
				c.TrustedProxies, err = parsePrefixes(v)
				return err
			},
			show: func(c Config) string { return strconv.Quote(formatPrefixes(c.TrustedProxies)) + " (none)" },
		},
		{
			name: "cookie-secure", arg: "", isBool: true,
			usage: "mark the session cookie Secure on every answer, for a server that browsers reach over HTTPS through a proxy (without it, only when this process serves TLS or a trusted proxy says https)",
			set: func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return errors.New("must be true or false")
				}
				c.CookieSecure = b
				return nil
			},
			show: func(c Config) string { return strconv.FormatBool(c.CookieSecure) },
		},
		{
			name: "tls-cert", arg: "path",
			usage: "PEM certificate chain: with --tls-key the node serves HTTPS (and so HTTP/2, where browsers have no six-connection limit per host) instead of HTTP; empty: plain HTTP",
			set:   func(c *Config, v string) (err error) { c.TLSCert, err = parsePath(v); return err },
			show:  func(c Config) string { return strconv.Quote(c.TLSCert) + " (plain HTTP)" },
		},
		{
			name: "tls-key", arg: "path",
			usage: "PEM private key of --tls-cert; set both or neither",
			set:   func(c *Config, v string) (err error) { c.TLSKey, err = parsePath(v); return err },
			show:  func(c Config) string { return strconv.Quote(c.TLSKey) },
		},
		{
			name: "history", arg: "messages",
			usage: fmt.Sprintf("chat messages retained per room, 1 to %d", MaxHistory),
			set: func(c *Config, v string) (err error) {
				c.History, err = parseInt(v, 1, MaxHistory)
				return err
			},
			show: func(c Config) string { return strconv.Itoa(c.History) },
		},
		{
			name: "history-cache-bytes", arg: "size",
			usage: "bytes of chat messages the history index keeps in memory; older ones are read back from the chat log when replayed or scrolled to. A size with an optional KiB, MiB or GiB suffix, 0 to 64GiB",
			set: func(c *Config, v string) (err error) {
				c.HistoryCacheBytes, err = parseSize(v, 0, MaxHistoryCacheBytes)
				return err
			},
			show: func(c Config) string { return formatSize(c.HistoryCacheBytes) },
		},
		{
			name: "max-store-bytes", arg: "size",
			usage: "bytes of the whole chat log: past it the oldest messages, of any room, are discarded. A size with an optional KiB, MiB or GiB suffix, 1MiB to 1024GiB; 0: no bound (the disk is)",
			set: func(c *Config, v string) (err error) {
				if v == "0" {
					c.MaxStoreBytes = 0
					return nil
				}
				c.MaxStoreBytes, err = parseSize(v, MinMaxStoreBytes, MaxMaxStoreBytes)
				return err
			},
			show: func(c Config) string { return formatSize(c.MaxStoreBytes) },
		},
		{
			name: "max-rooms", arg: "rooms",
			usage: fmt.Sprintf("rooms the chat log may hold: a message to a new room past it is refused (409 room_limit); 0 to %d, 0: no cap", MaxMaxRooms),
			set: func(c *Config, v string) (err error) {
				c.MaxRooms, err = parseInt(v, 0, MaxMaxRooms)
				return err
			},
			show: func(c Config) string { return strconv.Itoa(c.MaxRooms) },
		},
		{
			name: "memory-limit", arg: "size",
			usage: "soft memory limit of the Go runtime (debug.SetMemoryLimit): the GC works harder near it. 0: GOMEMLIMIT when set, else 90% of the memory limit of the process's cgroup (v2 memory.max or v1 memory.limit_in_bytes, the tightest of its group and their ancestors) when there is one, else none. A size with an optional KiB, MiB or GiB suffix, 16MiB to 1024GiB, or 0",
			set: func(c *Config, v string) (err error) {
				if v == "0" {
					c.MemoryLimit = 0
					return nil
				}
				c.MemoryLimit, err = parseSize(v, MinMemoryLimit, MaxMemoryLimit)
				return err
			},
			show: func(c Config) string { return formatSize(c.MemoryLimit) + " (GOMEMLIMIT or the cgroup's)" },
		},
		{
			name: "tick", arg: "duration",
			usage: fmt.Sprintf("interval of the market ticker updates, %v to %v", MinTick, MaxTick),
			set: func(c *Config, v string) (err error) {
				c.Tick, err = parseDuration(v, MinTick, MaxTick)
				return err
			},
			show: func(c Config) string { return c.Tick.String() },
		},
		{
			name: "symbols", arg: "list",
			usage: fmt.Sprintf("comma-separated ticker symbols in display order: 1 to %d, each 1 to %d characters of A-Z, 0-9 and '.'", market.MaxSymbols, market.MaxSymbolLen),
			set: func(c *Config, v string) (err error) {
				c.Symbols, err = market.ParseSymbols(v)
				return err
			},
			show: func(c Config) string { return strconv.Quote(strings.Join(c.Symbols, ",")) },
		},
		{
			name: "seed", arg: "integer",
			usage: "seed of the simulated market, for reproducible prices; 0 picks one at random",
			set: func(c *Config, v string) (err error) {
				c.Seed, err = strconv.ParseInt(v, 10, 64)
				if err != nil {
					return errors.New("must be a whole number")
				}
				return nil
			},
			show: func(c Config) string { return strconv.FormatInt(c.Seed, 10) + " (random)" },
		},
		{
			name: "heartbeat", arg: "duration",
			usage: fmt.Sprintf("interval of the ping comments on every event stream, %v to %v", MinHeartbeat, MaxHeartbeat),
			set: func(c *Config, v string) (err error) {
				c.Heartbeat, err = parseDuration(v, MinHeartbeat, MaxHeartbeat)
				return err
			},
			show: func(c Config) string { return c.Heartbeat.String() },
		},
		{
			name: "write-timeout", arg: "duration",
			usage: fmt.Sprintf("a client whose write does not complete within this is evicted, %v to %v", MinWriteTimeout, MaxWriteTimeout),
			set: func(c *Config, v string) (err error) {
				c.WriteTimeout, err = parseDuration(v, MinWriteTimeout, MaxWriteTimeout)
				return err
			},
			show: func(c Config) string { return c.WriteTimeout.String() },
		},
		{
			name: "queue-bytes", arg: "size",
			usage: "bytes queued for one connection before it is evicted as too slow; a number with an optional KiB, MiB or GiB suffix, 1KiB to 1GiB",
			set: func(c *Config, v string) (err error) {
				c.QueueBytes, err = parseSize(v, MinQueueBytes, MaxQueueBytes)
				return err
			},
			show: func(c Config) string { return formatSize(c.QueueBytes) },
		},
		{
			name: "max-streams", arg: "streams",
			usage: fmt.Sprintf("event streams open at once on this node, past which a new one is answered 503 with Retry-After; 0 derives it from the file descriptor limit (the limit less max(512, a 32nd of it), kept for other requests, NATS and files); at most %d", MaxStreams),
			set: func(c *Config, v string) (err error) {
				c.MaxStreams, err = parseInt(v, 0, MaxStreams)
				return err
			},
			show: func(c Config) string { return strconv.Itoa(c.MaxStreams) + " (from the descriptor limit)" },
		},
		{
			name: "max-streams-per-ip", arg: "streams",
			usage: fmt.Sprintf("event streams open at once from one client address (an IPv4 address or an IPv6 /64; behind --trusted-proxies, the forwarded one), likewise answered 503 past it, and the listener closes a connection from an address with twice as many open; loopback clients (an untrusted reverse proxy on this machine, load tests) count only against --max-streams; 0: no per-address cap; at most %d", MaxStreams),
			set: func(c *Config, v string) (err error) {
				c.MaxStreamsPerIP, err = parseInt(v, 0, MaxStreams)
				return err
			},
			show: func(c Config) string { return strconv.Itoa(c.MaxStreamsPerIP) },
		},
		{
			name: "body-timeout", arg: "duration",
			usage: fmt.Sprintf("a request body that has not fully arrived this long after its headers is answered 408 (streams have no body and are not affected), %v to %v", MinBodyTimeout, MaxBodyTimeout),
			set: func(c *Config, v string) (err error) {
				c.BodyTimeout, err = parseDuration(v, MinBodyTimeout, MaxBodyTimeout)
				return err
			},
			show: func(c Config) string { return c.BodyTimeout.String() },
		},
		{
			name: "allowed-origins", arg: "origins",
			usage: "comma-separated origins (scheme://host[:port]) whose pages may post, besides this server's own (the Host header, with https when it serves TLS, a trusted proxy says so or --cookie-secure is set, else http): behind a proxy that rewrites Host, the public one, such as https://chat.example.com",
			set: func(c *Config, v string) (err error) {
				c.AllowedOrigins, err = parseOrigins(v)
				return err
			},
			show: func(c Config) string { return strconv.Quote(strings.Join(c.AllowedOrigins, ",")) + " (none)" },
		},
		{
			name: "replay-max", arg: "messages",
			usage: fmt.Sprintf("most missed messages a resume replays; a longer backlog gets resync and the page loads the latest instead, 1 to %d", MaxReplay),
			set: func(c *Config, v string) (err error) {
				c.ReplayMax, err = parseInt(v, 1, MaxReplay)
				return err
			},
			show: func(c Config) string { return strconv.Itoa(c.ReplayMax) },
		},
		{
			name: "replay-max-bytes", arg: "size",
			usage: "most bytes of missed messages (their JSON) a resume replays; a bigger backlog gets resync; a number with an optional KiB, MiB or GiB suffix, 1KiB to 1TiB",
			set: func(c *Config, v string) (err error) {
				c.ReplayMaxBytes, err = parseSize(v, MinReplayBytes, MaxReplayBytes)
				return err
			},
			show: func(c Config) string { return formatSize(c.ReplayMaxBytes) },
		},
		{
			name: "sync-always", arg: "", isBool: true,
			usage: "fsync every JetStream write: survives power loss, but each acknowledged send waits for the disk (measured 8-20x slower sequential sends here); a process crash loses nothing acknowledged either way",
			set: func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return errors.New("must be true or false")
				}
				c.SyncAlways = b
				return nil
			},
			show: func(c Config) string { return strconv.FormatBool(c.SyncAlways) },
		},
		{
			name: "pprof-addr", arg: "host:port",
			usage: "serve Go's CPU, heap and goroutine profiles (net/http/pprof) on this loopback address, on a listener of their own, such as 127.0.0.1:6060. Empty: no profiles",
			set: func(c *Config, v string) (err error) {
				if v == "" {
					c.PprofAddr = ""
					return nil
				}
				c.PprofAddr, err = parseLoopbackAddr(v)
				return err
			},
			show: func(c Config) string { return strconv.Quote(c.PprofAddr) + " (none)" },
		},
		{
			name: "web-dir", arg: "path",
			usage: "directory of the static assets and app.wasm; empty means the first web/ holding app.wasm: next to the executable, one level above it, or else ./web",
			set:   func(c *Config, v string) error { c.WebDir = v; return nil },
			show:  func(c Config) string { return strconv.Quote(c.WebDir) },
		},
		{
			name: "dev", arg: "", isBool: true,
			usage: "development mode (make dev): pages reload when a new build is served and the service worker caches nothing; never in production",
			set: func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return errors.New("must be true or false")
				}
				c.Dev = b
				return nil
			},
			show: func(c Config) string { return strconv.FormatBool(c.Dev) },
		},
		{
			name: "log-level", arg: "level",
			usage: "least important log records written: debug, info, warn or error",
			set: func(c *Config, v string) (err error) {
				c.LogLevel, err = oneOf(v, "debug", "info", "warn", "error")
				return err
			},
			show: func(c Config) string { return c.LogLevel },
		},
		{
			name: "log-format", arg: "format",
			usage: "log format: text or json",
			set: func(c *Config, v string) (err error) {
				c.LogFormat, err = oneOf(v, "text", "json")
				return err
			},
			show: func(c Config) string { return c.LogFormat },
		},
	}
}

// parsePath accepts a file path, or "" for none; a path of blanks only is
// a mistake, not a file name.
func parsePath(v string) (string, error) {
	if v != "" && strings.TrimSpace(v) == "" {
		return "", errors.New("must be a file path or empty")
	}
	return v, nil
}

// parseAddr accepts host:port with a numeric port 0..65535.
func parseAddr(v string) (string, error) {
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		return "", errors.New("must be host:port, such as :8000 or 127.0.0.1:8000")
	}
	if strings.ContainsAny(host, " \t\r\n") {
		return "", errors.New("host must not contain spaces")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", errors.New("port must be a number from 0 to 65535")
	}
	return v, nil
}

// parseLoopbackAddr accepts host:port whose host is a loopback IP address
// or localhost: what it serves (profiles) must not reach the network.
func parseLoopbackAddr(v string) (string, error) {
	if _, err := parseAddr(v); err != nil {
		return "", err
	}
	host, _, _ := net.SplitHostPort(v)
	if host == "localhost" {
		return v, nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "", errors.New("must be a loopback address such as 127.0.0.1:6060 or [::1]:6060: profiles expose the process's internals")
	}
	return v, nil
}

// parseNATSURL accepts "" or a comma-separated list of nats://, tls://,
// ws:// or wss:// URLs, or host:port.
func parseNATSURL(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return "", errors.New("must not hold an empty URL")
		}
		if !strings.Contains(part, "://") {
			part = "nats://" + part
		}
		u, err := url.Parse(part)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("%q is not a URL such as nats://127.0.0.1:4222", part)
		}
		switch u.Scheme {
		case "nats", "tls", "ws", "wss":
		default:
			return "", fmt.Errorf("scheme %q is not nats, tls, ws or wss", u.Scheme)
		}
	}
	return v, nil
}

// parseRoutes accepts "" or a comma-separated list of host:port or
// nats-route://host:port (nats:// is taken too), returned as host:port.
// Credentials do not belong there: the node adds --nats-user and
// --nats-password.
func parseRoutes(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []string
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		if scheme, rest, ok := strings.Cut(part, "://"); ok {
			if scheme != "nats-route" && scheme != "nats" {
				return nil, fmt.Errorf("scheme %q of %q is not nats-route", scheme, part)
			}
			part = rest
		}
		if strings.Contains(part, "@") || strings.Contains(part, "/") {
			return nil, fmt.Errorf("%q: give host:port only (the credentials are --nats-user and --nats-password)", part)
		}
		host, _, err := net.SplitHostPort(part)
		if err != nil || host == "" {
			return nil, fmt.Errorf("%q is not host:port such as 10.0.0.2:6222", part)
		}
		if _, err := parseAddr(part); err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		out = append(out, part)
	}
	if len(out) > MaxRoutes {
		return nil, fmt.Errorf("must list at most %d routes", MaxRoutes)
	}
	return out, nil
}

// parseClusterName accepts a NATS cluster name: 1 to 64 letters, digits,
// '-' or '_' (NATS refuses spaces in it).
func parseClusterName(v string) (string, error) {
	if v == "" || len(v) > 64 {
		return "", errors.New("must be 1 to 64 characters")
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", errors.New("must be letters, digits, '-' or '_'")
		}
	}
	return v, nil
}

// parseOrigins accepts "" or a comma-separated list of http:// or https://
// origins, without path, query or user; they are returned in lower case,
// as browsers send them.
func parseOrigins(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var origins []string
	for part := range strings.SplitSeq(v, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		u, err := url.Parse(part)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") ||
			u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(part, "?") {
			return nil, fmt.Errorf("%q is not an origin such as https://chat.example.com", part)
		}
		origins = append(origins, part)
	}
	return origins, nil
}

// parseNATSSecret accepts a NATS user name or password: printable, without
// spaces (they travel in the NATS CONNECT line and, percent-encoded, in
// URLs), at most maxLen bytes (bcrypt, which keeps the password, takes 72).
func parseNATSSecret(v string, maxLen int) (string, error) {
	if len(v) > maxLen {
		return "", fmt.Errorf("must be at most %d bytes", maxLen)
	}
	for _, r := range v {
		if r <= ' ' || r == 0x7f || !unicode.IsPrint(r) {
			return "", errors.New("must be printable characters without spaces")
		}
	}
	return v, nil
}

func parseFloat(v string, lo, hi float64) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("must be a number")
	}
	if f < lo || f > hi {
		return 0, fmt.Errorf("must be from %v to %v", lo, hi)
	}
	return f, nil
}

func parseInt(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errors.New("must be a whole number")
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("must be from %d to %d", lo, hi)
	}
	return n, nil
}

func parseDuration(v string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("must be a duration such as 500ms, 2s or 1m")
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("must be from %v to %v", lo, hi)
	}
	return d, nil
}

// sizeUnit is a suffix of a byte count.
type sizeUnit struct {
	suffix string
	n      int
}

// sizeUnits returns the suffixes parseSize knows, binary ones first.
func sizeUnits() []sizeUnit {
	return []sizeUnit{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}}
}

// parseSize reads a byte count such as 1048576, 1MiB or 512KiB.
func parseSize(v string, lo, hi int) (int, error) {
	num, mult := v, 1
	for _, u := range sizeUnits() {
		if s, ok := strings.CutSuffix(v, u.suffix); ok {
			num, mult = s, u.n
			break
		}
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 0 || n > hi/mult {
		return 0, fmt.Errorf("must be a size from %s to %s, such as 1048576 or 1MiB", formatSize(lo), formatSize(hi))
	}
	if n*mult < lo {
		return 0, fmt.Errorf("must be from %s to %s", formatSize(lo), formatSize(hi))
	}
	return n * mult, nil
}

// formatSize shows n with the largest binary unit that divides it.
func formatSize(n int) string {
	for _, u := range sizeUnits()[:3] {
		if n >= u.n && n%u.n == 0 {
			return strconv.Itoa(n/u.n) + u.suffix
		}
	}
	return strconv.Itoa(n)
}

// parsePrefixes reads a comma-separated list of CIDR ranges or single
// addresses ("10.0.0.0/8, 192.0.2.7, ::1").
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR range such as 10.0.0.0/8 or 192.0.2.7", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func formatPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// oneOf returns v in lower case if it is one of choices.
func oneOf(v string, choices ...string) (string, error) {
	l := strings.ToLower(v)
	for _, c := range choices {
		if l == c {
			return c, nil
		}
	}
	return "", fmt.Errorf("must be one of %s", strings.Join(choices, ", "))
}
