package features_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// react posts a reaction as c.
func react(t *testing.T, c *testclient.Client, room, messageID, emoji string, on bool, clientID string) (int, tt.EventReply, tt.APIError) {
	t.Helper()
	return post(t, c, tt.KindReaction.Name(), tt.Reaction{Room: room, MessageID: messageID, Emoji: emoji, On: on}, clientID)
}

// reactionsOf decodes the reaction events among evs, in order, checking
// that each carries its id.
func reactionsOf(t *testing.T, evs []testclient.Event) []tt.Reaction {
	t.Helper()
	var out []tt.Reaction
	for _, ev := range evs {
		if ev.Event != tt.KindReaction.Name() {
			continue
		}
		if !ev.HasID {
			t.Fatalf("a reaction without an id: %+v", ev)
		}
		r, err := tt.KindReaction.Decode([]byte(ev.Data))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// pageReactions decodes the reactions of a scrollback page.
func pageReactions(t *testing.T, page tt.MessagePage) []tt.Reaction {
	t.Helper()
	var out []tt.Reaction
	for _, e := range page.Events {
		if e.Kind != tt.KindReaction.Name() {
			continue
		}
		r, err := tt.KindReaction.Decode(e.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// TestReactionBadInputs: every bad reaction gets the contract's JSON 4xx
// (or, for one that changes nothing, 202 without an id) and leaves nothing
// in the chat log.
func TestReactionBadInputs(t *testing.T) {
	n := startNode(t, "")
	alice := testclient.NewSession(t, n.URL, "alice")
	bob := testclient.NewSession(t, n.URL, "bob")
	anon := testclient.NewClient(t, n.URL)
	m := alice.Send(t, "lobby", "react to me", "")
	elsewhere := alice.Send(t, "other", "not in the lobby", "")
	status, first, _ := react(t, alice, "lobby", m.ID, "👍", true, "")
	if status != http.StatusCreated || first.ID == "" {
		t.Fatalf("a valid reaction: %d %+v, want 201 with an id", status, first)
	}
	before := n.stored(t)
	mid, ok := tt.ParseMessageID(m.ID)
	if !ok {
		t.Fatalf("message id %q", m.ID)
	}

	reaction := func(room, id, emoji string, on bool) tt.Reaction {
		return tt.Reaction{Room: room, MessageID: id, Emoji: emoji, On: on}
	}
	kind := tt.KindReaction.Name()
	tests := []struct {
		name   string
		client *testclient.Client
		kind   string
		data   any
		status int
		code   string
	}{
		{"no such message", alice, kind, reaction("lobby", tt.MessageID{Log: mid.Log, Seq: 999999}.String(), "👍", true), 422, tt.CodeInvalidReaction},
		{"the message's sequence in another log", alice, kind, reaction("lobby", tt.MessageID{Log: "zz", Seq: mid.Seq}.String(), "👍", true), 422, tt.CodeInvalidReaction},
		{"a bare sequence", alice, kind, reaction("lobby", strconv.FormatUint(mid.Seq, 10), "👍", true), 422, tt.CodeInvalidReaction},
		{"a message of another room", alice, kind, reaction("lobby", elsewhere.ID, "👍", true), 422, tt.CodeInvalidReaction},
		{"the room of the message, wrong", alice, kind, reaction("other", m.ID, "👍", true), 422, tt.CodeInvalidReaction},
		{"a reaction, not a message", alice, kind, reaction("lobby", first.ID, "👍", true), 422, tt.CodeInvalidReaction},
		{"a malformed id", alice, kind, reaction("lobby", "01", "👍", true), 422, tt.CodeInvalidReaction},
		{"no message id", alice, kind, reaction("lobby", "", "👍", true), 422, tt.CodeInvalidReaction},
		{"an unknown emoji", alice, kind, reaction("lobby", m.ID, "🦄", true), 422, tt.CodeInvalidReaction},
		{"an emoji over the length limit", alice, kind, reaction("lobby", m.ID, strings.Repeat("👍", 5), true), 422, tt.CodeInvalidReaction},
		{"text for an emoji", alice, kind, reaction("lobby", m.ID, "+1", true), 422, tt.CodeInvalidReaction},
		{"a bad room", alice, kind, reaction("Lobby!", m.ID, "👍", true), 422, tt.CodeInvalidRoom},
		{"an unknown field", alice, kind, json.RawMessage(`{"room":"lobby","messageId":"` + m.ID + `","emoji":"👍","on":true,"count":9}`), 400, tt.CodeBadJSON},
		{"data not an object", alice, kind, json.RawMessage(`["lobby"]`), 400, tt.CodeBadJSON},
		{"a kind not registered", alice, "reactions", reaction("lobby", m.ID, "❤️", true), 400, tt.CodeUnknownKind},
		{"no session", anon, kind, reaction("lobby", m.ID, "❤️", true), 401, tt.CodeNoSession},
		{"on again: nothing to change", alice, kind, reaction("lobby", m.ID, "👍", true), 202, ""},
		{"off without an on: nothing to change", bob, kind, reaction("lobby", m.ID, "👍", false), 202, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, reply, apiErr := post(t, tc.client, tc.kind, tc.data, testclient.NewClientID())
			if status != tc.status || apiErr.Code != tc.code || reply.ID != "" {
				t.Fatalf("%d %+v %+v, want %d with code %q and no id", status, reply, apiErr, tc.status, tc.code)
			}
			if tc.code != "" && apiErr.Error == "" {
				t.Fatalf("error %+v without a sentence", apiErr)
			}
		})
	}
	if after := n.stored(t); after != before {
		t.Fatalf("the chat log holds %d entries after the bad reactions, %d before", after, before)
	}
	if got := pageReactions(t, scrollback(t, alice, "lobby")); len(got) != 1 {
		t.Fatalf("scrollback holds reactions %+v, want only the valid one", got)
	}
}

// TestReactionTogglingAndTallies: a person's reaction toggles (a repeat
// stores nothing); the tally folded from the live stream, from a resume's
// replay and from scrollback are the same; and a restarted node judges
// toggles from the tally it rebuilt from the log.
func TestReactionTogglingAndTallies(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	alice := testclient.NewSession(t, n.URL, "alice")
	bob := testclient.NewSession(t, n.URL, "bob")
	m := alice.Send(t, "lobby", "react to me", "")
	live := testclient.OpenStream(t, n.URL+tt.PathEventStream+"?room=lobby", "")
	before := n.stored(t)

	const firstClientID = "00000000-0000-4000-8000-000000000001"
	steps := []struct {
		who      *testclient.Client
		emoji    string
		on       bool
		clientID string
		status   int
	}{
		{alice, "👍", true, firstClientID, http.StatusCreated},
		{alice, "👍", true, "", http.StatusAccepted},
		{bob, "👍", true, "", http.StatusCreated},
		{alice, "🎉", true, "", http.StatusCreated},
		{alice, "👍", false, "", http.StatusCreated},
		{alice, "👍", false, "", http.StatusAccepted},
		{bob, "❤️", false, "", http.StatusAccepted},
		{alice, "👍", true, "", http.StatusCreated},
		// A retry of the first is answered with its id, and not judged
		// again.
		{alice, "👍", true, firstClientID, http.StatusOK},
	}
	created, firstID := 0, ""
	for i, s := range steps {
		clientID := s.clientID
		if clientID == "" {
			clientID = testclient.NewClientID()
		}
		status, reply, apiErr := react(t, s.who, "lobby", m.ID, s.emoji, s.on, clientID)
		if status != s.status || (status == http.StatusAccepted) != (reply.ID == "") {
			t.Fatalf("step %d: %s %s on=%v: %d %+v %+v, want %d", i, s.who.Nick, s.emoji, s.on, status, reply, apiErr, s.status)
		}
		switch {
		case status == http.StatusCreated:
			created++
			if firstID == "" {
				firstID = reply.ID
			}
		case status == http.StatusOK && reply.ID != firstID:
			t.Fatalf("step %d: the retry answered id %s, want the first's %s", i, reply.ID, firstID)
		}
	}
	if got := n.stored(t) - before; got != uint64(created) {
		t.Fatalf("the chat log grew by %d entries for %d stored reactions", got, created)
	}

	want := []tt.EmojiCount{{Emoji: "👍", Nicks: []string{"bob", "alice"}}, {Emoji: "🎉", Nicks: []string{"alice"}}}
	live.WaitFor(t, 10*time.Second, "every reaction live", func(evs []testclient.Event) bool {
		return len(reactionsOf(t, evs)) >= created
	})
	replay := testclient.OpenStream(t, n.URL+tt.PathEventStream+"?room=lobby", m.ID)
	replay.WaitFor(t, 10*time.Second, "every reaction replayed", func(evs []testclient.Event) bool {
		return len(reactionsOf(t, evs)) >= created
	})
	for _, src := range []struct {
		name string
		rs   []tt.Reaction
	}{
		{"the live stream", reactionsOf(t, live.Events())},
		{"a resume's replay", reactionsOf(t, replay.Events())},
		{"scrollback", pageReactions(t, scrollback(t, alice, "lobby"))},
	} {
		if len(src.rs) != created {
			t.Errorf("%s holds %d reactions, want %d", src.name, len(src.rs), created)
		}
		if got := tt.Tally(src.rs).Counts(m.ID); !reflect.DeepEqual(got, want) {
			t.Errorf("tally from %s = %v, want %v", src.name, got, want)
		}
	}

	// The restarted node knows alice's 👍 is on and bob's ❤️ is not.
	n.Stop()
	n = startNode(t, dir)
	for _, c := range []*testclient.Client{alice, bob} {
		c.BaseURL, c.Origin = n.URL, n.URL // same host: the cookie jar keeps the sessions
	}
	before = n.stored(t)
	for i, s := range []struct {
		who    *testclient.Client
		emoji  string
		on     bool
		status int
	}{
		{alice, "👍", true, http.StatusAccepted},
		{bob, "❤️", false, http.StatusAccepted},
		{alice, "👍", false, http.StatusCreated},
		{bob, "👍", false, http.StatusCreated},
	} {
		if status, reply, apiErr := react(t, s.who, "lobby", m.ID, s.emoji, s.on, testclient.NewClientID()); status != s.status {
			t.Fatalf("after the restart, step %d: %s %s on=%v: %d %+v %+v, want %d", i, s.who.Nick, s.emoji, s.on, status, reply, apiErr, s.status)
		}
	}
	if got := n.stored(t) - before; got != 2 {
		t.Fatalf("after the restart the chat log grew by %d entries, want 2", got)
	}
	want = []tt.EmojiCount{{Emoji: "🎉", Nicks: []string{"alice"}}}
	if got := tt.Tally(pageReactions(t, scrollback(t, alice, "lobby"))).Counts(m.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("tally from scrollback after the restart = %v, want %v", got, want)
	}
}
