package history_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/wait"
	"tickertalk/store"
)

// childEnv makes the test binary serve a JetStream store on 127.0.0.1 in
// its own process (see TestMain), so that a test's heap holds the index and
// not the store's block caches.
const childEnv = "TICKERTALK_HISTORY_TEST_NATS_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		serveChild(dir)
		return
	}
	os.Exit(m.Run())
}

// serveChild runs an embedded store that accepts clients on a random
// loopback port, prints its URL and stops when stdin closes.
func serveChild(dir string) {
	st, err := store.Open(context.Background(), store.Config{
		DataDir: dir, ListenAddr: "127.0.0.1:0", History: 1000,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println(st.ClientURL())
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = st.Close()
}

// startChildStore starts the store process and returns a Store connected
// to it over TCP.
func startChildStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("store process: %v", err)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "nats://") {
		t.Fatalf("store process said %q (%v)", line, err)
	}
	st, err := store.Open(t.Context(), store.Config{URL: strings.TrimSpace(line), History: 1000, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// heap is the live heap after a full collection.
func heap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// follow fills idx from the whole log and keeps it following until the
// test ends; it returns once idx has caught up.
func follow(t *testing.T, st *store.Store, idx *history.Index) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	readLog(t, ctx, st, idx.Add, idx.Skip)
}

// readLog reads the whole log from st into add as entries (and into skip
// what is not a message), until ctx is done; it returns once it has
// caught up.
func readLog(t *testing.T, ctx context.Context, st *store.Store, add func(history.Entry) bool, skip func(room string, seq uint64)) {
	t.Helper()
	err := st.FollowSkipping(ctx, func(m tt.ChatMessage) {
		seq, _ := history.ParseID(m.ID)
		data, err := json.Marshal(m)
		if err != nil {
			t.Error(err)
		}
		add(history.Entry{Seq: seq, Msg: m, JSON: data})
	}, skip)
	if err != nil {
		t.Fatal(err)
	}
}

// timeReadLog is how long reading the whole log from st takes with no
// index behind it: the store's and the decoding's share of a fill, taken
// under the machine's load of the moment.
func timeReadLog(t *testing.T, st *store.Store) time.Duration {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	start := time.Now()
	readLog(t, ctx, st, func(history.Entry) bool { return true }, func(string, uint64) {})
	return time.Since(start)
}

// flood publishes n messages of text over rooms rooms, from 8 senders,
// and returns the highest id.
func flood(t *testing.T, st *store.Store, rooms, n int, text string) uint64 {
	t.Helper()
	var last atomic.Uint64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				m := tt.ChatMessage{Room: fmt.Sprintf("r%d", i%rooms), Nick: "flooder", Text: text, Time: time.Now().UTC()}
				seq, _, err := st.Publish(t.Context(), m, "")
				if err != nil {
					errs <- err
					return
				}
				for old := last.Load(); seq > old && !last.CompareAndSwap(old, seq); old = last.Load() {
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return last.Load()
}

// TestRoomFloodKeepsTheIndexWithinItsCache floods a log with thousands of
// rooms of long messages (16 MB of text) while an index with a 2 MiB cache
// follows it, then fills a new index from that log as a restart does. The
// index's heap stays under its cache plus a small constant (a few dozen
// bytes a message), the restart takes at most a few times as long as
// reading the log alone, and what the cache dropped is still read back
// right.
func TestRoomFloodKeepsTheIndexWithinItsCache(t *testing.T) {
	const (
		rooms      = 3000
		messages   = 8000
		cacheBytes = 2 << 20
		constant   = 6 << 20 // metadata of 8,000 messages and 3,000 rooms, and slack
		// fillRatio bounds a fill against reading the same log into
		// nothing: 0.6-1.2 measured, idle or at a load average of 25
		// with -race; a wall-clock bound alone failed under load.
		fillRatio = 4
	)
	text := strings.Repeat("x", tt.MaxTextRunes)
	st := startChildStore(t, t.TempDir())

	base := heap()
	live := history.New(1000, history.WithSource(st, cacheBytes, 0))
	follow(t, st, live)
	last := flood(t, st, rooms, messages, text)
	wait.For(t, 30*time.Second, "the index to see the flood", func() bool { return live.Last() >= last })
	if got := heap() - base; got > cacheBytes+constant {
		t.Errorf("live index after the flood: heap grew %d MiB, want under %d MiB", got>>20, (cacheBytes+constant)>>20)
	}
	runtime.KeepAlive(live)

	bare := timeReadLog(t, st)
	base = heap()
	start := time.Now()
	restarted := history.New(1000, history.WithSource(st, cacheBytes, 0))
	follow(t, st, restarted)
	took := time.Since(start)
	grew := heap() - base
	// The reference is timed just before and just after the fill, so
	// that it ran under about the same load; the larger one counts (the
	// first read may find the store's caches cold).
	bare = max(bare, timeReadLog(t, st))
	t.Logf("index filled from the log: heap grew %d KiB, %d B a message beyond the cache", grew>>10, (grew-restarted.Stats().CacheBytes)/messages)
	if grew > cacheBytes+constant {
		t.Errorf("index filled from the log: heap grew %d MiB, want under %d MiB", grew>>20, (cacheBytes+constant)>>20)
	}
	t.Logf("filled from the log in %v (%.2f times the %v of reading it alone): %+v",
		took, float64(took)/float64(bare), bare, restarted.Stats())
	if took > fillRatio*bare {
		t.Errorf("filling the index from %d messages took %v, over %d times the %v of reading the log alone", messages, took, fillRatio, bare)
	}
	if s := restarted.Stats(); s.Rooms != rooms || s.Messages != messages || s.CacheBytes > cacheBytes {
		t.Errorf("stats %+v, want %d rooms, %d messages, cache within %d", s, rooms, messages, cacheBytes)
	}
	// The oldest room's messages left the cache long ago: read back.
	got, err := restarted.Page("r0", 0, 10)
	if err != nil || len(got) != 3 || got[0].Msg.Text != text || got[0].Msg.Room != "r0" {
		t.Fatalf("Page(r0) = %d entries, %v; want the room's 3 messages", len(got), err)
	}
	runtime.KeepAlive(restarted)
}
