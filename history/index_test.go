package history

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
)

func add(t *testing.T, x *Index, seq uint64, room, nick, clientID string) {
	t.Helper()
	m := tt.ChatMessage{ID: strconv.FormatUint(seq, 10), Room: room, Nick: nick, Text: "m" + strconv.FormatUint(seq, 10), Time: time.Unix(int64(seq), 0).UTC(), ClientID: clientID}
	if !x.Add(Entry{Seq: seq, Msg: m}) {
		t.Fatalf("Add(%d) = false", seq)
	}
}

func seqs(es []Entry) []uint64 {
	out := make([]uint64, 0, len(es))
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func TestAfter(t *testing.T) {
	x := New(3)
	for seq := uint64(1); seq <= 10; seq++ {
		room := "a"
		if seq%2 == 0 {
			room = "b"
		}
		add(t, x, seq, room, "n", "")
	}
	// room a keeps 5,7,9 (trimmed); room b keeps 6,8,10 (trimmed).
	tests := []struct {
		room  string
		after uint64
		want  []uint64
		err   error
	}{
		{"a", 9, nil, nil},
		{"a", 7, []uint64{9}, nil},
		{"a", 5, []uint64{7, 9}, nil},
		{"a", 4, []uint64{5, 7, 9}, nil},
		{"a", 3, nil, ErrGap},
		{"a", 0, nil, ErrGap},
		{"b", 10, nil, nil},
		{"b", 11, nil, ErrGap},
		{"none", 3, nil, nil},
	}
	for _, tc := range tests {
		got, err := x.After(tc.room, tc.after)
		if !errors.Is(err, tc.err) {
			t.Errorf("After(%q, %d) err = %v, want %v", tc.room, tc.after, err, tc.err)
			continue
		}
		if g, w := seqs(got), tc.want; len(g) != len(w) || (len(w) > 0 && g[len(g)-1] != w[len(w)-1]) || (len(w) > 0 && g[0] != w[0]) {
			t.Errorf("After(%q, %d) = %v, want %v", tc.room, tc.after, g, w)
		}
	}
}

func TestAfterUntrimmedRoomHasNoGap(t *testing.T) {
	x := New(100)
	add(t, x, 5, "a", "n", "")
	add(t, x, 9, "a", "n", "")
	got, err := x.After("a", 0)
	if err != nil || len(got) != 2 {
		t.Fatalf("After(a, 0) = %v, %v; want both messages", seqs(got), err)
	}
}

// TestAfterFullRoomMayHaveAGap is the index after a restart: filled from a
// log that had already dropped the room's oldest messages, it never dropped
// one itself, and still a resume from before its oldest entry is a gap.
func TestAfterFullRoomMayHaveAGap(t *testing.T) {
	x := New(5)
	for seq := uint64(6); seq <= 10; seq++ {
		add(t, x, seq, "a", "n", "")
	}
	if got, err := x.After("a", 2); !errors.Is(err, ErrGap) {
		t.Fatalf("After(a, 2) = %v, %v; want ErrGap", seqs(got), err)
	}
	if got, err := x.After("a", 5); err != nil || len(got) != 5 {
		t.Fatalf("After(a, 5) = %v, %v; want the 5 messages", seqs(got), err)
	}
}

// TestSkippedEntriesTakeTheirPlace: entries of the log that are not
// messages take places in their room as they do in the log, so a room full
// of them is full, and one dropped to make room counts as dropped.
func TestSkippedEntriesTakeTheirPlace(t *testing.T) {
	// Filled again after a restart from a log of a (limit 3) that had
	// already dropped message 1 to make room: 2 is not a message.
	x := New(3)
	x.Skip("a", 2)
	add(t, x, 3, "a", "n", "")
	add(t, x, 4, "a", "n", "")
	if got, err := x.After("a", 0); !errors.Is(err, ErrGap) {
		t.Fatalf("After(a, 0) = %v, %v; want ErrGap: message 1 may be gone", seqs(got), err)
	}
	if got, err := x.After("a", 1); err != nil || len(got) != 2 || got[0].Seq != 3 {
		t.Fatalf("After(a, 1) = %v, %v; want 3 and 4: 2 was no message", seqs(got), err)
	}
	// A new message drops the oldest place, the skipped 2.
	add(t, x, 5, "a", "n", "")
	if got, err := x.After("a", 2); err != nil || len(got) != 3 {
		t.Fatalf("After(a, 2) = %v, %v; want 3, 4, 5", seqs(got), err)
	}
	if got, err := x.After("a", 1); !errors.Is(err, ErrGap) {
		t.Fatalf("After(a, 1) = %v, %v; want ErrGap", seqs(got), err)
	}
	// Skipped entries move Last, and a room of nothing else is no room.
	x.Skip("b", 6)
	if x.Last() != 6 || x.Add(Entry{Seq: 6, Msg: tt.ChatMessage{Room: "b"}}) {
		t.Fatalf("Last() = %d after Skip(6); Add(6) must be refused", x.Last())
	}
	if rooms := x.Rooms(); len(rooms) != 1 || rooms[0].Name != "a" {
		t.Fatalf("Rooms() = %+v, want only a", rooms)
	}
}

func TestAddIgnoresOldSeqs(t *testing.T) {
	x := New(10)
	add(t, x, 2, "a", "n", "")
	if x.Add(Entry{Seq: 2, Msg: tt.ChatMessage{Room: "a"}}) || x.Add(Entry{Seq: 1, Msg: tt.ChatMessage{Room: "a"}}) {
		t.Fatal("Add accepted a seq at or below the last")
	}
	if got, want := x.Last(), uint64(2); got != want {
		t.Fatalf("Last() = %d, want %d", got, want)
	}
}

func TestBefore(t *testing.T) {
	x := New(100)
	for seq := uint64(1); seq <= 10; seq++ {
		add(t, x, seq, "a", "n", "")
	}
	tests := []struct {
		before uint64
		limit  int
		first  string
		n      int
		more   bool
	}{
		{0, 3, "8", 3, true},
		{0, 50, "1", 10, false},
		{5, 2, "3", 2, true},
		{5, 10, "1", 4, false},
		{1, 10, "", 0, false},
		{100, 1, "10", 1, true},
	}
	for _, tc := range tests {
		got, more, err := x.Before("a", tc.before, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.n || more != tc.more || (tc.n > 0 && got[0].ID != tc.first) {
			t.Errorf("Before(%d, %d) = %d msgs (first %v), more %v; want %d from %q, more %v", tc.before, tc.limit, len(got), got, more, tc.n, tc.first, tc.more)
		}
	}
	if got, more, err := x.Before("nobody", 0, 10); err != nil || len(got) != 0 || more || got == nil {
		t.Errorf("Before(unknown room) = %v, %v; want empty non-nil", got, more)
	}
}

// TestLookupFollowsRetention: sends are found by session and clientId,
// whatever nick the session had, while their message is retained.
func TestLookupFollowsRetention(t *testing.T) {
	x := New(2)
	sent := func(seq uint64, nick, session, clientID string) {
		t.Helper()
		m := tt.ChatMessage{ID: strconv.FormatUint(seq, 10), Room: "a", Nick: nick, Text: "m", ClientID: clientID, Sender: session}
		if !x.Add(Entry{Seq: seq, Msg: m}) {
			t.Fatalf("Add(%d) = false", seq)
		}
	}
	sent(1, "Alice", "s1", "c1")
	if m, ok, _ := x.Lookup("s1", "c1"); !ok || m.ID != "1" {
		t.Fatalf("Lookup = %+v, %v; want message 1", m, ok)
	}
	if _, ok, _ := x.Lookup("s2", "c1"); ok {
		t.Fatal("Lookup found another session's clientId")
	}
	sent(2, "Alicia", "s1", "c2") // renamed: the same session
	if m, ok, _ := x.Lookup("s1", "c2"); !ok || m.ID != "2" {
		t.Fatalf("Lookup after a rename = %+v, %v; want message 2", m, ok)
	}
	sent(3, "Alicia", "s1", "c3")
	if _, ok, _ := x.Lookup("s1", "c1"); ok {
		t.Fatal("Lookup found a message dropped from history")
	}
	if _, ok, _ := x.Lookup("s1", "c3"); !ok {
		t.Fatal("Lookup lost a retained message")
	}
}

func TestRooms(t *testing.T) {
	x := New(10)
	add(t, x, 1, "zeta", "n", "")
	add(t, x, 2, "alpha", "n", "")
	add(t, x, 3, "zeta", "n", "")
	rooms := x.Rooms()
	if len(rooms) != 2 || rooms[0].Name != "alpha" || rooms[1].Name != "zeta" || rooms[1].LastMessageAt.Unix() != 3 {
		t.Fatalf("Rooms() = %+v", rooms)
	}
}

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		in string
		n  uint64
		ok bool
	}{
		{"a-0", 0, true}, {"lq3k9x2a1b-42", 42, true}, {"z-18446744073709551615", 1<<64 - 1, true},
		{"", 0, false}, {"42", 0, false}, {"a--1", 0, false}, {"a-+1", 0, false}, {"a-042", 0, false},
		{"a-1e3", 0, false}, {"a-18446744073709551616", 0, false}, {"abc", 0, false}, {" a-1", 0, false},
	} {
		n, ok := ParseID(tc.in)
		if n != tc.n || ok != tc.ok {
			t.Errorf("ParseID(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.n, tc.ok)
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	x := New(tt.DefaultHistory)
	m := tt.ChatMessage{Room: "lobby", Nick: "n", Text: "hello"}
	for i := 0; b.Loop(); i++ {
		x.Add(Entry{Seq: uint64(i + 1), Msg: m})
	}
}

// TestReserveRoomHoldsTheCapForSendsInFlight: the cap counts the rooms
// indexed and those reserved by sends not indexed yet, and a reservation
// ends with its room's first message or its cancellation.
func TestReserveRoomHoldsTheCapForSendsInFlight(t *testing.T) {
	x := New(10)
	add(t, x, 1, "a", "n", "")
	steps := []struct {
		do   string // "reserve", "cancel" or "add"
		room string
		want bool
	}{
		{"reserve", "a", true},  // exists
		{"reserve", "b", true},  // 2 of 3
		{"reserve", "b", true},  // already reserved
		{"reserve", "c", true},  // 3 of 3
		{"reserve", "d", false}, // past the cap
		{"add", "b", true},      // b indexed: still 3
		{"reserve", "d", false},
		{"cancel", "c", true}, // c stored nothing: 2 of 3
		{"reserve", "d", true},
		{"reserve", "e", false},
	}
	seq := uint64(1)
	for i, s := range steps {
		switch s.do {
		case "reserve":
			if got := x.ReserveRoom(s.room, 3); got != s.want {
				t.Fatalf("step %d: ReserveRoom(%s) = %v, want %v", i, s.room, got, s.want)
			}
		case "cancel":
			x.CancelRoom(s.room)
		case "add":
			seq++
			add(t, x, seq, s.room, "n", "")
		}
	}
	if !x.ReserveRoom("zzz", 0) {
		t.Fatal("no cap refused a room")
	}
}

func TestRoomsAfterPages(t *testing.T) {
	x := New(10)
	names := []string{"d", "b", "f", "a", "e", "c", "g"}
	for i, n := range names {
		add(t, x, uint64(i+1), n, "n", "")
	}
	x.Skip("bb", 100) // no messages: not listed
	for _, tc := range []struct {
		after string
		limit int
		want  string
		more  bool
	}{
		{"", 3, "abc", true},
		{"c", 3, "def", true},
		{"f", 3, "g", false},
		{"d", 3, "efg", false},
		{"g", 3, "", false},
		{"", -1, "abcdefg", false},
		{"", 0, "", true},
		{"a", 1, "b", true},
	} {
		got, more := x.RoomsAfter(tc.after, tc.limit)
		var s strings.Builder
		for _, r := range got {
			s.WriteString(r.Name)
		}
		if s.String() != tc.want || more != tc.more {
			t.Errorf("RoomsAfter(%q, %d) = %q, %v; want %q, %v", tc.after, tc.limit, s.String(), more, tc.want, tc.more)
		}
	}
}

// TestWaitLastWakesOnAdd: WaitLast returns as soon as the index reaches
// the seq (also for a seq it has already passed), and false when its
// context ends first.
func TestWaitLastWakesOnAdd(t *testing.T) {
	x := New(10)
	add(t, x, 1, "lobby", "ann", "")
	if !x.WaitLast(t.Context(), 1) {
		t.Fatal("WaitLast(1) after adding 1: false")
	}
	done := make(chan bool)
	go func() { done <- x.WaitLast(t.Context(), 3) }()
	add(t, x, 2, "lobby", "ann", "")
	x.Skip("lobby", 3)
	if !<-done {
		t.Fatal("WaitLast(3) after 3 was skipped: false")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if x.WaitLast(ctx, 4) {
		t.Fatal("WaitLast(4) with nothing added: true")
	}
}
