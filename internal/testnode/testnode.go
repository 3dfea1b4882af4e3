// Package testnode runs whole Tickertalk nodes in a test's process, on
// 127.0.0.1: the start, readiness wait and stop that the tests of client,
// features and node share.
//
// It does not import package node, so that node's own tests can use it:
// a test hands [Start] the node's run ([Serve]), bound to its config,
// logger and options.
//
// Only tests import this package (internal/testclient's
// TestOnlyTestsImportInternal checks that).
package testnode

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/wait"
)

// Bounds of a node's life in a test, generous for a loaded 2-core machine.
const (
	// ListenTimeout bounds [Listen]'s retries on an address still taken.
	ListenTimeout = 10 * time.Second
	// ReadyTimeout bounds [Start]'s wait for GET /readyz to answer 200.
	ReadyTimeout = 20 * time.Second
	// StopTimeout bounds [Node.Stop]'s wait for Serve to return.
	StopTimeout = 20 * time.Second
)

// fakeWasm is the header of a wasm module (magic and version), no code:
// what the server needs to find in its web directory.
const fakeWasm = "\x00asm\x01\x00\x00\x00"

// WriteFakeWasm writes a stand-in app.wasm in dir, for tests that load no
// page.
func WriteFakeWasm(dir string) error {
	return os.WriteFile(filepath.Join(dir, "app.wasm"), []byte(fakeWasm), 0o644)
}

// Config is [config.Default] for a node in a test: a fresh data directory
// and web directory (with a stand-in app.wasm), market seed 7, a 100 ms
// tick and no send-rate limit. Both directories go at tb's cleanup.
func Config(tb testing.TB) config.Config {
	tb.Helper()
	web := tb.TempDir()
	if err := WriteFakeWasm(web); err != nil {
		tb.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir = tb.TempDir()
	cfg.WebDir = web
	cfg.Seed = 7
	cfg.Tick = 100 * time.Millisecond
	cfg.SendRate = 0
	return cfg
}

// Listen listens on addr (a loopback address; port 0 for a free one). An
// address still taken, as by a node stopped a moment ago, is tried again
// for up to [ListenTimeout] before tb fails.
func Listen(tb testing.TB, addr string) net.Listener {
	tb.Helper()
	var ln net.Listener
	wait.For(tb, ListenTimeout, "listening on "+addr, func() bool {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err == nil
	})
	return ln
}

// Serve runs a node on ln until ctx is done: node.Serve, or the node
// package's own Serve in its tests, bound to a config, a logger and
// options. It returns what Serve returns.
type Serve func(ctx context.Context, ln net.Listener) error

// Node is a node started by [Start].
type Node struct {
	// URL is the node's base URL, http://127.0.0.1:port.
	URL string

	stop func()
}

// Start runs serve on ln in a goroutine and returns once GET /readyz
// answers 200; tb fails when that takes over [ReadyTimeout]. The node
// stops at tb's cleanup, or at [Node.Stop] before.
func Start(tb testing.TB, ln net.Listener, serve Serve) *Node {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln) }()
	n := &Node{URL: "http://" + ln.Addr().String()}
	var once sync.Once
	n.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					tb.Errorf("Serve: %v", err)
				}
			case <-time.After(StopTimeout):
				tb.Errorf("Serve did not return within %v of its cancel", StopTimeout)
			}
		})
	}
	tb.Cleanup(n.stop)
	hc := &http.Client{Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()
	wait.For(tb, ReadyTimeout, "node ready", func() bool {
		resp, err := hc.Get(n.URL + tt.PathReady)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return n
}

// Stop stops the node and waits for Serve to return, failing the test
// when it returns an error or takes over [StopTimeout]; the node's
// streams end. It is idempotent and safe from any goroutine.
func (n *Node) Stop() { n.stop() }
