package history

import (
	"errors"
	"testing"
)

// TestLostEntriesAreAGapInEveryRoom: the log lost entries 4..5, of rooms
// nobody knows. A resume from before them, in any room, may have missed
// one; a resume from after them has not. After, Page and Backlog agree.
func TestLostEntriesAreAGapInEveryRoom(t *testing.T) {
	x := New(100)
	add(t, x, 1, "a", "n", "")
	add(t, x, 2, "b", "n", "")
	add(t, x, 3, "a", "n", "")
	x.Lost(4, 5, 2)
	add(t, x, 6, "a", "n", "")
	add(t, x, 7, "b", "n", "")
	tests := []struct {
		room    string
		after   uint64
		wantGap bool
	}{
		{"a", 0, true},
		{"a", 3, true},
		{"b", 2, true},
		{"b", 4, true},
		{"a", 5, false},
		{"a", 6, false},
		{"b", 7, false},
		{"c", 1, true},
	}
	for _, tc := range tests {
		_, err := x.After(tc.room, tc.after)
		if got := errors.Is(err, ErrGap); got != tc.wantGap {
			t.Errorf("After(%s, %d) = %v, want gap %v", tc.room, tc.after, err, tc.wantGap)
		}
		_, err = x.Page(tc.room, tc.after, 10)
		if got := errors.Is(err, ErrGap); got != tc.wantGap {
			t.Errorf("Page(%s, %d) = %v, want gap %v", tc.room, tc.after, err, tc.wantGap)
		}
		_, _, err = x.Backlog(tc.room, tc.after)
		if got := errors.Is(err, ErrGap); got != tc.wantGap {
			t.Errorf("Backlog(%s, %d) = %v, want gap %v", tc.room, tc.after, err, tc.wantGap)
		}
	}
}
