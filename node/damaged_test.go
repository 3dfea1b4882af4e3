package node

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/testclient"
)

// TestDamagedLogEntryMeansResyncAndTheRoomStillTakesMessages: the oldest
// message of a full room is damaged in the chat stream's block file while
// the node is stopped. After a restart, a client resuming from before it
// gets resync (it may have missed it), one that saw everything does not,
// and the room still takes messages.
func TestDamagedLogEntryMeansResyncAndTheRoomStillTakesMessages(t *testing.T) {
	const room, places = "full", 3
	dir := t.TempDir()
	mutate := func(c *config.Config) { c.DataDir, c.History = dir, places }
	a := startClusterNode(t, mutate)
	alice := testclient.NewSession(t, a.URL, "alice", curl...)
	before := alice.Send(t, "other", "before", "")
	alice.Send(t, room, "damaged-oldest", "")
	for _, text := range []string{"kept 1", "kept 2"} {
		alice.Send(t, room, text, "")
	}
	last := alice.Send(t, "other", "last", "")
	a.Stop()
	corruptChatBlock(t, dir, `"text":"damaged-oldest"`)

	b := startClusterNode(t, mutate)
	s := testclient.OpenStream(t, b.URL+tt.PathEventStream+"?room="+room, before.ID)
	first := s.MustNext(t, 10*time.Second, func(e testclient.Event) bool {
		return e.Event == tt.EventResync || e.Event == tt.EventMessage
	})
	if first.Event != tt.EventResync {
		t.Fatalf("resuming after %s, before the damaged message: first %s %s, want resync", before.ID, first.Event, first.Data)
	}
	r := testclient.OpenStream(t, b.URL+tt.PathEventStream+"?room="+room, last.ID)
	r.MustNext(t, 10*time.Second, func(e testclient.Event) bool { return e.Event == tt.EventPresence })
	for _, e := range r.Events() {
		if e.Event == tt.EventResync {
			t.Fatalf("resuming after the last message %s: resync", last.ID)
		}
	}
	bob := testclient.NewSession(t, b.URL, "bob", curl...)
	for _, text := range []string{"after 1", "after 2"} {
		if m := bob.Send(t, room, text, ""); m.ID == "" {
			t.Fatalf("send %q to the damaged room: no id", text)
		}
	}
}

// corruptChatBlock flips 16 bytes of the chat stream's block file where
// marker is stored, as a failing disk would.
func corruptChatBlock(t *testing.T, dataDir, marker string) {
	t.Helper()
	err := filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(p, ".blk") || !strings.Contains(p, string(filepath.Separator)+"CHAT"+string(filepath.Separator)) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		at := bytes.Index(data, []byte(marker))
		if at < 0 {
			return nil
		}
		for i := at; i < at+16 && i < len(data); i++ {
			data[i] ^= 0x5a
		}
		marker = "" // found
		return os.WriteFile(p, data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	if marker != "" {
		t.Fatalf("%q in no block of the chat stream", marker)
	}
}
