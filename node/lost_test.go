package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/testclient"
	"tickertalk/store"
)

// TestZeroedLogPartMeansResync: 4 KiB in the middle of a chat block file
// are zeroed while the node is stopped, in a room that is not full.
// JetStream counts the entries it cannot read as deleted; after a restart
// a client resuming from before them gets resync, one that saw everything
// does not.
func TestZeroedLogPartMeansResync(t *testing.T) {
	const room, n = "lobby", 150
	dir := t.TempDir()
	// The log is written through the store with a bound of 100 kB, which
	// makes JetStream use blocks of 32 kB: the messages fill several.
	s, err := store.Open(t.Context(), store.Config{DataDir: dir, MaxBytes: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 400)
	var first, last uint64
	logID := s.LogID()
	for i := range n {
		m := tt.ChatMessage{Room: room, Nick: "alice", Text: fmt.Sprintf("m%d %s", i, pad),
			Time: time.Now().UTC().Truncate(time.Millisecond), ClientID: fmt.Sprintf("c%d", i)}
		seq, _, err := s.Publish(t.Context(), m, "")
		if err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
		if first == 0 {
			first = seq
		}
		last = seq
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	zeroChatBlockMiddle(t, dir)

	b := startClusterNode(t, func(c *config.Config) { c.DataDir, c.MaxStoreBytes = dir, config.MinMaxStoreBytes })
	r := testclient.OpenStream(t, b.URL+tt.PathEventStream+"?room="+room, tt.MessageID{Log: logID, Seq: first}.String())
	got := r.MustNext(t, 10*time.Second, func(e testclient.Event) bool {
		return e.Event == tt.EventResync || e.Event == tt.EventMessage
	})
	if got.Event != tt.EventResync {
		t.Fatalf("resuming after %d, before the zeroed part: first %s %s, want resync", first, got.Event, got.Data)
	}
	ok := testclient.OpenStream(t, b.URL+tt.PathEventStream+"?room="+room, tt.MessageID{Log: logID, Seq: last}.String())
	ok.MustNext(t, 10*time.Second, func(e testclient.Event) bool { return e.Event == tt.EventPresence })
	for _, e := range ok.Events() {
		if e.Event == tt.EventResync {
			t.Fatalf("resuming after the last message %d: resync", last)
		}
	}
}

// zeroChatBlockMiddle zeroes 4 KiB in the middle of the chat stream's
// first block file, which a later block follows.
func zeroChatBlockMiddle(t *testing.T, dataDir string) {
	t.Helper()
	blocks, err := filepath.Glob(filepath.Join(dataDir, "jetstream", "jetstream", "*", "streams", "CHAT", "msgs", "*.blk"))
	if err != nil || len(blocks) < 2 {
		t.Fatalf("chat stream blocks %v (%v): want two or more", blocks, err)
	}
	blk := filepath.Join(filepath.Dir(blocks[0]), "1.blk")
	fi, err := os.Stat(blk)
	if err != nil {
		t.Fatalf("first block: %v", err)
	}
	if fi.Size() < 3*4096 {
		t.Fatalf("first block %s holds %d bytes, too few to damage its middle", blk, fi.Size())
	}
	f, err := os.OpenFile(blk, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, 4096), fi.Size()/2/4096*4096); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
