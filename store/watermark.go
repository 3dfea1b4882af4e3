package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// watermarkFile, under DataDir, holds the highest chat sequence a follower
// of the embedded server has seen. JetStream can lose the end of its log
// without a word (a damaged block truncated as it starts, its index gone):
// its last sequence then goes back, and the next messages would get ids
// that clients already hold for lost ones.
const watermarkFile = "chat-watermark"

const (
	watermarkEvery = time.Second
	// maxSkip bounds how many sequences Follow skips over to keep ids
	// unique after a lost end of the log.
	maxSkip = 1 << 20
)

// ownsData reports whether the Store runs the embedded server on DataDir.
func (s *Store) ownsData() bool { return s.srv != nil && s.ownsSrv }

// noteSeen records that a follower saw the chat entry at seq.
func (s *Store) noteSeen(seq uint64) {
	for {
		cur := s.seen.Load()
		if seq <= cur || s.seen.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// keepWatermark writes the highest sequence seen to DataDir every second
// while it changes, and once more when the Store closes.
func (s *Store) keepWatermark() {
	defer s.wg.Done()
	written := readWatermark(s.cfg.DataDir)
	t := time.NewTicker(watermarkEvery)
	defer t.Stop()
	for {
		closing := false
		select {
		case <-s.ctx.Done():
			closing = true
		case <-t.C:
		}
		if seq := s.seen.Load(); seq > written {
			if err := writeWatermark(s.cfg.DataDir, seq); err != nil {
				s.log.Warn("write the chat watermark", "err", err)
			} else {
				written = seq
			}
		}
		if closing {
			return
		}
	}
}

// readWatermark returns the stored watermark, 0 when there is none.
func readWatermark(dir string) uint64 {
	data, err := os.ReadFile(filepath.Join(dir, watermarkFile))
	if err != nil {
		return 0
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func writeWatermark(dir string, seq uint64) error {
	return writeFileAtomic(dir, watermarkFile, []byte(fmt.Sprintln(seq)))
}

// checkLostEnd compares the log's last sequence with the watermark. When
// the log lost its end, it logs the lost range at ERROR, reports it to
// lost, and moves the log's sequence past the watermark with probe writes
// (purged at once), so that no id is given twice.
func (s *Store) checkLostEnd(ctx context.Context, lost func(first, last, count uint64)) error {
	if !s.ownsData() {
		return nil
	}
	wm := readWatermark(s.cfg.DataDir)
	info, err := s.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream info: %w", err)
	}
	have := info.State.LastSeq
	if wm <= have {
		return nil
	}
	s.noteSeen(wm) // the watermark never goes back
	n := wm - have
	s.log.Error("the chat log lost its end: damaged or missing files; clients that may have missed it reload",
		"first", have+1, "last", wm, "lost", n)
	if lost != nil {
		lost(have+1, wm, n)
	}
	if n > maxSkip {
		s.log.Error("too many ids lost to skip: new messages may get ids clients already saw", "lost", n)
		return nil
	}
	// Recorded first: a crash before the purge leaves them readable, on
	// their own subject, which a later start tells apart as well.
	if err := s.probes.add(have+1, wm); err != nil {
		s.log.Warn("record the probe writes that skip the lost ids: they will be reported lost again", "err", err)
	}
	for i := uint64(0); i < n; i++ {
		if _, err := s.js.PublishAsync(probeSubject, nil); err != nil {
			return fmt.Errorf("skip lost ids: %w", err)
		}
	}
	select {
	case <-s.js.PublishAsyncComplete():
	case <-ctx.Done():
		return fmt.Errorf("skip lost ids: %w", ctx.Err())
	}
	if err := s.stream.Purge(ctx, jetstream.WithPurgeSubject(probeSubject)); err != nil {
		s.log.Warn("purge the probe writes", "err", err)
	}
	s.log.Info("skipped the lost ids: new messages get new ones", "next", wm+1)
	return nil
}
