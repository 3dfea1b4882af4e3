package main

import (
	"bytes"
	"strconv"
	"strings"
	"time"
)

// A load message's text starts with a marker that lets every subscriber
// tell which message it got and when it was sent, without decoding JSON:
//
//	lg <seq> <unix nanoseconds> xxxx...
//
// padded with 'x' to the requested size. seq counts the run's messages
// from 0 in send order.
const markerPrefix = "lg "

// textMarker is the JSON text of a chat message as it appears in a
// delivered event, up to the marker's numbers.
var textMarker = []byte(`"text":"` + markerPrefix)

// markerText returns the text of message seq sent at t, padded with 'x' to
// size bytes (never shorter than the marker itself).
func markerText(seq uint64, t time.Time, size int) string {
	var b strings.Builder
	b.Grow(size + 8)
	b.WriteString(markerPrefix)
	b.WriteString(strconv.FormatUint(seq, 10))
	b.WriteByte(' ')
	b.WriteString(strconv.FormatInt(t.UnixNano(), 10))
	b.WriteByte(' ')
	for b.Len() < size {
		b.WriteByte('x')
	}
	return b.String()
}

// parseMarker finds the marker in a message event's JSON data and returns
// the message's seq and send time in unix nanoseconds; ok is false for a
// message the load generator did not send.
func parseMarker(data []byte) (seq uint64, sentNS int64, ok bool) {
	i := bytes.Index(data, textMarker)
	if i < 0 {
		return 0, 0, false
	}
	rest := data[i+len(textMarker):]
	seq, rest, ok = leadingUint(rest)
	if !ok || len(rest) == 0 || rest[0] != ' ' {
		return 0, 0, false
	}
	ns, rest, ok := leadingUint(rest[1:])
	if !ok || len(rest) == 0 || ns > 1<<62 {
		return 0, 0, false
	}
	return seq, int64(ns), true
}

// leadingUint parses the decimal digits at the start of b.
func leadingUint(b []byte) (uint64, []byte, bool) {
	var n uint64
	i := 0
	for ; i < len(b) && i < 19 && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + uint64(b[i]-'0')
	}
	return n, b[i:], i > 0
}
