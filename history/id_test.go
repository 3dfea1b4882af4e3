package history

import (
	"errors"
	"testing"
)

// TestCheckID: only this log's ids are resumable; another log's, and a
// bare sequence from before ids named their log, are foreign, not
// malformed, so that a client holding one reloads instead of being
// refused.
func TestCheckID(t *testing.T) {
	const log = "lq3k9x2a1b"
	for _, tc := range []struct {
		in  string
		seq uint64
		err error
	}{
		{FormatID(log, 42), 42, nil},
		{FormatID(log, 0), 0, nil},
		{"lq3k9x2a1c-42", 0, ErrForeignID},
		{"a-42", 0, ErrForeignID},
		{"42", 0, ErrForeignID},
		{"0", 0, ErrForeignID},
		{"", 0, ErrMalformedID},
		{"042", 0, ErrMalformedID},
		{"-1", 0, ErrMalformedID},
		{log + "-", 0, ErrMalformedID},
		{log + "-042", 0, ErrMalformedID},
		{"Lq3k9x2a1b-42", 0, ErrMalformedID},
		{"18446744073709551616", 0, ErrMalformedID},
	} {
		seq, err := CheckID(tc.in, log)
		if seq != tc.seq || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("CheckID(%q) = %d, %v; want %d, %v", tc.in, seq, err, tc.seq, tc.err)
		}
	}
	if got, want := FormatID(log, 42), "lq3k9x2a1b-42"; got != want {
		t.Errorf("FormatID = %q, want %q", got, want)
	}
}
