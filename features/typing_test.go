package features_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/features"
	"tickertalk/internal/testclient"
)

// TestTypingIsASignal: a typing signal reaches the room's listeners with
// the sender's nick and no id, is refused above the rate limit and for bad
// input, and never reaches the store.
func TestTypingIsASignal(t *testing.T) {
	n := startNode(t, "")
	alice := testclient.NewSession(t, n.URL, "alice")
	bob := testclient.NewSession(t, n.URL, "bob")
	anon := testclient.NewClient(t, n.URL)
	bob.Send(t, "lobby", "hello", "")
	s := testclient.OpenStream(t, n.URL+tt.PathEventStream+"?room=lobby", "")
	s.MustNextEvent(t, 10*time.Second, tt.EventPresence)
	before := n.stored(t)
	kind := tt.KindTyping.Name()

	// The nick is the session's, whatever the data says.
	status, reply, apiErr := post(t, alice, kind, tt.Typing{Room: "lobby", Nick: "mallory"}, "")
	if status != http.StatusAccepted || reply.ID != "" {
		t.Fatalf("typing: %d %+v %+v, want 202 without an id", status, reply, apiErr)
	}
	ev := s.MustNextEvent(t, 10*time.Second, kind)
	if ev.HasID {
		t.Fatalf("a typing event with an id: %+v", ev)
	}
	if got, err := tt.KindTyping.Decode([]byte(ev.Data)); err != nil || got != (tt.Typing{Room: "lobby", Nick: "alice"}) {
		t.Fatalf("typing event %q (%v), want alice in lobby", ev.Data, err)
	}

	// Above the limit: 429, and nothing sent. A loaded machine may refill
	// a token or two meanwhile, hence up to 20 tries.
	limited := false
	for i := 0; i < 20 && !limited; i++ {
		status, _, apiErr = post(t, alice, kind, tt.Typing{Room: "lobby"}, "")
		switch {
		case status == http.StatusTooManyRequests && apiErr.Code == tt.CodeRateLimited:
			limited = true
		case status != http.StatusAccepted:
			t.Fatalf("typing #%d: %d %+v, want 202 or 429", i+2, status, apiErr)
		}
	}
	if !limited {
		t.Fatalf("21 typing signals in a row, none refused (burst %d)", features.TypingBurst)
	}
	// Another session has its own budget.
	if status, _, apiErr := post(t, bob, kind, tt.Typing{Room: "lobby"}, ""); status != http.StatusAccepted {
		t.Fatalf("bob typing after alice's refusal: %d %+v, want 202", status, apiErr)
	}

	for _, tc := range []struct {
		name   string
		client *testclient.Client
		data   any
		status int
		code   string
	}{
		{"a bad room", bob, tt.Typing{Room: "Lobby!"}, 422, tt.CodeInvalidRoom},
		{"no room", bob, tt.Typing{}, 422, tt.CodeInvalidRoom},
		{"an unknown field", bob, json.RawMessage(`{"room":"lobby","text":"secret draft"}`), 400, tt.CodeBadJSON},
		{"no data", bob, json.RawMessage(`null`), 400, tt.CodeBadJSON},
		{"no session", anon, tt.Typing{Room: "lobby"}, 401, tt.CodeNoSession},
	} {
		if status, _, apiErr := post(t, tc.client, kind, tc.data, ""); status != tc.status || apiErr.Code != tc.code {
			t.Errorf("%s: %d %+v, want %d %s", tc.name, status, apiErr, tc.status, tc.code)
		}
	}

	// Bob's signal arrived too; nothing of it, or of alice's, is stored,
	// paged or replayed.
	s.WaitFor(t, 10*time.Second, "bob's typing", func(evs []testclient.Event) bool {
		for _, ev := range evs {
			if ev.Event == kind && ev.Data == `{"room":"lobby","nick":"bob"}` {
				return true
			}
		}
		return false
	})
	if after := n.stored(t); after != before {
		t.Fatalf("the chat log holds %d entries after typing, %d before", after, before)
	}
	if page := scrollback(t, bob, "lobby"); len(page.Events) != 0 || len(page.Messages) != 1 {
		t.Fatalf("scrollback after typing: %+v, want the one message and no events", page)
	}
}
