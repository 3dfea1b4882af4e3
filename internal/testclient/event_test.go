package testclient

import (
	"reflect"
	"strings"
	"testing"
)

// TestParse: each frame of the decoder becomes an Event, comments
// included, with the stream's last event id after it and retry in
// milliseconds. How the wire is read (line endings, fields, ids with NUL,
// long lines) is the decoder's, tested in package client.
func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		lastID string
		in     string
		want   []Event
	}{
		{
			name:   "a comment keeps the last event id it follows",
			lastID: "41",
			in:     ":ok\n\n",
			want:   []Event{{Comment: "ok", LastEventID: "41", comment: true}},
		},
		{
			name: "every field of a block",
			in:   "retry: 1500\nid: 7\nevent: message\ndata: {\"a\":1}\n\n",
			want: []Event{{Event: "message", Data: `{"a":1}`, HasData: true, ID: "7", HasID: true, LastEventID: "7", Retry: 1500}},
		},
		{
			name:   "a block without data, then an empty id that resets the last event id",
			lastID: "41",
			in:     "event: presence\n\nid:\ndata: b\n\n",
			want: []Event{
				{Event: "presence", LastEventID: "41"},
				{Data: "b", HasData: true, HasID: true},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []Event
			err := parse(strings.NewReader(tc.in), tc.lastID, func(e Event) { got = append(got, e) })
			if err == nil {
				t.Fatalf("parse returned nil, want io.EOF at the end of input")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
