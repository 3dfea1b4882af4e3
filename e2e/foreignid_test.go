package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestAnIDFromAnotherDataDirGetsResync: the binary is stopped, its data
// dir wiped, and started again on the same address, so its new log gives
// sequences from 1 again and soon passes the ids clients still hold. A
// client resuming from an id of the old log (by Last-Event-ID, or by the
// lastEventId query as a page restoring its cache does) gets resync for
// each of its rooms and then live messages, never the new log's messages
// after that sequence; a page's cache from before ids named their log (a
// bare sequence) likewise. Scrollback before such an id is 400 foreign_id.
func TestAnIDFromAnotherDataDirGetsResync(t *testing.T) {
	srv := StartServer(t, WithFlags("--send-rate", "0"))
	alice := testclient.NewSession(t, srv.URL, "alice")
	var old tt.ChatMessage
	for i := range 3 {
		old = alice.Send(t, "lobby", fmt.Sprint("old ", i), "")
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	wipe(t, srv.DataDir)
	srv.StartAgain()

	bob := testclient.NewSession(t, srv.URL, "bob")
	var last tt.ChatMessage
	for i := range 6 {
		last = bob.Send(t, []string{"lobby", "dev"}[i%2], fmt.Sprint("new ", i), "")
	}
	if mustSeq(t, old.ID) >= mustSeq(t, last.ID) {
		t.Fatalf("the new log ends at %s, not past the old id %s: the test checks nothing", last.ID, old.ID)
	}
	// Every message in the server's index (scrollback reads it, in log
	// order), so that none comes live to the streams below: a message
	// after the resyncs is then a replay.
	wait.For(t, 10*time.Second, "scrollback to hold the new log's last message", func() bool {
		var page tt.MessagePage
		_, err := bob.Request(t.Context(), http.MethodGet, tt.RoomMessagesPath(last.Room), "", nil, &page)
		return err == nil && len(page.Messages) > 0 && page.Messages[len(page.Messages)-1].ID == last.ID
	})
	if old.ID == fmt.Sprint(mustSeq(t, old.ID)) {
		t.Fatalf("the old id %s is a bare sequence: the legacy case below would test the same twice", old.ID)
	}

	stream := srv.URL + tt.PathEventStream + "?room=lobby&room=dev"
	tests := []struct{ name, url, lastID string }{
		{"Last-Event-ID", stream, old.ID},
		{"lastEventId query", stream + "&" + tt.QueryLastEventID + "=" + old.ID, ""},
		{"bare sequence from an old cache", stream + "&" + tt.QueryLastEventID + "=" + fmt.Sprint(mustSeq(t, old.ID)), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testclient.OpenStream(t, tc.url, tc.lastID)
			resynced := map[string]bool{}
			for len(resynced) < 2 {
				ev := s.MustNextEvent(t, 10*time.Second, tt.EventResync, tt.EventMessage)
				if ev.Event != tt.EventResync {
					t.Fatalf("message %s of the new log replayed after an id of the old one", ev.ID)
				}
				var r tt.Resync
				if err := json.Unmarshal([]byte(ev.Data), &r); err != nil {
					t.Fatalf("resync %q: %v", ev.Data, err)
				}
				resynced[r.Room] = true
			}
			if !resynced["lobby"] || !resynced["dev"] {
				t.Fatalf("resynced %v, want lobby and dev", resynced)
			}
			live := bob.Send(t, "lobby", "live "+tc.name, "")
			if ev := s.MustNextEvent(t, 10*time.Second, tt.EventMessage, tt.EventResync); ev.ID != live.ID {
				t.Fatalf("after the resyncs got %s %s, want the live message %s", ev.Event, ev.ID, live.ID)
			}
		})
	}

	for _, before := range []string{old.ID, fmt.Sprint(mustSeq(t, old.ID))} {
		resp := bob.Do(t, http.MethodGet, tt.RoomMessagesPath("lobby")+"?"+tt.QueryBefore+"="+before, "", "", nil)
		var e tt.APIError
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != http.StatusBadRequest || e.Code != tt.CodeForeignID {
			t.Errorf("scrollback before %s = %d %+v, %v; want 400 %s", before, resp.StatusCode, e, err, tt.CodeForeignID)
		}
	}
}

// wipe removes everything in dir, keeping dir (the server runs in it).
func wipe(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}
