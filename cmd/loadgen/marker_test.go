package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestMarkerRoundTrip(t *testing.T) {
	at := time.Unix(1700000000, 123456789)
	for _, size := range []int{minSize, 60, 500} {
		text := markerText(42, at, size)
		if len(text) != size {
			t.Errorf("size %d: text is %d bytes", size, len(text))
		}
		data, err := json.Marshal(map[string]string{"id": "9", "room": "lobby", "text": text})
		if err != nil {
			t.Fatal(err)
		}
		seq, ns, ok := parseMarker(data)
		if !ok || seq != 42 || ns != at.UnixNano() {
			t.Errorf("size %d: parseMarker = %d, %d, %v; want 42, %d, true", size, seq, ns, ok, at.UnixNano())
		}
	}
	for _, data := range []string{`{"text":"hello"}`, `{"text":"lg x"}`, `{"text":"lg 1"}`, `{"text":"lg 1 "}`} {
		if _, _, ok := parseMarker([]byte(data)); ok {
			t.Errorf("parseMarker(%s) accepted a foreign message", data)
		}
	}
}

// testBuffer is a bytes.Buffer for the command's output in tests.
type testBuffer struct{ bytes.Buffer }
