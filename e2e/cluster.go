package e2e

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Credentials of the test clusters' NATS: routes and clients present them.
const (
	ClusterUser     = "tt-node"
	ClusterPassword = "cluster-secret"
)

// FreePorts returns n TCP ports that were free on 127.0.0.1 a moment ago
// (each listened on, then closed).
func FreePorts(tb testing.TB, n int) []int {
	tb.Helper()
	ports := make([]int, n)
	lns := make([]net.Listener, n)
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatalf("free port: %v", err)
		}
		lns[i] = ln
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
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
// directory of its own, and returns once every one accepts clients. The
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
	return c
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
