package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"tickertalk/internal/wait"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	ctx := t.Context()
	// Steps run in order on one store; each names the state it leaves.
	steps := []struct {
		name    string
		op      string // create, get, delete
		token   string
		nick    string // nick to claim, or nick Session must return
		wantErr error
	}{
		{"unknown token", "get", "t1", "", ErrNoSession},
		{"empty token", "get", "", "", ErrNoSession},
		{"create", "create", "t1", "Alice", nil},
		{"get", "get", "t1", "Alice", nil},
		{"same token re-claims its nick", "create", "t1", "Alice", nil},
		{"same token changes its case", "create", "t1", "alice", nil},
		{"case changed", "get", "t1", "alice", nil},
		{"other token, other case", "create", "t2", "ALICE", ErrNickTaken},
		{"loser has no session", "get", "t2", "", ErrNoSession},
		{"other token, other nick", "create", "t2", "bob", nil},
		{"t1 changes nick", "create", "t1", "carol", nil},
		{"t1 now carol", "get", "t1", "carol", nil},
		{"old nick released", "create", "t3", "Alice", nil},
		{"carol held", "create", "t3", "Carol", ErrNickTaken},
		{"t3 keeps alice", "get", "t3", "Alice", nil},
		{"delete t1", "delete", "t1", "", nil},
		{"deleted", "get", "t1", "", ErrNoSession},
		{"delete releases", "create", "t3", "carol", nil},
		{"delete unknown", "delete", "nobody", "", nil},
		{"delete twice", "delete", "t1", "", nil},
		{"deleted token comes back", "create", "t1", "Alice", nil},
		{"invalid nick", "create", "t4", "no spaces", nil},
		{"unicode nick", "create", "t5", "Zoë", nil},
		{"unicode fold", "create", "t6", "ZOË", ErrNickTaken},
	}
	for _, st := range steps {
		var err error
		switch st.op {
		case "create":
			err = s.CreateSession(ctx, st.token, st.nick)
		case "get":
			var nick string
			nick, err = sessionNick(ctx, s, st.token)
			if err == nil && nick != st.nick {
				t.Errorf("%s: Session(%q) = %q, want %q", st.name, st.token, nick, st.nick)
			}
		case "delete":
			err = s.DeleteSession(ctx, st.token)
		}
		if st.name == "invalid nick" {
			if err == nil {
				t.Errorf("%s: CreateSession(%q) succeeded", st.name, st.nick)
			}
			continue
		}
		if !errors.Is(err, st.wantErr) {
			t.Errorf("%s: %s(%q, %q) = %v, want %v", st.name, st.op, st.token, st.nick, err, st.wantErr)
		}
	}
}

func TestSessionTokensAreHashed(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	if err := s.CreateSession(t.Context(), "secret-token", "dave"); err != nil {
		t.Fatal(err)
	}
	keys, err := s.sessions.ListKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k := range keys.Keys() {
		n++
		if len(k) < 10 || strings.Contains(strings.ToLower(k), "secret") || strings.Contains(strings.ToLower(k), "dave") {
			t.Errorf("key %q reveals the token or nick", k)
		}
	}
	if n != 2 {
		t.Errorf("%d keys, want 2", n)
	}
}

// TestConcurrentNickClaims races tokens on two nodes for one nick, many
// rounds: exactly one must win each round.
func TestConcurrentNickClaims(t *testing.T) {
	t.Parallel()
	a := openTest(t, testConfig(t))
	nodes := []*Store{a, attachTest(t, a)}
	const rounds, claimants = 20, 8
	for r := range rounds {
		nick := fmt.Sprint("Nick", r)
		var wg sync.WaitGroup
		errs := make([]error, claimants)
		for i := range claimants {
			wg.Go(func() {
				errs[i] = nodes[i%2].CreateSession(t.Context(), fmt.Sprintf("tok-%d-%d", r, i), nick)
			})
		}
		wg.Wait()
		winners := 0
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil:
				winners++
				winner = i
			case !errors.Is(err, ErrNickTaken):
				t.Fatalf("round %d claimant %d: %v", r, i, err)
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d winners, want 1 (%v)", r, winners, errs)
		}
		for i := range claimants {
			got, err := sessionNick(t.Context(), a, fmt.Sprintf("tok-%d-%d", r, i))
			if i == winner && (err != nil || got != nick) {
				t.Fatalf("round %d: winner's Session = %q, %v", r, got, err)
			}
			if i != winner && !errors.Is(err, ErrNoSession) {
				t.Fatalf("round %d: loser %d's Session = %q, %v", r, i, got, err)
			}
		}
	}
}

func TestSessionRefreshKeepsNick(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.SessionTTL = 3 * time.Second // touched after 100 ms
	s := openTest(t, cfg)
	ctx := t.Context()
	if err := s.CreateSession(ctx, "t1", "erin"); err != nil {
		t.Fatal(err)
	}
	// Used every 200 ms for twice the TTL: the session stays alive.
	end := time.Now().Add(2 * cfg.SessionTTL)
	for time.Now().Before(end) {
		if nick, err := sessionNick(ctx, s, "t1"); err != nil || nick != "erin" {
			t.Fatalf("Session while in use = %q, %v", nick, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := s.CreateSession(ctx, "t2", "Erin"); !errors.Is(err, ErrNickTaken) {
		t.Fatalf("nick of a session in use: %v, want ErrNickTaken", err)
	}
	// Unused, it expires and frees the nick.
	// (Polled underneath: Session itself would keep it alive.)
	wait.For(t, 3*cfg.SessionTTL, "unused session to expire", func() bool {
		_, err := s.sessions.Get(ctx, tokenKey(hashToken("t1")))
		return errors.Is(err, jetstream.ErrKeyNotFound)
	})
	if _, err := s.Session(ctx, "t1"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("Session of an expired session: %v, want ErrNoSession", err)
	}
	if err := s.CreateSession(ctx, "t2", "Erin"); err != nil {
		t.Fatalf("nick of an expired session: %v", err)
	}
}

// faultyTokens is the sessions bucket with faults injected into the reads
// and writes of token records, as when the store goes away, or a request's
// context ends, between the two writes of CreateSession. during, if set,
// runs at the fault, before it is reported: another request at that moment.
type faultyTokens struct {
	jetstream.KeyValue
	failGet    bool // the Get of a token record fails
	failPut    bool // the Put of a token record fails without writing
	lostPutAck bool // the Put of a token record writes, then fails
	during     func()
}

var errInjected = errors.New("injected failure")

func (f *faultyTokens) fault() error {
	if f.during != nil {
		during := f.during
		f.during = nil
		during()
	}
	return errInjected
}

func (f *faultyTokens) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	if f.failGet && strings.HasPrefix(key, "tok.") {
		f.failGet = false
		return nil, f.fault()
	}
	return f.KeyValue.Get(ctx, key)
}

func (f *faultyTokens) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	if !strings.HasPrefix(key, "tok.") {
		return f.KeyValue.Put(ctx, key, value)
	}
	switch {
	case f.failPut:
		return 0, f.fault()
	case f.lostPutAck:
		if _, err := f.KeyValue.Put(ctx, key, value); err != nil {
			return 0, err
		}
		return 0, f.fault()
	}
	return f.KeyValue.Put(ctx, key, value)
}

func TestCreateSessionWhenTheTokenWriteFails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		fault  faultyTokens
		same   bool   // the same token claims the nick again at the fault
		err    error  // what CreateSession returns
		holder string // who holds "frank" afterwards ("" nobody)
	}{
		{"write fails: the new nick is given back", faultyTokens{failPut: true}, false, errInjected, ""},
		{"read fails: the new nick is given back", faultyTokens{failGet: true}, false, errInjected, ""},
		{"write lands, its answer is lost: done", faultyTokens{lostPutAck: true}, false, nil, "t1"},
		{"the same token wins meanwhile: the nick stays its", faultyTokens{failGet: true}, true, errInjected, "t1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := openTest(t, testConfig(t))
			ctx := t.Context()
			if err := s.CreateSession(ctx, "t1", "dave"); err != nil {
				t.Fatal(err)
			}
			bucket := s.sessions
			fault := tc.fault
			fault.KeyValue = bucket
			if tc.same {
				fault.during = func() {
					if err := s.CreateSession(ctx, "t1", "frank"); err != nil {
						t.Errorf("the same token's other request: %v", err)
					}
				}
			}
			s.sessions = &fault
			if err := s.CreateSession(ctx, "t1", "frank"); !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("CreateSession = %v, want %v", err, tc.err)
			}
			s.sessions = bucket

			wantNick := "dave"
			if tc.holder == "t1" {
				wantNick = "frank"
			}
			if nick, err := sessionNick(ctx, s, "t1"); err != nil || nick != wantNick {
				t.Errorf("Session(t1) = %q, %v; want %q", nick, err, wantNick)
			}
			err := s.CreateSession(ctx, "t2", "frank")
			switch {
			case tc.holder == "" && err != nil:
				t.Errorf("frank, held by no session: %v, want it free", err)
			case tc.holder != "" && !errors.Is(err, ErrNickTaken):
				t.Errorf("frank, held by %s: %v, want ErrNickTaken", tc.holder, err)
			}
			// t1's old nick is released only when t1 moved to frank.
			err = s.CreateSession(ctx, "t3", "dave")
			switch {
			case wantNick == "dave" && !errors.Is(err, ErrNickTaken):
				t.Errorf("dave, still t1's: %v, want ErrNickTaken", err)
			case wantNick == "frank" && err != nil:
				t.Errorf("dave, left by t1: %v, want it free", err)
			}
		})
	}
}

// sessionNick is the nick of token's session.
func sessionNick(ctx context.Context, s *Store, token string) (string, error) {
	si, err := s.Session(ctx, token)
	return si.Nick, err
}

// TestSessionWritesRefusedWhileUnwritable: while the store knows that it
// cannot write (a chat write failed: disk full), creating or replacing a
// session fails at once with ErrUnwritable and stores nothing, although
// the sessions bucket may still acknowledge writes; once a probe write
// succeeds, sessions are made again.
func TestSessionWritesRefusedWhileUnwritable(t *testing.T) {
	s := openTest(t, testConfig(t))
	if err := s.CreateSession(t.Context(), "tok-a", "alice"); err != nil {
		t.Fatal(err)
	}
	// The probe writes fail until the stream takes their subject again,
	// while the sessions bucket keeps acknowledging writes, as with a full
	// disk; a chat write fails with the storage error.
	info, err := s.stream.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	withProbes := info.Config
	withoutProbes := info.Config
	withoutProbes.Subjects = []string{chatWildcard}
	if _, err := s.js.UpdateStream(t.Context(), withoutProbes); err != nil {
		t.Fatal(err)
	}
	s.noteWrite(&jetstream.APIError{ErrorCode: jetstream.ErrorCode(server.JSStorageResourcesExceededErr), Description: "disk full"})
	for _, c := range []struct {
		name string
		fn   func() error
		tok  string
	}{
		{"create", func() error { return s.CreateSession(t.Context(), "tok-b", "bob") }, "tok-b"},
		{"replace", func() error { return s.ReplaceSession(t.Context(), "tok-a", "tok-c", "carol") }, "tok-c"},
	} {
		if err := c.fn(); !errors.Is(err, ErrUnwritable) {
			t.Errorf("%s while unwritable: %v, want ErrUnwritable", c.name, err)
		}
		if _, err := s.Session(t.Context(), c.tok); !errors.Is(err, ErrNoSession) {
			t.Errorf("%s while unwritable: session of its token: %v, want ErrNoSession", c.name, err)
		}
	}
	if si, err := s.Session(t.Context(), "tok-a"); err != nil || si.Nick != "alice" {
		t.Errorf("the old session after a refused replace: %+v %v, want alice", si, err)
	}
	if _, err := s.js.UpdateStream(t.Context(), withProbes); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 15*time.Second, "a probe write makes the store writable", func() bool { return s.Ready() == nil })
	if err := s.CreateSession(t.Context(), "tok-b", "bob"); err != nil {
		t.Errorf("create after recovery: %v", err)
	}
}
