package history_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/wait"
	"tickertalk/store"
)

// TestLogByteLimitDiscardsOldestAndResumesGetAGap fills a log bounded to
// 64 KiB: room "old" first, then room "new" until the log has discarded
// the oldest messages, of "old" and of "new". A client resuming into the
// discarded range gets ErrGap (the resync), whether the index heard of the
// discard from the log's first sequence or finds it on reading the log;
// a resume after what is still retained replays it.
func TestLogByteLimitDiscardsOldestAndResumesGetAGap(t *testing.T) {
	const maxBytes = 64 << 10
	st, err := store.Open(t.Context(), store.Config{DataDir: t.TempDir(), History: 1000, MaxBytes: maxBytes, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	text := strings.Repeat("y", 1000)
	publish := func(room string, n int) []uint64 {
		var seqs []uint64
		for i := range n {
			seq, _, err := st.Publish(t.Context(), tt.ChatMessage{Room: room, Nick: "n", Text: fmt.Sprint(i, text), Time: time.Now().UTC()}, "")
			if err != nil {
				t.Fatal(err)
			}
			seqs = append(seqs, seq)
		}
		return seqs
	}

	for _, tc := range []struct {
		name string
		// told: the index hears of the discard (the node polls the log's
		// first sequence); otherwise it finds out on reading the log.
		told bool
	}{{"told by the log's first sequence", true}, {"found on reading the log", false}} {
		t.Run(tc.name, func(t *testing.T) {
			// A cache of 0 bytes: every read goes to the log.
			idx := history.New(1000, history.WithSource(st, 0, 0))
			follow(t, st, idx)
			old := publish("old", 10)
			newer := publish("new", 150) // 150 KB: more than twice the bound
			wait.For(t, 10*time.Second, "the index to follow", func() bool { return idx.Last() >= newer[len(newer)-1] })
			first, err := st.FirstSeq(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if first <= old[len(old)-1] || first <= newer[0] {
				t.Fatalf("log starts at %d: the bound discarded too little (old %v, new from %d)", first, old, newer[0])
			}
			if tc.told {
				idx.Discarded(first)
				if has, _ := idx.HasRoom("old"); has {
					t.Error("room old, all discarded, is still indexed")
				}
			}
			for _, c := range []struct {
				room  string
				after uint64
			}{
				{"old", old[3]},    // its later messages are gone
				{"new", newer[0]},  // the next ones are gone
				{"old", 0},         // a room emptied by the log
				{"new", first - 5}, // just before the log's start
			} {
				if got, err := idx.Page(c.room, c.after, 50); !errors.Is(err, history.ErrGap) {
					t.Errorf("Page(%s, %d) = %d entries, %v; want ErrGap", c.room, c.after, len(got), err)
				}
				if got, err := idx.After(c.room, c.after); !errors.Is(err, history.ErrGap) {
					t.Errorf("After(%s, %d) = %d entries, %v; want ErrGap", c.room, c.after, len(got), err)
				}
			}
			// After what the log still holds: a replay of the rest.
			from := newer[len(newer)-6]
			got, err := idx.Page("new", from, 50)
			if err != nil || len(got) != 5 || got[0].Seq != newer[len(newer)-5] {
				t.Fatalf("Page(new, %d) = %d entries, %v; want the last 5", from, len(got), err)
			}
		})
	}
}
