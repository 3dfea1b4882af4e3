package e2e

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"tickertalk/internal/freeport"
	"tickertalk/internal/wait"
)

// Credentials of the test clusters' NATS: routes and clients present them.
const (
	ClusterUser     = "tt-node"
	ClusterPassword = "cluster-secret"
)

// FreePorts returns n TCP ports that were free on 127.0.0.1 a moment ago,
// below the kernel's ephemeral range (see package freeport): no listen on
// port 0, of a node's HTTP or NATS client port say, takes one of them.
func FreePorts(tb testing.TB, n int) []int {
	tb.Helper()
	return freeport.Ports(tb, n)
}

// StartCluster runs n tickertalk processes whose embedded NATS servers
// form one cluster on 127.0.0.1 (--nats-cluster-listen and --nats-routes,
// the replicas left to their default: 3 from three nodes), each with its
// own data dir, and returns them once every one listens. extra(i) adds
// options to the i-th.
func StartCluster(tb testing.TB, n int, extra func(i int) []Option) []*Server {
	tb.Helper()
	ports := FreePorts(tb, n)
	routes := make([]string, n)
	for i, p := range ports {
		routes[i] = "127.0.0.1:" + strconv.Itoa(p)
	}
	return StartServers(tb, n, func(i int) []Option {
		opts := []Option{
			WithFlags("--nats-cluster-listen", routes[i], "--nats-routes", strings.Join(routes, ",")),
			WithEnv("TICKERTALK_NATS_USER="+ClusterUser, "TICKERTALK_NATS_PASSWORD="+ClusterPassword),
		}
		if extra != nil {
			opts = append(opts, extra(i)...)
		}
		return opts
	})
}

// NATSCluster is a cluster of NATS servers with JetStream run in the test
// process (nats-server as a library) on 127.0.0.1, whose clients and
// routes present [ClusterUser] and [ClusterPassword]. Its methods are safe
// for concurrent use.
type NATSCluster struct {
	tb      testing.TB
	mu      sync.Mutex
	opts    []*server.Options
	servers []*server.Server // nil: stopped
}

// StartNATSCluster starts n clustered NATS servers, each storing under a
// directory of its own, and returns once every one accepts clients and
// JetStream has elected its metadata leader. The
// servers are shut down at cleanup.
func StartNATSCluster(tb testing.TB, n int) *NATSCluster {
	tb.Helper()
	ports := FreePorts(tb, 2*n)
	var routes []*url.URL
	for i := range n {
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", ports[n+i]),
			User: url.UserPassword(ClusterUser, ClusterPassword)})
	}
	c := &NATSCluster{tb: tb, servers: make([]*server.Server, n)}
	for i := range n {
		c.opts = append(c.opts, &server.Options{
			ServerName: fmt.Sprintf("ext-nats-%d", i),
			Host:       "127.0.0.1",
			Port:       ports[i],
			Username:   ClusterUser,
			Password:   ClusterPassword,
			JetStream:  true,
			StoreDir:   filepath.Join(tb.TempDir(), "jetstream"),
			NoSigs:     true,
			NoLog:      true,
			Cluster: server.ClusterOpts{
				Name: "ext", Host: "127.0.0.1", Port: ports[n+i],
				Username: ClusterUser, Password: ClusterPassword,
			},
			Routes: routes,
		})
	}
	tb.Cleanup(func() {
		for i := range n {
			c.Stop(i)
		}
	})
	for i := range n {
		c.Start(i)
	}
	// JetStream answers only once its servers elected a metadata leader.
	wait.For(tb, 30*time.Second, "the NATS cluster to elect a JetStream leader", c.jetStreamReady)
	return c
}

// jetStreamReady reports whether one server leads JetStream's metadata
// and every running one is current with it.
func (c *NATSCluster) jetStreamReady() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	leader := false
	for _, s := range c.servers {
		if s == nil {
			continue
		}
		if !s.JetStreamIsCurrent() {
			return false
		}
		leader = leader || s.JetStreamIsLeader()
	}
	return leader
}

// StreamLeader returns the index of the server that leads the stream
// named stream, as JetStream reports it.
func (c *NATSCluster) StreamLeader(stream string) int {
	c.tb.Helper()
	nc, err := nats.Connect(c.URL(), nats.UserInfo(ClusterUser, ClusterPassword))
	if err != nil {
		c.tb.Fatalf("connect to the NATS cluster: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		c.tb.Fatalf("jetstream: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		c.tb.Fatalf("stream %s: %v", stream, err)
	}
	info, err := st.Info(ctx)
	if err != nil || info.Cluster == nil {
		c.tb.Fatalf("stream %s info: %v", stream, err)
	}
	for i, o := range c.opts {
		if o.ServerName == info.Cluster.Leader {
			return i
		}
	}
	c.tb.Fatalf("stream %s led by %q, not a server of the cluster", stream, info.Cluster.Leader)
	return -1
}

// URL is the --nats-url of every server of the cluster, without the
// credentials.
func (c *NATSCluster) URL() string {
	urls := make([]string, len(c.opts))
	for i, o := range c.opts {
		urls[i] = fmt.Sprintf("nats://%s:%d", o.Host, o.Port)
	}
	return strings.Join(urls, ",")
}

// Start starts the i-th server (again, after [NATSCluster.Stop]) on its
// ports and store, and waits until it accepts clients.
func (c *NATSCluster) Start(i int) {
	c.tb.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.servers[i] != nil {
		return
	}
	o := *c.opts[i]
	s, err := server.NewServer(&o)
	if err != nil {
		c.tb.Fatalf("nats server %d: %v", i, err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		c.tb.Fatalf("nats server %d not ready in 10 s", i)
	}
	c.servers[i] = s
}

// Stop shuts the i-th server down and waits for it.
func (c *NATSCluster) Stop(i int) {
	c.mu.Lock()
	s := c.servers[i]
	c.servers[i] = nil
	c.mu.Unlock()
	if s != nil {
		s.Shutdown()
		s.WaitForShutdown()
	}
}
