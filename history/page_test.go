package history

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	tt "tickertalk/app"
)

func TestPageAndBacklog(t *testing.T) {
	x := New(4)
	for seq := uint64(1); seq <= 12; seq++ {
		room := "a"
		if seq%3 == 0 {
			room = "b"
		}
		add(t, x, seq, room, "n", "")
	}
	// room a keeps 7,8,10,11 (trimmed); room b keeps 3,6,9,12 (full).
	tests := []struct {
		room  string
		after uint64
		max   int
		want  []uint64
		err   error
	}{
		{"a", 6, 2, []uint64{7, 8}, nil},
		{"a", 8, 2, []uint64{10, 11}, nil},
		{"a", 11, 2, nil, nil},
		{"a", 5, 10, nil, ErrGap},
		{"a", 6, 0, nil, nil},
		{"b", 2, 3, []uint64{3, 6, 9}, nil},
		{"b", 1, 3, nil, ErrGap},
		{"b", 13, 3, nil, ErrGap},
		{"none", 4, 3, nil, nil},
	}
	for _, tc := range tests {
		got, err := x.Page(tc.room, tc.after, tc.max)
		if !errors.Is(err, tc.err) || !slices.Equal(seqs(got), tc.want) {
			t.Errorf("Page(%q, %d, %d) = %v, %v; want %v, %v", tc.room, tc.after, tc.max, seqs(got), err, tc.want, tc.err)
		}
		// Backlog counts what paging from the same point would return in all.
		all, allErr := x.After(tc.room, tc.after)
		n, _, err := x.Backlog(tc.room, tc.after)
		if !errors.Is(err, allErr) || n != len(all) {
			t.Errorf("Backlog(%q, %d) = %d, %v; want %d, %v", tc.room, tc.after, n, err, len(all), allErr)
		}
	}
}

func TestBacklogBytes(t *testing.T) {
	x := New(10)
	for seq, data := range []string{"", `{"a":1}`, `{"bb":22}`, `{"c":3}`} {
		if seq == 0 {
			continue
		}
		x.Add(Entry{Seq: uint64(seq), Msg: tt.ChatMessage{ID: strconv.Itoa(seq), Room: "r"}, JSON: []byte(data)})
	}
	if n, size, err := x.Backlog("r", 1); n != 2 || size != len(`{"bb":22}{"c":3}`) || err != nil {
		t.Fatalf("Backlog(r, 1) = %d, %d, %v; want 2 messages, 16 bytes", n, size, err)
	}
}
