package client

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// frame is a Frame with its slices copied, to compare after Next.
type frame struct {
	Comment, Event, Data, ID  string
	IsComment, HasData, HasID bool
	Retry                     time.Duration
	LastEventID               string
}

func readAll(t *testing.T, r io.Reader, size int, lastID string) ([]frame, error) {
	t.Helper()
	d := NewDecoder(r, size)
	d.SetLastEventID(lastID)
	var got []frame
	for {
		f, err := d.Next()
		if err != nil {
			return got, err
		}
		got = append(got, frame{
			Comment: string(f.Comment), Event: string(f.Event), Data: string(f.Data), ID: string(f.ID),
			IsComment: f.IsComment, HasData: f.HasData, HasID: f.HasID, Retry: f.Retry,
			LastEventID: d.LastEventID(),
		})
	}
}

func TestDecoder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		lastID string
		in     string
		want   []frame
	}{
		{
			name: "preamble comment then event",
			in:   ":ok\n\nid: 7\nevent: message\ndata: {\"a\":1}\n\n",
			want: []frame{
				{Comment: "ok", IsComment: true},
				{Event: "message", Data: `{"a":1}`, HasData: true, ID: "7", HasID: true, LastEventID: "7"},
			},
		},
		{
			name: "no event field and multi-line data",
			in:   "data: one\ndata:two\ndata\n\n",
			want: []frame{{Data: "one\ntwo\n", HasData: true}},
		},
		{
			name:   "empty id line resets the last event id",
			lastID: "41",
			in:     "id: 42\ndata: a\n\nid:\nevent: update\ndata: b\n\nevent: update\ndata: c\n\n",
			want: []frame{
				{Data: "a", HasData: true, ID: "42", HasID: true, LastEventID: "42"},
				{Event: "update", Data: "b", HasData: true, HasID: true, LastEventID: ""},
				{Event: "update", Data: "c", HasData: true, LastEventID: ""},
			},
		},
		{
			name:   "no id field keeps the last event id",
			lastID: "9",
			in:     "event: update\ndata: x\n\n: ping\n\n",
			want: []frame{
				{Event: "update", Data: "x", HasData: true, LastEventID: "9"},
				{Comment: "ping", IsComment: true, LastEventID: "9"},
			},
		},
		{
			name: "block without data is reported and keeps its id",
			in:   "id: 3\nevent: presence\n\ndata: y\n\n",
			want: []frame{
				{Event: "presence", ID: "3", HasID: true, LastEventID: "3"},
				{Data: "y", HasData: true, LastEventID: "3"},
			},
		},
		{
			name: "comment inside a block comes first, the block after",
			in:   "id: 5\n: note\ndata: z\n\n",
			want: []frame{
				{Comment: "note", IsComment: true},
				{Data: "z", HasData: true, ID: "5", HasID: true, LastEventID: "5"},
			},
		},
		{
			name: "CRLF and CR line endings, BOM, retry, unknown field",
			in:   "\ufeffretry: 1500\r\nfoo: bar\r\ndata: z\r\rdata: w\r\n\r\n",
			want: []frame{
				{Data: "z", HasData: true, Retry: 1500 * time.Millisecond},
				{Data: "w", HasData: true},
			},
		},
		{
			name:   "id with NUL is reported but keeps the last event id; bad retry ignored",
			lastID: "2",
			in:     "id: a\x00b\nretry: 12x\ndata: q\n\n",
			want:   []frame{{Data: "q", HasData: true, ID: "a\x00b", HasID: true, LastEventID: "2"}},
		},
		{
			name: "unterminated last event is dropped",
			in:   "data: done\n\ndata: partial\n",
			want: []frame{{Data: "done", HasData: true}},
		},
		{
			name: "colon in value and no space",
			in:   "data:a: b\n\n",
			want: []frame{{Data: "a: b", HasData: true}},
		},
		{
			name: "blank lines alone report nothing",
			in:   "\n\n:ok\n\n\n",
			want: []frame{{Comment: "ok", IsComment: true}},
		},
		{
			name: "a line longer than the read buffer",
			in:   "data: " + strings.Repeat("x", 10000) + "\n\n",
			want: []frame{{Data: strings.Repeat("x", 10000), HasData: true}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Whole, then a byte at a time (a CR at the end of what has
			// arrived must end its line without waiting for more), each
			// through the default buffer and the smallest (every line
			// longer than 16 bytes is assembled across fills).
			for _, size := range []int{0, 16} {
				for _, r := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
					got, err := readAll(t, r, size, tc.lastID)
					if !errors.Is(err, io.EOF) {
						t.Fatalf("Next ended with %v, want io.EOF", err)
					}
					if len(got) != len(tc.want) {
						t.Fatalf("buffer %d: got %d frames %+v, want %+v", size, len(got), got, tc.want)
					}
					for i := range got {
						if got[i] != tc.want[i] {
							t.Errorf("buffer %d: frame %d = %+v, want %+v", size, i, got[i], tc.want[i])
						}
					}
				}
			}
		})
	}
}

// TestDecoderCRDoesNotWaitForLF: a line ended by a CR is returned before
// the next byte arrives (a live stream may send nothing more for a while).
func TestDecoderCRDoesNotWaitForLF(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	defer pr.Close()
	go func() { _, _ = io.WriteString(pw, ": ping\r") }()
	d := NewDecoder(pr, 0)
	done := make(chan error, 1)
	go func() {
		f, err := d.Next()
		if err == nil && (!f.IsComment || string(f.Comment) != "ping") {
			err = errors.New("not the ping comment: " + string(f.Comment))
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Next waited past a CR for more input")
	}
	pw.Close()
}

func TestDecoderLineTooLong(t *testing.T) {
	t.Parallel()
	d := NewDecoder(strings.NewReader("data: "+strings.Repeat("x", 100)+"\n\n"), 0)
	d.SetMaxLine(50)
	if _, err := d.Next(); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("Next = %v, want ErrLineTooLong", err)
	}
	d = NewDecoder(strings.NewReader("data: "+strings.Repeat("x", 10000)+"\n\n"), 0)
	d.SetMaxLine(5000)
	if _, err := d.Next(); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("Next on a line past the buffer = %v, want ErrLineTooLong", err)
	}
}

// TestDecoderWithoutAllocations: once its buffers have grown, reading an
// event costs no allocation (the load generator reads with it).
func TestDecoderWithoutAllocations(t *testing.T) {
	block := "id: 12345\nevent: message\ndata: {\"id\":\"12345\",\"room\":\"lobby\",\"text\":\"hello\"}\n\n: ping\n\n"
	r := strings.NewReader("")
	d := NewDecoder(r, 0)
	r.Reset(strings.Repeat(block, 2))
	for range 2 {
		if _, err := d.Next(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(block)
		for range 2 {
			if _, err := d.Next(); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per event and comment, want 0", allocs)
	}
}

func BenchmarkDecoder(b *testing.B) {
	block := "id: 12345\nevent: message\ndata: {\"id\":\"12345\",\"room\":\"lobby\",\"nick\":\"ann\",\"text\":\"hello there\",\"time\":\"2026-01-01T00:00:00Z\"}\n\n"
	in := strings.Repeat(block, 1000)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	r := strings.NewReader(in)
	d := NewDecoder(r, 16<<10)
	for b.Loop() {
		r.Reset(in)
		for {
			if _, err := d.Next(); err != nil {
				break
			}
		}
	}
}
