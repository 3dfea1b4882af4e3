package testclient

import (
	"reflect"
	"strings"
	"testing"
)

// TestParse: the decoder's frames become Events with the stream's last
// event id after each, comments included, and retry in milliseconds.
func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		lastID string
		in     string
		want   []Event
	}{
		{
			name: "preamble comment then event",
			in:   ":ok\n\nid: 7\nevent: message\ndata: {\"a\":1}\n\n",
			want: []Event{
				{Comment: "ok", comment: true},
				{Event: "message", Data: `{"a":1}`, HasData: true, ID: "7", HasID: true, LastEventID: "7"},
			},
		},
		{
			name: "no event field and multi-line data",
			in:   "data: one\ndata:two\ndata\n\n",
			want: []Event{{Data: "one\ntwo\n", HasData: true}},
		},
		{
			name:   "empty id line resets the last event id",
			lastID: "41",
			in:     "id: 42\ndata: a\n\nid:\nevent: update\ndata: b\n\nevent: update\ndata: c\n\n",
			want: []Event{
				{Data: "a", HasData: true, ID: "42", HasID: true, LastEventID: "42"},
				{Event: "update", Data: "b", HasData: true, HasID: true, LastEventID: ""},
				{Event: "update", Data: "c", HasData: true, LastEventID: ""},
			},
		},
		{
			name:   "no id field keeps the last event id",
			lastID: "9",
			in:     "event: update\ndata: x\n\n: ping\n\n",
			want: []Event{
				{Event: "update", Data: "x", HasData: true, LastEventID: "9"},
				{Comment: "ping", LastEventID: "9", comment: true},
			},
		},
		{
			name: "block without data is reported, not dispatched, and keeps its id",
			in:   "id: 3\nevent: presence\n\ndata: y\n\n",
			want: []Event{
				{Event: "presence", ID: "3", HasID: true, LastEventID: "3"},
				{Data: "y", HasData: true, LastEventID: "3"},
			},
		},
		{
			name: "comment inside a block comes first, the block after",
			in:   "id: 5\n: note\ndata: z\n\n",
			want: []Event{
				{Comment: "note", comment: true},
				{Data: "z", HasData: true, ID: "5", HasID: true, LastEventID: "5"},
			},
		},
		{
			name: "CRLF and CR line endings, BOM, retry, unknown field",
			in:   "\ufeffretry: 1500\r\nfoo: bar\r\ndata: z\r\rdata: w\r\n\r\n",
			want: []Event{
				{Data: "z", HasData: true, Retry: 1500},
				{Data: "w", HasData: true},
			},
		},
		{
			name:   "id with NUL is reported but does not change the last event id; bad retry ignored",
			lastID: "2",
			in:     "id: a\x00b\nretry: 12x\ndata: q\n\n",
			want:   []Event{{Data: "q", HasData: true, ID: "a\x00b", HasID: true, LastEventID: "2"}},
		},
		{
			name: "unterminated last event is dropped",
			in:   "data: done\n\ndata: partial\n",
			want: []Event{{Data: "done", HasData: true}},
		},
		{
			name: "colon in value and no space",
			in:   "data:a: b\n\n",
			want: []Event{{Data: "a: b", HasData: true}},
		},
		{
			name: "blank lines alone report nothing",
			in:   "\n\n:ok\n\n\n",
			want: []Event{{Comment: "ok", comment: true}},
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
