package server

import (
	"testing"

	"tickertalk/history"
)

// TestParseSeqAgreesWithParseID: the connection's allocation-free parser
// accepts exactly the ids history.ParseID accepts, with the same values.
func TestParseSeqAgreesWithParseID(t *testing.T) {
	for _, in := range []string{
		"0", "1", "42", "007", "", "-1", "+1", "1e3", " 1", "abc",
		"18446744073709551615", "18446744073709551616", "99999999999999999999", "123456789012345678901",
	} {
		wantN, wantOK := history.ParseID(in)
		gotN, gotOK := parseSeq([]byte(in))
		if gotN != wantN || gotOK != wantOK {
			t.Errorf("parseSeq(%q) = %d, %v; history.ParseID says %d, %v", in, gotN, gotOK, wantN, wantOK)
		}
	}
}
