package node

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tickertalk/config"
)

// TestPprofAddrRefusesNonLoopback starts nodes whose --pprof-addr would
// reach the network: each fails at start, naming the flag, before it opens
// its store or listens on anything.
func TestPprofAddrRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.0.2.1:6060", "example.com:6060"} {
		t.Run(addr, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = filepath.Join(t.TempDir(), "data")
			cfg.PprofAddr = addr
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = Serve(ctx, cfg, testLogger(t), ln)
			if !errors.Is(err, ErrPprofNotLoopback) || !strings.Contains(err.Error(), "--pprof-addr") {
				t.Fatalf("Serve with --pprof-addr %s = %v, want %v naming the flag", addr, err, ErrPprofNotLoopback)
			}
			if _, err := os.Stat(cfg.DataDir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the store was opened before the refusal (stat %s: %v)", cfg.DataDir, err)
			}
		})
	}
}

// TestPprofAddrServesProfiles takes a one-second CPU profile from a
// running node's --pprof-addr, and checks that the public listener does
// not serve the profiles.
func TestPprofAddrServesProfiles(t *testing.T) {
	var got atomic.Pointer[net.TCPAddr]
	n := startClusterNode(t, func(c *config.Config) { c.PprofAddr = "127.0.0.1:0" },
		OnPprofListening(func(a net.Addr) { got.Store(a.(*net.TCPAddr)) }))
	a := got.Load()
	if a == nil || !a.IP.IsLoopback() || a.Port == 0 {
		t.Fatalf("pprof listener address %v", a)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get("http://" + a.String() + "/debug/pprof/profile?seconds=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET profile: %s %s", resp.Status, body)
	}
	// A CPU profile is a gzipped protocol buffer.
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		t.Fatalf("profile is not gzip: %d bytes starting %q", len(body), body[:min(len(body), 16)])
	}
	resp2, err := client.Get(n.URL + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	if resp2.StatusCode == http.StatusOK && strings.Contains(string(page), "goroutine") {
		t.Fatalf("the public listener serves the profiles index: %s", page[:min(len(page), 200)])
	}
}
