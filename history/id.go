package history

import (
	"errors"
	"strconv"

	tt "tickertalk/app"
)

// Errors of [CheckID].
var (
	// ErrMalformedID reports a string that is not a message id.
	ErrMalformedID = errors.New("history: malformed message id")
	// ErrForeignID reports a well-formed message id issued by another
	// chat log (a wiped or restored store, another cluster), or a bare
	// sequence from before ids named their log: its sequence means
	// nothing in this log.
	ErrForeignID = errors.New("history: message id of another chat log")
)

// FormatID returns the id of the message at seq in the chat log whose
// identity is log: the form [ParseID] and [CheckID] read.
func FormatID(log string, seq uint64) string {
	return tt.MessageID{Log: log, Seq: seq}.String()
}

// CheckID returns the sequence of s, an id received from outside, when
// the chat log whose identity is log issued it. It fails with
// [ErrForeignID] for an id of another log (a bare decimal sequence
// included) and [ErrMalformedID] for anything else that is not an id.
func CheckID(s, log string) (uint64, error) {
	id, ok := tt.ParseMessageID(s)
	switch {
	case ok && id.Log == log:
		return id.Seq, nil
	case ok, legacyID(s):
		return 0, ErrForeignID
	}
	return 0, ErrMalformedID
}

// legacyID reports whether s is a message id as ids were before they
// named their log: a bare decimal sequence.
func legacyID(s string) bool {
	if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}
