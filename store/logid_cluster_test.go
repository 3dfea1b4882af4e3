package store

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	tt "tickertalk/app"
	"tickertalk/internal/freeport"
	"tickertalk/internal/wait"
)

// startNATSCluster starts n NATS servers with JetStream on loopback,
// clustered by routes to the first, each with its own store, and returns
// their client URLs once the cluster has a JetStream meta leader.
func startNATSCluster(t *testing.T, n int) []string {
	t.Helper()
	// Route ports chosen up front, so that each server is given every
	// peer: a port taken by another process before its server binds it
	// fails the test, it does not pass it.
	ports := freeport.Ports(t, n)
	var routes []*url.URL
	for _, p := range ports {
		routes = append(routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", p)})
	}
	servers := make([]*server.Server, n)
	for i := range n {
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i),
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   filepath.Join(t.TempDir(), "jetstream"),
			NoSigs:     true,
			NoLog:      true,
			Cluster:    server.ClusterOpts{Name: "tt", Host: "127.0.0.1", Port: ports[i]},
			Routes:     routes,
		}
		s, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		go s.Start()
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
		servers[i] = s
	}
	urls := make([]string, n)
	for i, s := range servers {
		if !s.ReadyForConnections(30 * time.Second) {
			t.Fatalf("server %d not ready", i)
		}
		urls[i] = s.ClientURL()
	}
	wait.For(t, 30*time.Second, "a JetStream meta leader", func() bool {
		for _, s := range servers {
			if s.JetStreamIsLeader() {
				return true
			}
		}
		return false
	})
	return urls
}

// TestLogIDIsTheSameOnEveryReplica: on a cluster of three NATS servers
// with the chat stream replicated on all three (R3), a node on each server
// sees the same log identity, and a message's id is the same read from any
// of them: the identity is the stream's, assigned once by the cluster.
func TestLogIDIsTheSameOnEveryReplica(t *testing.T) {
	t.Parallel()
	var nodes []*Store
	for _, u := range startNATSCluster(t, 3) {
		cfg := testConfig(t)
		cfg.URL, cfg.Replicas = u, 3
		var s *Store
		wait.ForNil(t, 30*time.Second, func() error { // the stream's group may still be forming
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var err error
			s, err = Open(ctx, cfg)
			return err
		})
		t.Cleanup(func() { _ = s.Close() })
		nodes = append(nodes, s)
	}
	logID := nodes[0].LogID()
	if !tt.ValidLogID(logID) {
		t.Fatalf("LogID() = %q", logID)
	}
	seq := publish(t, nodes[0], "lobby", "hi", "d1")
	want := tt.MessageID{Log: logID, Seq: seq}.String()
	for i, s := range nodes {
		if got := s.LogID(); got != logID {
			t.Errorf("node %d: LogID() = %q, want %q", i, got, logID)
		}
		m, err := s.Message(t.Context(), seq)
		if err != nil || m.ID != want {
			t.Errorf("node %d: Message(%d) = %q, %v; want %q", i, seq, m.ID, err, want)
		}
	}
}
