package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// TestClusterServerNameIsKept: a clustered server's name is generated once
// per data dir and read back on every start (JetStream knows a RAFT peer by
// it), and two data dirs get different names.
func TestClusterServerNameIsKept(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	first, err := clusterServerName(a)
	if err != nil {
		t.Fatal(err)
	}
	again, err := clusterServerName(a)
	if err != nil || again != first {
		t.Fatalf("second start: %q, %v; want %q", again, err, first)
	}
	other, err := clusterServerName(b)
	if err != nil || other == first {
		t.Fatalf("another data dir: %q, %v; want a name other than %q", other, err, first)
	}
	if err := os.WriteFile(filepath.Join(a, serverNameFile), []byte("two words\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := clusterServerName(a); err == nil || !strings.Contains(err.Error(), serverNameFile) {
		t.Fatalf("a damaged name file: %v, want an error naming it", err)
	}
}

// TestClusterNeedsCredentials: an embedded server joins a cluster only
// with a user and password, which its routes present: no open port.
func TestClusterNeedsCredentials(t *testing.T) {
	_, err := Open(context.Background(), Config{DataDir: t.TempDir(), ClusterListen: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "user and a password") {
		t.Fatalf("Open clustered without credentials: %v, want refused", err)
	}
}

// TestLeaderGetReadsWhatGetReads: the leader's answer for a session key is
// the bucket's: the value and revision of a put, and not found for a key
// never written or deleted.
func TestLeaderGetReadsWhatGetReads(t *testing.T) {
	s := openTest(t, testConfig(t))
	ctx := t.Context()
	rev, err := s.sessions.Put(ctx, "k1", []byte("v1"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.leaderGet(ctx, sessionBucket, "k1")
	if err != nil || string(e.Value()) != "v1" || e.Revision() != rev || e.Key() != "k1" {
		t.Fatalf("leaderGet(k1) = %+v, %v; want v1 at revision %d", e, err, rev)
	}
	if err := s.sessions.Delete(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"k1", "never"} {
		if _, err := s.leaderGet(ctx, sessionBucket, key); !errors.Is(err, jetstream.ErrKeyNotFound) {
			t.Fatalf("leaderGet(%s) = %v, want ErrKeyNotFound", key, err)
		}
	}
}
