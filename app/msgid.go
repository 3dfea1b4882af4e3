package app

import "strconv"

// MaxLogIDLen is the longest log identity of a [MessageID].
const MaxLogIDLen = 13

// MessageID is a parsed message id. A message id, as the stream's `id:`
// lines, [ChatMessage].ID, Last-Event-ID and the scrollback's before carry
// it, is "<log>-<seq>": the identity of
// the chat log that issued it, a hyphen, and the message's sequence in
// that log (decimal). The log identity is 1–13 characters of [0-9a-z]
// without a leading 0 (a base-36 number: the chat log's creation time,
// see docs/protocol.md); the sequence is 1–20 digits without a leading 0
// (0 alone is allowed: "before the first message"), so an id is at most
// 34 bytes. A sequence means something only in the log that gave it: a
// server refuses to resume or page from the id of another log.
//
// Ids of one log order by sequence. Ids of two logs order by their log
// identity, which orders logs by creation: the ids of a log created later
// (a wiped store, a new cluster) sort after every id of an older one.
//
// The zero value is not a valid id.
type MessageID struct {
	// Log is the identity of the chat log that issued the id.
	Log string
	// Seq is the message's sequence in that log.
	Seq uint64
}

// String returns the id's text, "<log>-<seq>".
func (id MessageID) String() string {
	var buf [MaxLogIDLen + 21]byte // one allocation, the string's
	b := append(buf[:0], id.Log...)
	b = append(b, '-')
	return string(strconv.AppendUint(b, id.Seq, 10))
}

// ParseMessageID parses a message id; ok is false for anything that is not
// exactly one (a bare decimal sequence, the form of ids before they named
// their log, included).
func ParseMessageID(s string) (id MessageID, ok bool) {
	log, seq, ok := splitMessageID(s)
	if !ok {
		return MessageID{}, false
	}
	return MessageID{Log: log, Seq: seq}, true
}

// MessageSeq returns the sequence of a well-formed message id of any log,
// without allocating; ok is false as for [ParseMessageID].
func MessageSeq(s string) (seq uint64, ok bool) {
	_, seq, ok = splitMessageID(s)
	return seq, ok
}

// ValidLogID reports whether s is a well-formed log identity.
func ValidLogID(s string) bool {
	if s == "" || len(s) > MaxLogIDLen || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}

// splitMessageID is ParseMessageID without building the MessageID.
func splitMessageID(s string) (log string, seq uint64, ok bool) {
	dash := -1
	for i := 0; i < len(s) && i <= MaxLogIDLen; i++ {
		if s[i] == '-' {
			dash = i
			break
		}
	}
	if dash < 0 || !ValidLogID(s[:dash]) {
		return "", 0, false
	}
	seq, ok = parseSeq(s[dash+1:])
	if !ok {
		return "", 0, false
	}
	return s[:dash], seq, true
}

// parseSeq parses 1–20 decimal digits without a leading zero ("0" alone
// allowed) that fit in a uint64, without allocating on bad input.
func parseSeq(s string) (uint64, bool) {
	if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false // overflow
		}
		n = n*10 + d
	}
	return n, true
}

// CompareMessageIDs orders two ids as the stream delivers them, returning
// -1, 0 or +1: ids of one log by sequence, of two logs by log identity
// (the later-created log's after). Anything that is not a well-formed id
// ("" as "none", or a bare number kept from before ids named their log)
// sorts before every well-formed one, and among such strings shorter
// first, then bytewise. It is a total order, so it can sort.
func CompareMessageIDs(a, b string) int {
	al, as, aok := splitMessageID(a)
	bl, bs, bok := splitMessageID(b)
	switch {
	case aok != bok:
		if aok {
			return 1
		}
		return -1
	case !aok:
		return compareNumeric(a, b)
	}
	if c := compareNumeric(al, bl); c != 0 {
		return c
	}
	switch {
	case as < bs:
		return -1
	case as > bs:
		return 1
	}
	return 0
}

// compareNumeric orders strings of digits or base-36 digits without
// leading zeros by value: shorter first, then bytewise.
func compareNumeric(a, b string) int {
	switch {
	case len(a) != len(b):
		if len(a) < len(b) {
			return -1
		}
		return 1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
