package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestAnIDOfAWipedLogGetsResync: a node whose data dir was wiped starts a
// new log, whose sequences start at 1 again. A client holding an id of the
// old log (sequence 3, where the new log holds 6 messages) gets resync for
// each room of its stream and then only live messages, never the new log's
// messages 4-6 as if they followed its id; scrollback before that id is
// 400 foreign_id. A bare sequence (a page's cache from before ids named
// their log) is treated the same.
func TestAnIDOfAWipedLogGetsResync(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	alice := n.newUser(t, "alice")
	var old tt.ChatMessage
	for i := range 3 {
		old = alice.Send(t, "lobby", fmt.Sprint("old ", i), testclient.NewClientID())
	}
	n.Close()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}

	n = startNode(t, dir)
	bob := n.newUser(t, "bob")
	var last tt.ChatMessage
	for i := range 6 {
		last = bob.Send(t, []string{"lobby", "dev"}[i%2], fmt.Sprint("new ", i), testclient.NewClientID())
	}
	if seqOf(t, old.ID) >= seqOf(t, last.ID) {
		t.Fatalf("the new log ends at %s, not past the old id %s: the test checks nothing", last.ID, old.ID)
	}
	// Every message in the index, so that none comes live to the streams
	// below: a message after the resyncs is then a replay.
	wait.For(t, 5*time.Second, "the index to hold the new log's messages", func() bool {
		return n.index.Last() >= uint64(seqOf(t, last.ID))
	})

	for _, id := range []string{old.ID, strconv.Itoa(seqOf(t, old.ID))} {
		t.Run("resume from "+id, func(t *testing.T) {
			s := testclient.OpenStream(t, n.URL+"/eventstream?room=lobby&room=dev", id)
			resynced := map[string]bool{}
			for len(resynced) < 2 {
				ev := s.MustNextEvent(t, 5*time.Second, tt.EventResync, tt.EventMessage)
				if ev.Event != tt.EventResync {
					t.Fatalf("message %s of the new log replayed after %s of the old one", ev.ID, id)
				}
				r := decode[tt.Resync](t, ev.Data)
				if r.Reason != foreignReason {
					t.Errorf("resync %+v, want reason %q", r, foreignReason)
				}
				resynced[r.Room] = true
			}
			if !resynced["lobby"] || !resynced["dev"] {
				t.Fatalf("resynced %v, want lobby and dev", resynced)
			}
			next := bob.Send(t, "dev", "live "+id, testclient.NewClientID())
			if ev := s.MustNextEvent(t, 5*time.Second, tt.EventMessage, tt.EventResync); ev.ID != next.ID {
				t.Fatalf("after the resyncs got %s %s, want the live message %s", ev.Event, ev.ID, next.ID)
			}
		})
		t.Run("scrollback before "+id, func(t *testing.T) {
			resp := bob.Do(t, "GET", tt.RoomMessagesPath("lobby")+"?before="+id, "", "", nil)
			var e tt.APIError
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != http.StatusBadRequest || e.Code != tt.CodeForeignID {
				t.Fatalf("scrollback before %s = %d %+v, %v; want 400 %s", id, resp.StatusCode, e, err, tt.CodeForeignID)
			}
		})
	}
	var page tt.MessagePage
	if _, err := bob.Request(t.Context(), "GET", tt.RoomMessagesPath("lobby")+"?before="+last.ID, "", nil, &page); err != nil || len(page.Messages) != 3 {
		t.Fatalf("scrollback before this log's %s = %+v, %v; want its 3 lobby messages", last.ID, page, err)
	}
}
