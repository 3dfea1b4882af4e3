package app

import (
	"slices"
	"testing"
)

func TestParseMessageID(t *testing.T) {
	for _, tc := range []struct {
		in string
		id MessageID
		ok bool
	}{
		{"lq3k9x2a1b-42", MessageID{"lq3k9x2a1b", 42}, true},
		{"a-0", MessageID{"a", 0}, true},
		{"zzzzzzzzzzzzz-18446744073709551615", MessageID{"zzzzzzzzzzzzz", 1<<64 - 1}, true},
		{"", MessageID{}, false},
		{"42", MessageID{}, false}, // a bare sequence names no log
		{"0", MessageID{}, false},
		{"-42", MessageID{}, false},
		{"a-", MessageID{}, false},
		{"a-042", MessageID{}, false},
		{"a-+1", MessageID{}, false},
		{"a--1", MessageID{}, false},
		{"a-1-2", MessageID{}, false},
		{"a-1e3", MessageID{}, false},
		{"a-18446744073709551616", MessageID{}, false},
		{"0a-1", MessageID{}, false},
		{"A-1", MessageID{}, false},
		{"a_b-1", MessageID{}, false},
		{"zzzzzzzzzzzzzz-1", MessageID{}, false}, // a log identity of 14 characters
		{" a-1", MessageID{}, false},
		{"a-1 ", MessageID{}, false},
	} {
		id, ok := ParseMessageID(tc.in)
		if id != tc.id || ok != tc.ok {
			t.Errorf("ParseMessageID(%q) = %+v, %v; want %+v, %v", tc.in, id, ok, tc.id, tc.ok)
		}
		if seq, ok := MessageSeq(tc.in); seq != tc.id.Seq || ok != tc.ok {
			t.Errorf("MessageSeq(%q) = %d, %v; want %d, %v", tc.in, seq, ok, tc.id.Seq, tc.ok)
		}
		if tc.ok && tc.id.String() != tc.in {
			t.Errorf("%+v.String() = %q, want %q", tc.id, tc.id.String(), tc.in)
		}
	}
}

// TestCompareMessageIDs: one log's ids by sequence (9 before 10), a
// later-created log's after an older one's (its identity is a greater
// base-36 number, also when longer), and what is not an id first.
func TestCompareMessageIDs(t *testing.T) {
	ordered := []string{"", "7", "42", "100", "b-0", "b-9", "b-10", "b-100", "c-1", "z-5", "10-1", "10-2", "1a-0"}
	for i, a := range ordered {
		for j, b := range ordered {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := CompareMessageIDs(a, b); got != want {
				t.Errorf("CompareMessageIDs(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
	shuffled := slices.Clone(ordered)
	slices.Reverse(shuffled)
	slices.SortFunc(shuffled, CompareMessageIDs)
	if !slices.Equal(shuffled, ordered) {
		t.Errorf("sorted %q, want %q", shuffled, ordered)
	}
}

func TestMessageSeqDoesNotAllocate(t *testing.T) {
	line := []byte("lq3k9x2a1b-18446744073709551615")
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := MessageSeq(string(line)); !ok {
			t.Fatal("not an id")
		}
	})
	if allocs != 0 {
		t.Errorf("MessageSeq allocates %v times, want 0", allocs)
	}
}

func TestMessageIDStringAllocatesOnlyItsText(t *testing.T) {
	id := MessageID{Log: "lq3k9x2a1b", Seq: 1234567}
	var s string
	allocs := testing.AllocsPerRun(100, func() { s = id.String() })
	if allocs != 1 || s != "lq3k9x2a1b-1234567" {
		t.Errorf("String() = %q with %v allocations, want 1", s, allocs)
	}
}
