package store

import (
	"errors"
	"testing"
)

// TestLookAlikeNicksAreTaken: while alice holds her nick, every look-alike
// of it is taken, by any other token; other names are free.
func TestLookAlikeNicksAreTaken(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	ctx := t.Context()
	if err := s.CreateSession(ctx, "alice-token", "alice"); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		name, nick string
		want       error
	}{
		{"cyrillic a", "\u0430lice", ErrNickTaken},
		{"fullwidth", "ａｌｉｃｅ", ErrNickTaken},
		{"mathematical bold", "𝐚𝐥𝐢𝐜𝐞", ErrNickTaken},
		{"upper case", "ALICE", ErrNickTaken},
		{"digit one for l", "a1ice", ErrNickTaken},
		{"another name", "alicia", nil},
		{"han", "山田", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.CreateSession(ctx, "tok-"+string(rune('a'+i)), tc.nick)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("CreateSession(%q) = %v, want %v", tc.nick, err, tc.want)
			}
		})
	}
}

// TestReplaceSession: a new token takes the session over (same id, the
// nick moves), the old token stops working at once, and a token that
// names no session gets a new one rather than anyone's.
func TestReplaceSession(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	ctx := t.Context()
	if err := s.CreateSession(ctx, "t1", "eve"); err != nil {
		t.Fatal(err)
	}
	first, err := s.Session(ctx, "t1")
	if err != nil || len(first.ID) != 32 {
		t.Fatalf("Session(t1) = %+v, %v; want a 32-digit id", first, err)
	}
	if err := s.ReplaceSession(ctx, "t1", "t2", "victor"); err != nil {
		t.Fatalf("ReplaceSession: %v", err)
	}
	if _, err := s.Session(ctx, "t1"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("old token after the replacement: %v, want ErrNoSession", err)
	}
	got, err := s.Session(ctx, "t2")
	if err != nil || got.Nick != "victor" || got.ID != first.ID {
		t.Fatalf("Session(t2) = %+v, %v; want victor with id %s", got, err, first.ID)
	}
	// The old nick is free, the new one held.
	if err := s.CreateSession(ctx, "t3", "eve"); err != nil {
		t.Fatalf("old nick after the replacement: %v", err)
	}
	if err := s.CreateSession(ctx, "t4", "Victor"); !errors.Is(err, ErrNickTaken) {
		t.Fatalf("new nick: %v, want ErrNickTaken", err)
	}
	// Replacing with the same nick keeps it, under yet another token.
	if err := s.ReplaceSession(ctx, "t2", "t5", "victor"); err != nil {
		t.Fatalf("ReplaceSession, same nick: %v", err)
	}
	if si, err := s.Session(ctx, "t5"); err != nil || si.Nick != "victor" || si.ID != first.ID {
		t.Fatalf("Session(t5) = %+v, %v", si, err)
	}
	// An old token cannot be replaced again, and a made-up one gets a new
	// session of its own.
	if err := s.ReplaceSession(ctx, "t2", "t6", "wendy"); err != nil {
		t.Fatalf("ReplaceSession of an ended token: %v", err)
	}
	if si, err := s.Session(ctx, "t6"); err != nil || si.Nick != "wendy" || si.ID == first.ID {
		t.Fatalf("Session(t6) = %+v, %v; want wendy in a new session", si, err)
	}
	if si, _ := s.Session(ctx, "t5"); si.Nick != "victor" {
		t.Fatalf("t5 after t6: %+v", si)
	}
}

func TestSessionCount(t *testing.T) {
	t.Parallel()
	s := openTest(t, testConfig(t))
	ctx := t.Context()
	for i, nick := range []string{"ann", "ben", "cid"} {
		if err := s.CreateSession(ctx, "tok-"+nick, nick); err != nil {
			t.Fatal(err)
		}
		if n, err := s.SessionCount(ctx); err != nil || n != i+1 {
			t.Fatalf("after %d sessions: SessionCount = %d, %v", i+1, n, err)
		}
	}
}
