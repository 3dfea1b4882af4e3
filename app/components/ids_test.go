package components

import (
	"slices"
	"testing"

	tt "tickertalk/app"
)

// TestIDLessOrdersLogsAndSequences: ids of one log by sequence, a
// later-created log's after an older one's, and what is not an id (none,
// a bare number from an old cache) first.
func TestIDLessOrdersLogsAndSequences(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"hoqi5ze25z-9", "hoqi5ze25z-10", true},
		{"hoqi5ze25z-10", "hoqi5ze25z-9", false},
		{"hoqi5ze25z-42", "hoqi5ze25z-42", false},
		{"hoqi5ze25z-900", "hoqj000000-1", true}, // a wiped store's new log
		{"hoqj000000-1", "hoqi5ze25z-900", false},
		{"900", "hoqi5ze25z-1", true}, // an id cached before ids named their log
		{"hoqi5ze25z-1", "900", false},
		{"", "hoqi5ze25z-0", true},
	}
	for _, tc := range tests {
		if got := idLess(tc.a, tc.b); got != tc.want {
			t.Errorf("idLess(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestResyncFromAnotherLogReplacesItsMessages: a room cached from another
// log (a bare-number cache from before ids named their log, or a wiped
// store's log) resyncs; the new log's page and what its stream brought
// meanwhile replace every message of the old one, and the room resumes
// from the new log's id.
func TestResyncFromAnotherLogReplacesItsMessages(t *testing.T) {
	const log = "hoqj000000"
	for _, old := range [][]string{{"41", "42"}, {"hoqi5ze25z-41", "hoqi5ze25z-42"}} {
		t.Run(old[0], func(t *testing.T) {
			grab := &contextOf{}
			load(t, grab)
			p := newPage()
			p.st = newStore(grab.ctx.LocalStorage())
			msg := func(id string) tt.ChatMessage {
				return tt.ChatMessage{ID: id, Room: "lobby", Nick: "bob", Text: "m" + id}
			}
			p.messages = []tt.ChatMessage{msg(old[0]), msg(old[1])}
			p.lastEventID = old[1]
			p.saveRoom()

			// The server answers the cached id with resync; its stream
			// brings message 3 before the room's page (1, 2) comes.
			p.resyncing = true
			p.messages = mergeMessages(p.messages, msg(log+"-3"))
			p.applyLatest(grab.ctx, tt.MessagePage{Messages: []tt.ChatMessage{msg(log + "-1"), msg(log + "-2")}}, true)
			want := []string{log + "-1", log + "-2", log + "-3"}
			if got := ids(p.messages); !slices.Equal(got, want) {
				t.Errorf("after the resync: ids %v, want %v", got, want)
			}
			if c := p.st.room("lobby"); p.lastEventID != log+"-2" || !slices.Equal(ids(c.Messages), want) {
				t.Errorf("last id %q, cached %v; want %s-2 and %v", p.lastEventID, ids(c.Messages), log, want)
			}
		})
	}
}
