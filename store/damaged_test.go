package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/syncbuf"
	"tickertalk/internal/wait"
)

// TestDamagedBlockNeitherBlocksItsRoomNorHidesTheGap: 16 bytes of the
// oldest message of a full room are corrupted in the chat stream's block
// file while the store is stopped. After a restart the follower reports
// the unreadable entry (logged at ERROR with its count), so a client that
// resumes from before it is told to reload (ErrGap) while one that saw
// everything is not; and sends to the room still succeed and are
// delivered, although the log cannot drop the damaged entry.
func TestDamagedBlockNeitherBlocksItsRoomNorHidesTheGap(t *testing.T) {
	const limit = 5
	cfg := testConfig(t)
	cfg.History = limit
	s, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64 // of room "full", in order
	var texts []string
	var lastSeq uint64
	for i := range 3 * limit {
		room, text := "other", fmt.Sprintf("other%d", i)
		if i%3 != 0 {
			room, text = "full", fmt.Sprintf("full%d", i)
		}
		lastSeq = publish(t, s, room, text, "")
		if room == "full" {
			seqs, texts = append(seqs, lastSeq), append(texts, text)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// The oldest message the full room retains.
	damaged := seqs[len(seqs)-limit]
	corruptText(t, cfg.DataDir, `"text":"`+texts[len(texts)-limit]+`"`)

	logs := &syncbuf.Buffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s = openTest(t, cfg)
	index := history.New(limit)
	var lost [][3]uint64
	if err := s.FollowWith(t.Context(), Hooks{
		Message: func(m tt.ChatMessage) {
			seq, _ := history.ParseID(m.ID)
			data, _ := json.Marshal(m)
			index.Add(history.Entry{Seq: seq, Msg: m, JSON: data})
		},
		Skipped: index.Skip,
		Lost: func(first, last, count uint64) {
			lost = append(lost, [3]uint64{first, last, count})
			index.Lost(first, last, count)
		},
	}); err != nil {
		t.Fatal(err)
	}
	if len(lost) != 1 || lost[0][0] != damaged || lost[0][1] != damaged || lost[0][2] != 1 {
		t.Errorf("lost ranges %v, want [[%d %d 1]] (the damaged entry)", lost, damaged, damaged)
	}
	if out := logs.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "lost=1") {
		t.Errorf("no ERROR log with the count of lost entries:\n%s", out)
	}
	if _, err := index.After("full", damaged-1); !errors.Is(err, history.ErrGap) {
		t.Errorf("resume from %d, just before the damaged entry: %v, want ErrGap", damaged-1, err)
	}
	if _, err := index.After("full", lastSeq); err != nil {
		t.Errorf("resume from the last entry %d: %v, want no gap", lastSeq, err)
	}

	// The room takes messages, twice (the second knows the room is damaged).
	for i := range 2 {
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		text := fmt.Sprintf("after%d", i)
		start := time.Now()
		seq, _, err := s.Publish(ctx, chatMsg("full", text), "id-"+text)
		cancel()
		if err != nil {
			t.Fatalf("send %d to the damaged room, after %v: %v", i, time.Since(start), err)
		}
		wait.For(t, 10*time.Second, "the message in the index", func() bool { return index.Last() >= seq })
	}
	if err := s.Ready(); err != nil {
		t.Errorf("Ready after sends to the damaged room: %v", err)
	}
}

// corruptText flips 16 bytes of the chat stream's block file where marker
// is stored, as a failing disk would.
func corruptText(t *testing.T, dataDir, marker string) {
	t.Helper()
	var blocks []string
	err := filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".blk") && strings.Contains(p, string(filepath.Separator)+streamName+string(filepath.Separator)) {
			blocks = append(blocks, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, blk := range blocks {
		data, err := os.ReadFile(blk)
		if err != nil {
			t.Fatal(err)
		}
		at := bytes.Index(data, []byte(marker))
		if at < 0 {
			continue
		}
		for i := at; i < at+16 && i < len(data); i++ {
			data[i] ^= 0x5a
		}
		if err := os.WriteFile(blk, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("%q in none of the chat stream's blocks %v", marker, blocks)
}

// TestLostEndIsReportedAndItsIDsNeverReused: the chat stream's block is
// damaged in the middle and its index is gone, so JetStream truncates the
// block as it starts and the log's last id goes back without a word. The
// follower finds it from the watermark it keeps, logs it at ERROR with the
// count, a resume into the lost range is told to reload, and new messages
// get ids above every id ever given.
func TestLostEndIsReportedAndItsIDsNeverReused(t *testing.T) {
	cfg := testConfig(t)
	s, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	const n = 30
	c := follow(t, s)
	var last uint64
	for i := range n {
		last = publish(t, s, "lobby", fmt.Sprintf("end%d", i), "")
	}
	wait.For(t, 10*time.Second, "the follower saw every message", func() bool { return c.len() == n })
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	corruptText(t, cfg.DataDir, `"text":"end15"`)
	removeChatIndex(t, cfg.DataDir)

	logs := &syncbuf.Buffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s = openTest(t, cfg)
	index := history.New(100)
	var lost [][3]uint64
	if err := s.FollowWith(t.Context(), Hooks{
		Message: func(m tt.ChatMessage) {
			seq, _ := history.ParseID(m.ID)
			data, _ := json.Marshal(m)
			index.Add(history.Entry{Seq: seq, Msg: m, JSON: data})
		},
		Lost: func(first, last, count uint64) {
			lost = append(lost, [3]uint64{first, last, count})
			index.Lost(first, last, count)
		},
	}); err != nil {
		t.Fatal(err)
	}
	if len(lost) != 1 || lost[0][1] != last || lost[0][0] > 16 || lost[0][2] != last-lost[0][0]+1 {
		t.Fatalf("lost ranges %v, want one ending at %d that holds message 16", lost, last)
	}
	if out := logs.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, fmt.Sprintf("lost=%d", lost[0][2])) {
		t.Errorf("no ERROR log with the count of lost entries:\n%s", out)
	}
	seq := publish(t, s, "lobby", "new", "")
	if seq <= last {
		t.Errorf("a new message got id %d, already given to a lost one (last id %d)", seq, last)
	}
	wait.For(t, 10*time.Second, "the new message in the index", func() bool { return index.Last() >= seq })
	if _, err := index.After("lobby", lost[0][0]); !errors.Is(err, history.ErrGap) {
		t.Errorf("resume from %d, in the lost range: %v, want ErrGap", lost[0][0], err)
	}
	if _, err := index.After("lobby", seq); err != nil {
		t.Errorf("resume from the new message %d: %v, want no gap", seq, err)
	}
}

// removeChatIndex removes the chat stream's index file, as a crash
// before it was written would leave it.
func removeChatIndex(t *testing.T, dataDir string) {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dataDir, "jetstream", "jetstream", "*", "streams", streamName, "msgs", "index.db"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("index of the chat stream: %v %v", matches, err)
	}
	if err := os.Remove(matches[0]); err != nil {
		t.Fatal(err)
	}
}
