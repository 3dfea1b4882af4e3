package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/syncbuf"
	"tickertalk/internal/wait"
)

// followed is what a follower started by followIndex got.
type followed struct {
	index *history.Index
	mu    sync.Mutex
	n     int         // messages delivered
	lost  [][3]uint64 // first, last, count
}

func (f *followed) lostRanges() [][3]uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][3]uint64(nil), f.lost...)
}

// reopenFollowing opens the store on cfg's data dir with an info-level log
// and follows it into a history index of limit entries per room.
func reopenFollowing(t *testing.T, cfg Config, limit int) (*Store, *followed, *syncbuf.Buffer) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s := openTest(t, cfg)
	f := &followed{index: history.New(limit)}
	if err := s.FollowWith(t.Context(), Hooks{
		Message: func(m tt.ChatMessage) {
			seq, _ := history.ParseID(m.ID)
			data, _ := json.Marshal(m)
			f.index.Add(history.Entry{Seq: seq, Msg: m, JSON: data})
			f.mu.Lock()
			f.n++
			f.mu.Unlock()
		},
		Skipped: f.index.Skip,
		Lost: func(first, last, count uint64) {
			f.mu.Lock()
			f.lost = append(f.lost, [3]uint64{first, last, count})
			f.mu.Unlock()
			f.index.Lost(first, last, count)
		},
	}); err != nil {
		t.Fatal(err)
	}
	return s, f, logs
}

// zeroFirstBlockMiddle zeroes 4 KiB in the middle of the chat stream's
// first block file, as a failing disk would, and returns the file. It
// fails the test unless a later block follows, so that the lost entries
// are inside the log, not at its end.
func zeroFirstBlockMiddle(t *testing.T, dataDir string) string {
	t.Helper()
	blocks, err := filepath.Glob(filepath.Join(dataDir, "jetstream", "jetstream", "*", "streams", streamName, "msgs", "*.blk"))
	if err != nil || len(blocks) < 2 {
		t.Fatalf("chat stream blocks %v (%v): want two or more", blocks, err)
	}
	blk := ""
	for _, b := range blocks {
		if filepath.Base(b) == "1.blk" {
			blk = b
		}
	}
	fi, err := os.Stat(blk)
	if err != nil {
		t.Fatalf("first block of %v: %v", blocks, err)
	}
	if fi.Size() < 3*4096 {
		t.Fatalf("%s holds %d bytes, too few to damage its middle", blk, fi.Size())
	}
	f, err := os.OpenFile(blk, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, 4096), fi.Size()/2/4096*4096); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return blk
}

// TestZeroedBlockPartIsReportedLost: 4 KiB in the middle of the chat
// stream's block file are zeroed while the store is stopped, in a room that
// is not full (so its limit removed nothing). JetStream counts the entries
// it cannot read as deleted; the follower reports every one of them lost,
// logged at ERROR, and a resume from before them is told to reload.
func TestZeroedBlockPartIsReportedLost(t *testing.T) {
	const n = 150
	cfg := testConfig(t)
	// A bound of 100 kB makes JetStream use blocks of 32 kB: the messages
	// fill several, and none is discarded.
	cfg.MaxBytes = 100_000
	s, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := follow(t, s) // as a node does: it keeps the watermark
	pad := strings.Repeat("x", 400)
	var last uint64
	for i := range n {
		m := chatMsg("lobby", fmt.Sprintf("m%05d", i))
		m.Text += " " + pad
		seq, _, err := s.Publish(t.Context(), m, "")
		if err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
		last = seq
	}
	wait.For(t, 10*time.Second, "the follower saw every message", func() bool { return c.len() == n })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	blk := zeroFirstBlockMiddle(t, cfg.DataDir)

	_, f, logs := reopenFollowing(t, cfg, n)
	if f.n >= n {
		t.Fatalf("all %d messages still read after zeroing 4 KiB of %s", n, blk)
	}
	lost := f.lostRanges()
	var count uint64
	for _, r := range lost {
		count += r[2]
	}
	if want := uint64(n - f.n); count != want {
		t.Fatalf("lost ranges %v count %d entries, want %d (written %d, read %d)", lost, count, want, n, f.n)
	}
	if out := logs.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "lost=") {
		t.Errorf("no ERROR log with the count of lost entries:\n%s", out)
	}
	if _, err := f.index.After("lobby", lost[0][0]-1); !errors.Is(err, history.ErrGap) {
		t.Errorf("resume from %d, just before the lost entries: %v, want ErrGap", lost[0][0]-1, err)
	}
	if _, err := f.index.After("lobby", last); err != nil {
		t.Errorf("resume from the last entry %d: %v, want no gap", last, err)
	}
}

// TestRemovalsByTheLogAreNotLost: entries that the log removed itself (a
// full room's oldest, beyond its limit) or that the store removed (its
// probe writes, and those that move the log past a lost end) are not
// reported lost after a restart, nor logged at ERROR.
func TestRemovalsByTheLogAreNotLost(t *testing.T) {
	const limit = 5
	cfg := testConfig(t)
	cfg.History = limit
	s, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 * limit {
		room := "full"
		if i%7 == 0 {
			room = "other"
		}
		publish(t, s, room, fmt.Sprintf("m%d", i), "")
		if i%10 == 3 {
			if err := s.probe(); err != nil {
				t.Fatalf("probe: %v", err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, f, logs := reopenFollowing(t, cfg, limit)
	if lost := f.lostRanges(); len(lost) != 0 {
		t.Errorf("lost ranges %v, want none", lost)
	}
	if out := logs.String(); strings.Contains(out, "level=ERROR") {
		t.Errorf("ERROR logged:\n%s", out)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A lost end: the log is moved past it with probe writes; it is
	// reported once, not again at the next start.
	corruptText(t, cfg.DataDir, `"text":"m27"`)
	removeChatIndex(t, cfg.DataDir)
	s, f, _ = reopenFollowing(t, cfg, limit)
	if lost := f.lostRanges(); len(lost) != 1 {
		t.Fatalf("lost ranges after losing the end %v, want one", lost)
	}
	publish(t, s, "other", "after", "")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, f, logs = reopenFollowing(t, cfg, limit)
	if lost := f.lostRanges(); len(lost) != 0 {
		t.Errorf("lost ranges at the start after the lost end %v, want none", lost)
	}
	if out := logs.String(); strings.Contains(out, "level=ERROR") {
		t.Errorf("ERROR logged:\n%s", out)
	}
}
