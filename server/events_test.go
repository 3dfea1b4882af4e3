package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// The test-only kinds of this package, declared here and nowhere else.

// pollVote is a vote: durable.
type pollVote struct {
	Room   string `json:"room"`
	Option string `json:"option"`
	Nick   string `json:"nick,omitempty"`
}

func (v pollVote) EventRoom() string { return v.Room }

// codeInvalidVote answers a vote for no option.
const codeInvalidVote = "invalid_vote"

func (v pollVote) Validate() error {
	if err := tt.ValidateRoom(v.Room); err != nil {
		return err
	}
	if v.Option == "" || len(v.Option) > 8 {
		return &tt.InvalidError{Code: codeInvalidVote, Msg: "option must be 1 to 8 bytes"}
	}
	return nil
}

// pollTopic is a room's poll question: a state.
type pollTopic struct {
	Room     string `json:"room"`
	Question string `json:"question"`
}

func (v pollTopic) EventRoom() string { return v.Room }

// pollPing is a signal.
type pollPing struct {
	Room string `json:"room"`
}

func (v pollPing) EventRoom() string { return v.Room }

// pollUnhandled is durable and has no handler: clients cannot send it.
type pollUnhandled struct {
	Room string `json:"room"`
}

func (v pollUnhandled) EventRoom() string { return v.Room }

var (
	kindPollVote  = tt.Declare[pollVote]("poll-vote", tt.Durable, "A vote (server tests only).")
	kindPollTopic = tt.Declare[pollTopic]("poll-topic", tt.State, "A poll question (server tests only).")
	kindPollPing  = tt.Declare[pollPing]("poll-ping", tt.Signal, "A ping (server tests only).")
	// Declared for its name alone: no test handles it.
	_ = tt.Declare[pollUnhandled]("poll-unhandled", tt.Durable, "No handler (server tests only).")
)

// votingNode is a node whose vote handler publishes votes through the API,
// refusing option "veto" with an *Error.
func votingNode(t *testing.T, tweak ...func(*Options)) *testNode {
	t.Helper()
	n := startNode(t, "", tweak...)
	On(n.srv, kindPollVote, func(ctx context.Context, c Command, v pollVote) error {
		if v.Option == "veto" {
			return &Error{Status: http.StatusConflict, Code: "vetoed", Msg: "no vetoes"}
		}
		v.Nick = c.Nick
		_, err := Publish(ctx, n.srv, kindPollVote, v, c.From())
		return err
	})
	On(n.srv, kindPollPing, func(_ context.Context, _ Command, v pollPing) error {
		return Signal(n.srv, kindPollPing, v)
	})
	return n
}

func voteBody(room, option, clientID string) string {
	return fmt.Sprintf(`{"kind":"poll-vote","data":{"room":%q,"option":%q},"clientId":%q}`, room, option, clientID)
}

// postVote posts a vote and returns the answer's status and id.
func postVote(t *testing.T, c *testclient.Client, room, option, clientID string) (int, string) {
	t.Helper()
	resp := c.Do(t, "POST", tt.PathEvents, "application/json", voteBody(room, option, clientID), nil)
	body := mustRead(t, resp)
	var reply tt.EventReply
	if resp.StatusCode < 300 {
		reply = decode[tt.EventReply](t, body)
	}
	return resp.StatusCode, reply.ID
}

// TestEventsBadInput: every bad POST /api/events gets its JSON 4xx and
// stores nothing: the next stored event takes the very next log position.
func TestEventsBadInput(t *testing.T) {
	n := votingNode(t, func(o *Options) { o.SendRate, o.SendBurst = 0.01, 2 })
	alice := n.newUser(t, "alice")
	anon := &testclient.Client{Client: &http.Client{Timeout: 5 * time.Second}, BaseURL: n.URL}
	_, first := postVote(t, alice, "lobby", "yes", "c0") // the rate's burst: 1 left
	wait.For(t, 5*time.Second, "the first vote in the index", func() bool { return n.index.Last() > 0 })
	const js = "application/json"
	tests := []struct {
		name   string
		u      *testclient.Client
		body   string
		hdr    map[string]string
		status int
		code   string
	}{
		{"unknown kind", alice, `{"kind":"nope","data":{}}`, nil, 400, tt.CodeUnknownKind},
		{"declared, no handler", alice, `{"kind":"poll-unhandled","data":{"room":"lobby"}}`, nil, 400, tt.CodeUnknownKind},
		{"built-in kind", alice, `{"kind":"presence","data":{"room":"lobby"}}`, nil, 400, tt.CodeUnknownKind},
		{"no kind", alice, `{"data":{"room":"lobby"}}`, nil, 400, tt.CodeUnknownKind},
		{"malformed", alice, `{"kind":"poll-vote","data":`, nil, 400, tt.CodeBadJSON},
		{"data not the type", alice, `{"kind":"poll-vote","data":{"room":7}}`, nil, 400, tt.CodeBadJSON},
		{"unknown data field", alice, `{"kind":"poll-vote","data":{"room":"lobby","option":"y","id":"1"}}`, nil, 400, tt.CodeBadJSON},
		{"no data", alice, `{"kind":"poll-vote"}`, nil, 400, tt.CodeBadJSON},
		{"null data", alice, `{"kind":"poll-vote","data":null}`, nil, 400, tt.CodeBadJSON},
		{"unknown field", alice, `{"kind":"poll-vote","data":{},"x":1}`, nil, 400, tt.CodeBadJSON},
		{"over the size limit", alice, `{"kind":"poll-vote","data":{"room":"lobby","option":"` + strings.Repeat("a", 17<<10) + `"}}`, nil, 413, tt.CodeTooLarge},
		{"Validate fails", alice, voteBody("lobby", "", "c1"), nil, 422, codeInvalidVote},
		{"bad room", alice, voteBody("Lobby", "y", "c1"), nil, 422, tt.CodeInvalidRoom},
		{"bad client id", alice, voteBody("lobby", "y", "bad id\n"), nil, 422, tt.CodeInvalidClientID},
		{"handler refuses", alice, voteBody("lobby", "veto", "c2"), nil, 409, "vetoed"},
		{"no session", anon, voteBody("lobby", "y", "c3"), nil, 401, tt.CodeNoSession},
		{"cross-origin", alice, voteBody("lobby", "y", "c4"), map[string]string{"Origin": "http://evil.example"}, 403, tt.CodeCrossOrigin},
		{"rate limited", alice, voteBody("lobby", "y", "c6"), nil, 429, tt.CodeRateLimited},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.u.Do(t, "POST", tt.PathEvents, js, tc.body, tc.hdr)
			assertAPIError(t, resp, tc.status, tc.code)
			if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); tc.status == http.StatusTooManyRequests && (err != nil || ra < 1) {
				t.Errorf("429 with Retry-After %q, want whole seconds", resp.Header.Get("Retry-After"))
			}
		})
	}
	resp := alice.Do(t, "GET", tt.PathEvents, "", "", nil)
	assertAPIError(t, resp, 405, tt.CodeMethodNotAllowed)

	// Nothing was stored: a vote from a fresh session takes the next
	// position, and the room's page holds the first vote alone.
	status, id := postVote(t, n.newUser(t, "bob"), "lobby", "no", "b1")
	want := seqOf(t, first) + 1
	if status != http.StatusCreated || id != n.id(want) {
		t.Fatalf("the next vote: %d id %s, want 201 id %s: something was stored", status, id, n.id(want))
	}
}

// TestPublishedKindOnStreamReplayAndScrollback: votes published through
// the API reach a live stream typed, with their log ids, in order with
// the messages; a resume replays them with their own event name; and
// scrollback pages hold each once, next to the messages of their range.
func TestPublishedKindOnStreamReplayAndScrollback(t *testing.T) {
	n := votingNode(t)
	alice := n.newUser(t, "alice")
	s := testclient.OpenStream(t, n.URL+tt.PathEventStream+"?room=lobby", "")
	s.MustNext(t, 5*time.Second, isEvent(tt.EventPresence))

	var order []string // "m:id" or "v:id", in log order
	_, v0 := postVote(t, alice, "lobby", "early", "v0")
	order = append(order, "v:"+v0)
	m1 := alice.Send(t, "lobby", "first", "m1")
	order = append(order, "m:"+m1.ID)
	_, v1 := postVote(t, alice, "lobby", "yes", "v1")
	order = append(order, "v:"+v1)
	m2 := alice.Send(t, "lobby", "second", "m2")
	order = append(order, "m:"+m2.ID)
	_, v2 := postVote(t, alice, "lobby", "no", "v2")
	order = append(order, "v:"+v2)
	if status, again := postVote(t, alice, "lobby", "no", "v2"); status != http.StatusOK || again != v2 {
		t.Fatalf("retry of v2: %d %s, want 200 %s", status, again, v2)
	}
	m3 := alice.Send(t, "lobby", "third", "m3")
	order = append(order, "m:"+m3.ID)

	seq := func(evs []testclient.Event) []string {
		var out []string
		for _, ev := range evs {
			switch ev.Event {
			case tt.EventMessage:
				out = append(out, "m:"+ev.ID)
			case kindPollVote.Name():
				v, err := kindPollVote.Decode([]byte(ev.Data))
				if err != nil || v.Nick != "alice" || v.Room != "lobby" {
					t.Fatalf("vote %q: %+v %v", ev.Data, v, err)
				}
				out = append(out, "v:"+ev.ID)
			}
		}
		return out
	}
	s.WaitFor(t, 10*time.Second, "6 events live", func(evs []testclient.Event) bool { return len(seq(evs)) >= 6 })
	if got := seq(s.Events()); strings.Join(got, " ") != strings.Join(order, " ") {
		t.Fatalf("live: %v, want %v (the retry must not be delivered again)", got, order)
	}

	for _, tc := range []struct {
		room, id, kind string
		found          bool
	}{
		{"lobby", m1.ID, tt.EventMessage, true},
		{"lobby", v1, kindPollVote.Name(), true},
		{"other", m1.ID, "", false},
		{"lobby", "999", "", false},
		{"lobby", "01", "", false},
	} {
		e, ok, err := n.srv.Stored(tc.room, tc.id)
		if err != nil || ok != tc.found || e.Kind != tc.kind || (ok && e.ID != tc.id) {
			t.Fatalf("Stored(%s, %s) = %+v %v %v, want kind %q found %v", tc.room, tc.id, e, ok, err, tc.kind, tc.found)
		}
	}

	r := testclient.OpenStream(t, n.URL+tt.PathEventStream+"?room=lobby", m1.ID)
	r.WaitFor(t, 10*time.Second, "4 events replayed", func(evs []testclient.Event) bool { return len(seq(evs)) >= 4 })
	if got := seq(r.Events()); strings.Join(got, " ") != strings.Join(order[2:], " ") {
		t.Fatalf("replay after %s: %v, want %v", m1.ID, got, order[2:])
	}

	// Pages of one message: each holds the votes between its message and
	// the page before it; the last, the vote older than any message too.
	var pages []string
	before := ""
	for range 4 {
		var page tt.MessagePage
		path := tt.RoomMessagesPath("lobby") + "?limit=1"
		if before != "" {
			path += "&before=" + before
		}
		if _, err := alice.Request(context.Background(), "GET", path, "", nil, &page); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range page.Messages {
			ids = append(ids, "m:"+m.ID)
		}
		for _, e := range page.Events {
			if e.Kind != kindPollVote.Name() {
				t.Fatalf("scrollback event of kind %q", e.Kind)
			}
			if _, err := kindPollVote.Decode(e.Data); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, "v:"+e.ID)
		}
		pages = append(pages, strings.Join(ids, ","))
		if !page.More {
			break
		}
		before = page.Messages[0].ID
	}
	want := []string{"m:" + m3.ID, "m:" + m2.ID + ",v:" + v2, "m:" + m1.ID + ",v:" + v0 + ",v:" + v1}
	if strings.Join(pages, " | ") != strings.Join(want, " | ") {
		t.Fatalf("scrollback pages %v, want %v", pages, want)
	}
}

// TestStateAndSignal: a state has no id, goes to the room's streams and is
// in the snapshot of a stream opened later (also one that resumes); a
// signal sent with POST /api/events reaches the room's streams only and is
// never stored.
func TestStateAndSignal(t *testing.T) {
	n := votingNode(t)
	alice := n.newUser(t, "alice")
	lobby := testclient.OpenStream(t, n.URL+tt.PathEventStream+"?room=lobby", "")
	other := testclient.OpenStream(t, n.URL+tt.PathEventStream+"?room=other", "")
	lobby.MustNext(t, 5*time.Second, isEvent(tt.EventPresence))
	other.MustNext(t, 5*time.Second, isEvent(tt.EventPresence))

	if err := SetState(n.srv, kindPollTopic, pollTopic{Room: "lobby", Question: "tea?"}); err != nil {
		t.Fatal(err)
	}
	ev := lobby.MustNext(t, 5*time.Second, isEvent(kindPollTopic.Name()))
	if ev.HasID {
		t.Fatalf("a state event with an id: %+v", ev)
	}
	m := alice.Send(t, "lobby", "hi", "m1")
	for _, last := range []string{"", m.ID} {
		later := testclient.OpenStream(t, n.URL+tt.PathEventStream+"?room=lobby", last)
		if got := decode[pollTopic](t, later.MustNext(t, 5*time.Second, isEvent(kindPollTopic.Name())).Data); got.Question != "tea?" {
			t.Fatalf("snapshot (resume %q) %+v", last, got)
		}
	}
	resp := alice.Do(t, "POST", tt.PathEvents, "application/json", `{"kind":"poll-ping","data":{"room":"lobby"}}`, nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("signal: %d %s, want 202", resp.StatusCode, mustRead(t, resp))
	}
	if ev := lobby.MustNext(t, 5*time.Second, isEvent(kindPollPing.Name())); ev.HasID {
		t.Fatalf("a signal with an id: %+v", ev)
	}
	marker := alice.Send(t, "other", "marker", "m2")
	other.MustNext(t, 5*time.Second, func(ev testclient.Event) bool { return ev.Event == tt.EventMessage && ev.ID == marker.ID })
	for _, ev := range other.Events() {
		if ev.Event == kindPollPing.Name() || ev.Event == kindPollTopic.Name() {
			t.Fatalf("room other got lobby's %s", ev.Event)
		}
	}
	if got := n.index.Last(); got != 2 { // the two messages
		t.Fatalf("last log position %d, want 2: a state or signal was stored", got)
	}
	for _, bad := range []error{
		SetState(n.srv, kindPollTopic, pollTopic{Room: "Bad"}),
		Signal(n.srv, kindPollTopic, pollTopic{Room: "lobby"}),
		SetState(n.srv, tt.KindPresence, tt.Presence{Room: "lobby"}),
	} {
		if bad == nil {
			t.Fatal("a bad SetState or Signal was accepted")
		}
	}
	if _, err := Publish(context.Background(), n.srv, kindPollVote, pollVote{Room: "lobby"}, From{}); err == nil {
		t.Fatal("Publish of an invalid vote was accepted")
	}
}

// TestHandleAddsRoutes: an application's route beside the built-ins takes
// its own methods.
func TestHandleAddsRoutes(t *testing.T) {
	n := startNode(t, "")
	n.srv.Handle("POST /api/polls", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, map[string]string{"ok": "yes"})
	}))
	resp := n.newUser(t, "alice").Do(t, "POST", "/api/polls", "application/json", `{}`, nil)
	if body := mustRead(t, resp); resp.StatusCode != http.StatusCreated || !strings.Contains(body, "yes") {
		t.Fatalf("POST /api/polls: %d %s", resp.StatusCode, body)
	}
	var e tt.APIError
	resp = n.newUser(t, "bob").Do(t, "POST", "/api/other", "application/json", `{}`, nil)
	if err := json.Unmarshal([]byte(mustRead(t, resp)), &e); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /api/other: %d %+v", resp.StatusCode, e)
	}
}

// TestReplayKeepsStatesDropsSignals: while a replay waits on history, a
// live event of an application's state kind is kept and follows the
// replay, in order; a signal is dropped.
func TestReplayKeepsStatesDropsSignals(t *testing.T) {
	x := history.New(100)
	for id := 1; id <= 3; id++ {
		addMessage(t, x, id)
	}
	src := &gatedHistory{index: x, gate: make(chan struct{})}
	c, rec, _ := replayConn(src, &replayHooks{})
	idle := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return !c.writing
	}
	live(c)
	live(c, "data: T1\n", "event: poll-topic\n", "\n")
	live(c, "data: S1\n", "event: poll-ping\n", "\n")
	live(c, "data: T2\n", "event: poll-topic\n", "\n")
	close(src.gate)
	wait.For(t, 5*time.Second, "the replay to end", idle)

	want := ":ok\n\n" + msgFrame(1) + msgFrame(2) + msgFrame(3) +
		"event: presence\ndata: P0\n\n" +
		"data: T1\nevent: poll-topic\n\n" + "data: T2\nevent: poll-topic\n\n"
	if got := rec.Body.String(); got != want {
		t.Errorf("the socket got\n%q\nwant\n%q", got, want)
	}
}

// TestEventRetryIsNotRateLimited: a retry of a stored vote, sent at once
// by a session whose rate is spent, gets the original (200), also when it
// beats the follower to the index.
func TestEventRetryIsNotRateLimited(t *testing.T) {
	n := votingNode(t, func(o *Options) { o.SendRate, o.SendBurst = 0.01, 1 })
	for i := range 20 {
		u := n.newUser(t, fmt.Sprintf("u%d", i))
		status, id := postVote(t, u, "lobby", "yes", "once")
		if status != http.StatusCreated {
			t.Fatalf("vote %d: %d", i, status)
		}
		if status, again := postVote(t, u, "lobby", "yes", "once"); status != http.StatusOK || again != id {
			t.Fatalf("retry %d: %d %s, want 200 %s", i, status, again, id)
		}
	}
}
