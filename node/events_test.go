package node

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/testclient"
	"tickertalk/server"
)

// The test-only kinds: declared here and nowhere else, published only
// through the server's API.

// testVote is a vote in a poll: durable.
type testVote struct {
	Room   string `json:"room"`
	Option string `json:"option"`
	Nick   string `json:"nick,omitempty"`
}

func (v testVote) EventRoom() string { return v.Room }

func (v testVote) Validate() error {
	if err := tt.ValidateRoom(v.Room); err != nil {
		return err
	}
	if v.Option == "" || len(v.Option) > 8 {
		return &tt.InvalidError{Code: "invalid_vote", Msg: "option must be 1 to 8 bytes"}
	}
	return nil
}

// testTopic is a room's topic: a state.
type testTopic struct {
	Room  string `json:"room"`
	Topic string `json:"topic"`
}

func (v testTopic) EventRoom() string { return v.Room }

// testNudge is a nudge: a signal.
type testNudge struct {
	Room string `json:"room"`
	From string `json:"from"`
}

func (v testNudge) EventRoom() string { return v.Room }

var (
	kindTestVote  = tt.Declare[testVote]("test-vote", tt.Durable, "A vote (node tests only).")
	kindTestTopic = tt.Declare[testTopic]("test-topic", tt.State, "A room's topic (node tests only).")
	kindTestNudge = tt.Declare[testNudge]("test-nudge", tt.Signal, "A nudge (node tests only).")
)

// withVotes registers the vote handler: it publishes the vote as its
// sender's, through the API.
func withVotes(got chan<- *server.Server) Option {
	return WithServer(func(s *server.Server) {
		server.On(s, kindTestVote, func(ctx context.Context, c server.Command, v testVote) error {
			v.Nick = c.Nick
			_, err := server.Publish(ctx, s, kindTestVote, v, c.From())
			return err
		})
		if got != nil {
			got <- s
		}
	})
}

// vote posts a vote to n and returns its id; it fails t unless the vote
// was stored (201).
func vote(t *testing.T, c *testclient.Client, room, option string) string {
	t.Helper()
	data, _ := json.Marshal(testVote{Room: room, Option: option})
	var reply tt.EventReply
	status, err := c.PostJSON(context.Background(), tt.PathEvents,
		tt.EventRequest{Kind: kindTestVote.Name(), Data: data, ClientID: testclient.NewClientID()}, &reply)
	if err != nil || status != http.StatusCreated || reply.ID == "" {
		t.Fatalf("POST %s vote %s: %d %+v %v, want 201 with an id", tt.PathEvents, option, status, reply, err)
	}
	return reply.ID
}

// votes decodes the test-vote events of evs, typed, with their ids.
func votes(t *testing.T, evs []testclient.Event) (ids []string, opts []string) {
	t.Helper()
	for _, ev := range evs {
		if ev.Event != kindTestVote.Name() {
			continue
		}
		v, err := kindTestVote.Decode([]byte(ev.Data))
		if err != nil {
			t.Fatalf("event %q: %v", ev.Data, err)
		}
		if !ev.HasID || ev.ID == "" {
			t.Fatalf("a durable event without an id: %+v", ev)
		}
		ids, opts = append(ids, ev.ID), append(opts, v.Option)
	}
	return ids, opts
}

// TestTestKindsCrossNodes: a durable kind declared only in this file, sent
// on node A through POST /api/events and published by its handler with
// server.Publish, reaches a stream on node B typed and with its id, and
// resumes there; a state set on A is on B's streams (and in the snapshot
// of a stream opened later), and a signal sent on A reaches B's stream.
func TestTestKindsCrossNodes(t *testing.T) {
	srvA := make(chan *server.Server, 1)
	a, natsURL := startNATSHost(t, withVotes(srvA))
	b := joinCluster(t, natsURL, withVotes(nil))
	sa := <-srvA

	alice := testclient.NewSession(t, a.URL, "alice", curl...)
	onB := testclient.OpenStream(t, b.URL+tt.PathEventStream+"?room=lobby", "")
	onB.MustNextEvent(t, 10*time.Second, tt.EventPresence)

	want := []string{vote(t, alice, "lobby", "yes"), vote(t, alice, "lobby", "no")}
	onB.WaitFor(t, 10*time.Second, "two votes on B", func(evs []testclient.Event) bool {
		ids, _ := votes(t, evs)
		return len(ids) >= 2
	})
	ids, opts := votes(t, onB.Events())
	if strings.Join(ids, ",") != strings.Join(want, ",") || strings.Join(opts, ",") != "yes,no" {
		t.Fatalf("B got votes %v %v, want ids %v yes,no", ids, opts, want)
	}
	r := testclient.OpenStream(t, b.URL+tt.PathEventStream+"?room=lobby", want[0])
	r.WaitFor(t, 10*time.Second, "the second vote replayed on B", func(evs []testclient.Event) bool {
		ids, _ := votes(t, evs)
		return len(ids) == 1 && ids[0] == want[1]
	})

	if err := server.SetState(sa, kindTestTopic, testTopic{Room: "lobby", Topic: "polls"}); err != nil {
		t.Fatal(err)
	}
	onB.MustNext(t, 10*time.Second, func(ev testclient.Event) bool {
		return ev.Event == kindTestTopic.Name() && !ev.HasID && strings.Contains(ev.Data, `"polls"`)
	})
	later := testclient.OpenStream(t, b.URL+tt.PathEventStream+"?room=lobby", "")
	later.MustNext(t, 10*time.Second, func(ev testclient.Event) bool {
		return ev.Event == kindTestTopic.Name() && strings.Contains(ev.Data, `"polls"`)
	})
	if err := server.Signal(sa, kindTestNudge, testNudge{Room: "lobby", From: "alice"}); err != nil {
		t.Fatal(err)
	}
	onB.MustNext(t, 10*time.Second, func(ev testclient.Event) bool {
		return ev.Event == kindTestNudge.Name() && !ev.HasID && strings.Contains(ev.Data, `"alice"`)
	})
}

// childNodeEnv makes the test binary run one node (see TestMain): the
// value is its data dir, childAddrEnv its address.
const (
	childNodeEnv = "TICKERTALK_NODE_TEST_CHILD"
	childAddrEnv = "TICKERTALK_NODE_TEST_ADDR"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(childNodeEnv); dir != "" {
		os.Exit(serveChildNode(dir, os.Getenv(childAddrEnv)))
	}
	os.Exit(m.Run())
}

// serveChildNode serves a node with the vote handler on addr, prints its
// URL once ready, and runs until killed.
func serveChildNode(dir, addr string) int {
	cfg := config.Default()
	cfg.DataDir, cfg.Seed, cfg.Tick, cfg.SendRate = dir, 7, 100*time.Millisecond, 0
	cfg.WebDir = filepath.Join(dir, "web")
	if err := os.MkdirAll(cfg.WebDir, 0o755); err != nil {
		fmt.Println("error", err)
		return 1
	}
	if err := os.WriteFile(filepath.Join(cfg.WebDir, "app.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		fmt.Println("error", err)
		return 1
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println("error", err)
		return 1
	}
	fmt.Println("http://" + ln.Addr().String())
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	if err := Serve(context.Background(), cfg, log, ln, withVotes(nil)); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	return 0
}

// startChildNode runs a node in a process of its own and returns its URL
// once it is ready, and a function that SIGKILLs it.
func startChildNode(t *testing.T, dir, addr string) (string, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childNodeEnv+"="+dir, childAddrEnv+"="+addr)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill := func() {
		if killed {
			return
		}
		killed = true
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
	t.Cleanup(kill)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "http://") {
		t.Fatalf("node process said %q (%v)", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	url := strings.TrimSpace(line)
	waitReady(t, url)
	return url, kill
}

func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + tt.PathReady)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
	t.Fatalf("node %s not ready in 30 s", url)
}

// TestTestKindSurvivesSIGKILL: votes (a kind declared only in this file)
// stored by a node process that is then SIGKILLed are replayed by the
// restarted process to a client resuming from the last id it saw, with
// those stored after the restart: every vote once, in order, typed.
func TestTestKindSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	url, kill := startChildNode(t, dir, "127.0.0.1:0")
	alice := testclient.NewSession(t, url, "alice", curl...)
	s := testclient.OpenStream(t, url+tt.PathEventStream+"?room=lobby", "")
	want := []string{vote(t, alice, "lobby", "v1"), vote(t, alice, "lobby", "v2")}
	s.WaitFor(t, 10*time.Second, "two votes live", func(evs []testclient.Event) bool {
		ids, _ := votes(t, evs)
		return len(ids) == 2
	})
	// Stored (acknowledged) and then killed at once: the stream may or may
	// not have had them.
	want = append(want, vote(t, alice, "lobby", "v3"), vote(t, alice, "lobby", "v4"))
	kill()
	<-s.Done()
	seen := s.Events()
	last := seen[len(seen)-1].LastEventID

	url2, _ := startChildNode(t, dir, strings.TrimPrefix(url, "http://"))
	if url2 != url {
		t.Fatalf("restarted on %s, want %s", url2, url)
	}
	want = append(want, vote(t, alice, "lobby", "v5"))
	r := testclient.OpenStream(t, url+tt.PathEventStream+"?room=lobby", last)
	r.WaitFor(t, 15*time.Second, "the votes after "+last, func(evs []testclient.Event) bool {
		ids, _ := votes(t, append(append([]testclient.Event(nil), seen...), evs...))
		return len(ids) >= len(want)
	})
	ids, opts := votes(t, append(seen, r.Events()...))
	if strings.Join(ids, ",") != strings.Join(want, ",") || strings.Join(opts, ",") != "v1,v2,v3,v4,v5" {
		t.Fatalf("across the SIGKILL the client got %v %v, want %v v1..v5", ids, opts, want)
	}
}
