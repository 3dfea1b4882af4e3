package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// serverNameFile holds a clustered embedded server's name under DataDir.
const serverNameFile = "nats-server-name"

// declareRetry is how often Open tries again to declare the stream and
// buckets while the NATS cluster has no JetStream quorum yet (its other
// servers are starting).
const declareRetry = time.Second

// ErrNoQuorum reports that the chat log has fewer current replicas than a
// majority: no write can be acknowledged until enough servers return.
var ErrNoQuorum = errors.New("store: the chat log has no quorum")

// clustered reports whether cfg makes the embedded server join a cluster.
func (c Config) clustered() bool { return c.ClusterListen != "" }

// clusterServerName returns the name the embedded server of a cluster
// runs under: kept in DataDir/nats-server-name, generated on first use.
// JetStream identifies a RAFT peer by its server name, so the name must be
// unique in the cluster and the same across restarts of one data dir.
func clusterServerName(dataDir string) (string, error) {
	path := filepath.Join(dataDir, serverNameFile)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		name := strings.TrimSpace(string(data))
		if name == "" || strings.ContainsAny(name, " \t\r\n") {
			return "", fmt.Errorf("store: %s does not hold a server name", path)
		}
		return name, nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("store: server name: %w", err)
	}
	name := serverName + "-" + strings.ToLower(rand.Text()[:10])
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", fmt.Errorf("store: server name: %w", err)
	}
	tmp, err := os.CreateTemp(dataDir, serverNameFile+".*")
	if err != nil {
		return "", fmt.Errorf("store: server name: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if _, err := tmp.WriteString(name + "\n"); err != nil {
		tmp.Close()
		return "", fmt.Errorf("store: server name: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("store: server name: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("store: server name: %w", err)
	}
	return name, nil
}

// clusterOptions sets opts up to join cfg's cluster: its cluster port,
// its name, routes to the peers carrying cfg's credentials, and a server
// name of its own. Routes must authenticate like clients: the cluster port
// is never open.
func clusterOptions(opts *server.Options, cfg Config) error {
	if cfg.User == "" || cfg.Password == "" {
		return errors.New("store: a NATS cluster needs a user and a password, the same on every node")
	}
	host, port, err := splitHostPort(cfg.ClusterListen)
	if err != nil {
		return fmt.Errorf("store: cluster address %q: %w", cfg.ClusterListen, err)
	}
	name, err := clusterServerName(cfg.DataDir)
	if err != nil {
		return err
	}
	opts.ServerName = name
	opts.Cluster.Name = cfg.ClusterName
	if opts.Cluster.Name == "" {
		opts.Cluster.Name = serverName
	}
	opts.Cluster.Host, opts.Cluster.Port = host, port
	// Routes discovered from a peer (not listed here) present these too,
	// as they are: so the password stays plain (NATS compares it in
	// constant time).
	opts.Cluster.Username, opts.Cluster.Password = cfg.User, cfg.Password
	opts.Cluster.ConnectRetries = -1 // keep trying peers that are not up yet
	opts.LameDuckDuration, opts.LameDuckGracePeriod = lameDuckDuration, lameDuckGrace
	for _, r := range cfg.Routes {
		u, err := url.Parse("nats-route://" + r)
		if err != nil || u.Host == "" {
			return fmt.Errorf("store: route %q is not host:port", r)
		}
		if r == cfg.ClusterListen {
			// The same list serves every node; a route to itself only
			// adds connections NATS must find out about and drop while
			// the peers dial it too.
			continue
		}
		u.User = url.UserPassword(cfg.User, cfg.Password)
		opts.Routes = append(opts.Routes, u)
	}
	return nil
}

// splitHostPort reads host:port; port 0 picks a free one.
func splitHostPort(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return "", 0, fmt.Errorf("port %q: %w", port, err)
	}
	if p == 0 {
		p = server.RANDOM_PORT
	}
	return host, p, nil
}

// ClusterURL is the cluster (route) address of the embedded server when
// [Config].ClusterListen is set, as host:port, for the other nodes'
// [Config].Routes; otherwise empty.
func (s *Store) ClusterURL() string {
	if s.srv == nil || !s.cfg.clustered() {
		return ""
	}
	if a := s.srv.ClusterAddr(); a != nil {
		return a.String()
	}
	return ""
}

// declareWhenQuorum declares the stream and buckets. On a cluster (the
// embedded server's, or one at URL) it tries again every second while
// JetStream has no quorum to create them (the other servers are still
// starting), until ctx ends; a single embedded server tries once.
func declareWhenQuorum(ctx context.Context, s *Store) error {
	cluster := s.cfg.clustered() || s.cfg.URL != ""
	for attempt := 0; ; attempt++ {
		err := s.declare(ctx)
		if err == nil && cluster {
			// A new stream answers only once its RAFT group has elected
			// a leader, which the meta leader's "created" does not wait
			// for.
			if _, ierr := s.stream.Info(ctx); ierr != nil {
				err = fmt.Errorf("store: stream %s: %w", streamName, ierr)
			}
		}
		if err == nil || !cluster || !waitingForCluster(err) || ctx.Err() != nil {
			return err
		}
		s.log.Debug("declare the chat log and buckets", "attempt", attempt, "err", err)
		if attempt%10 == 0 {
			s.log.Info("waiting for the NATS cluster: a majority of its servers must run to store the chat log", "err", err)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(declareRetry):
		}
	}
}

// waitingForCluster reports whether err, from declaring the assets, means
// that JetStream is not ready yet rather than refusing the configuration.
func waitingForCluster(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case jetstream.ErrorCode(server.JSClusterNotAvailErr),
			jetstream.ErrorCode(server.JSClusterNoPeersErrF),
			jetstream.ErrorCode(server.JSInsufficientResourcesErr),
			jetstream.ErrorCode(server.JSClusterNotActiveErr):
			return true
		}
		return apiErr.Code == 503
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders)
}

// quorum returns nil when the chat log's leader and enough current
// replicas to make a majority answer; otherwise why not, wrapping
// [ErrNoQuorum]. An unreplicated log always has its quorum.
func (s *Store) quorum(ctx context.Context) error {
	if s.cfg.Replicas <= 1 {
		return nil
	}
	info, err := s.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoQuorum, err)
	}
	c := info.Cluster
	if c == nil || c.Leader == "" {
		return fmt.Errorf("%w: no leader", ErrNoQuorum)
	}
	current := 1 // the leader
	for _, p := range c.Replicas {
		if p != nil && p.Current && !p.Offline && p.Active < staleReplica {
			current++
		}
	}
	if need := info.Config.Replicas/2 + 1; current < need {
		return fmt.Errorf("%w: %d of %d replicas current, %d needed", ErrNoQuorum, current, info.Config.Replicas, need)
	}
	return nil
}

// staleReplica is how long a replica may go unheard before the quorum
// check stops counting it (RAFT heartbeats come every second).
const staleReplica = 3 * time.Second

// quorumFailure returns err, from a write to a replicated chat log that
// got no answer, as [ErrNoQuorum]: what a write waits for there is a
// majority of the replicas. Other errors are returned as they are.
func (s *Store) quorumFailure(err error) error {
	var apiErr *jetstream.APIError
	if s.cfg.Replicas <= 1 || errors.Is(err, ErrNoQuorum) || errors.As(err, &apiErr) || !s.writeFailure(err) {
		return err
	}
	return fmt.Errorf("%w: no acknowledgement from a majority of its %d replicas: %w", ErrNoQuorum, s.cfg.Replicas, err)
}

// currentPoll is how often Open checks whether this server's replica of
// the chat log has caught up.
const currentPoll = 50 * time.Millisecond

// waitCurrent returns once the embedded server's replica of the chat log
// holds everything its leader had when asked and says it is current (a
// node that rejoins a cluster catches up before it follows: the
// follower's consumer may read this replica, and would otherwise take
// what it has not received yet for lost entries), or when ctx ends.
// Without a clustered embedded server it returns at once.
func (s *Store) waitCurrent(ctx context.Context) error {
	if s.srv == nil || !s.cfg.clustered() {
		return nil
	}
	info, err := s.stream.Info(ctx) // the leader answers
	if err != nil {
		return fmt.Errorf("store: catch up with the cluster: %w", err)
	}
	want := info.State.LastSeq
	start, logged := time.Now(), time.Now()
	for {
		have := s.localLastSeq()
		if have >= want && s.srv.JetStreamIsStreamCurrent(server.DEFAULT_GLOBAL_ACCOUNT, streamName) {
			return nil
		}
		if time.Since(logged) >= progressEvery {
			s.log.Info("catching up with the cluster's chat log", "at", have, "of", want,
				"took", time.Since(start).Round(time.Second))
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("store: catch up with the cluster: %w", ctx.Err())
		case <-time.After(currentPoll):
		}
	}
}

// localLastSeq is the last sequence of the embedded server's own replica
// of the chat log (0 when it has none yet).
func (s *Store) localLastSeq() uint64 {
	for _, st := range s.localStreams(false) {
		if st.Name == streamName {
			return st.State.LastSeq
		}
	}
	return 0
}
