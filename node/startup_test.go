//go:build unix

package node

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/syncbuf"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestStartUpSaysWhatItDoes: a node starting on a data dir that holds
// messages logs at info level, in this order, that it opens the store and
// how long that took, its connection limits with the descriptor limit
// raised to the hard one, that it loads history, what it loaded and how
// long that took, and where it listens.
func TestStartUpSaysWhatItDoes(t *testing.T) {
	const sent = 3
	dataDir := t.TempDir()
	first := startClusterNode(t, func(c *config.Config) { c.DataDir = dataDir })
	alice := testclient.NewSession(t, first.URL, "alice", curl...)
	for i := range sent {
		alice.Send(t, "lobby", fmt.Sprintf("m%d", i), testclient.NewClientID())
	}
	first.Stop()

	logs := &syncbuf.Buffer{}
	serveLogged(t, dataDir, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})), nil)
	var soft, hard uint64
	if raw, err := limits(); err == nil {
		soft, hard = raw.Cur, raw.Max
	}
	if soft != hard {
		t.Errorf("descriptor limit %d, hard %d: not raised", soft, hard)
	}
	want := []string{
		`msg="opening the store"`,
		`msg="store open" took=\d`,
		fmt.Sprintf(`msg="connection limits" fdSoft=%d fdHard=%d maxStreams=[1-9]`, hard, hard),
		`msg="loading history from the chat log"`,
		fmt.Sprintf(`msg="history loaded" .*messages=%d .*took=\d`, sent),
		`msg=listening url=http://127\.0\.0\.1:`,
	}
	out := logs.String()
	at := 0
	for _, w := range want {
		loc := regexp.MustCompile(`level=INFO ` + w).FindStringIndex(out[at:])
		if loc == nil {
			t.Fatalf("no line matching %q after the previous ones in the start-up log:\n%s", w, out)
		}
		at += loc[1]
	}
}

// TestNATSCredentialsLoggedOnce: a node whose embedded NATS listens
// without configured credentials logs, once, the URL that the other nodes
// need, its generated credentials included, and that URL connects.
func TestNATSCredentialsLoggedOnce(t *testing.T) {
	logs := &syncbuf.Buffer{}
	serveLogged(t, t.TempDir(), slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		func(c *config.Config) { c.NATSListen = "127.0.0.1:0" })
	re := regexp.MustCompile(`level=INFO msg="embedded NATS accepts other nodes[^"]*--nats-url[^"]*" url=(nats://[^:@\s]+:[^@\s]+@127\.0\.0\.1:\d+) generated=true`)
	out := logs.String()
	found := re.FindAllStringSubmatch(out, -1)
	if len(found) != 1 || strings.Count(out, "embedded NATS accepts other nodes") != 1 {
		t.Fatalf("%d lines with the generated NATS url, want exactly one:\n%s", len(found), out)
	}
	nc, err := nats.Connect(found[0][1], nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("connecting with the logged url: %v", err)
	}
	nc.Close()
}

// TestProgressIsLoggedUntilStopped: logEvery says, every interval, that
// start-up still runs and for how long, and stops when told.
func TestProgressIsLoggedUntilStopped(t *testing.T) {
	logs := &syncbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	stop := logEvery(log, 10*time.Millisecond, "still opening the store", time.Now())
	wait.For(t, 10*time.Second, "two progress lines", func() bool {
		return strings.Count(logs.String(), `level=INFO msg="still opening the store" took=`) >= 2
	})
	stop()
	stop() // a second stop is harmless
	n := strings.Count(logs.String(), "still opening")
	// Any line after stop() would come within an interval or two.
	<-time.After(100 * time.Millisecond)
	if got := strings.Count(logs.String(), "still opening"); got > n+1 {
		t.Errorf("%d progress lines after stop, want at most one that was under way", got-n)
	}
}

// TestDescriptorLimitRaisedToHard: raiseFDLimit lifts a soft limit below
// the hard one to the hard one.
func TestDescriptorLimitRaisedToHard(t *testing.T) {
	orig, err := limits()
	if err != nil {
		t.Fatal(err)
	}
	if orig.Max < 64 {
		t.Fatalf("hard descriptor limit %d: cannot lower the soft one below it for the test", orig.Max)
	}
	lowered := orig
	lowered.Cur = orig.Max - 1
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &orig) })
	soft, hard, err := raiseFDLimit()
	if err != nil {
		t.Fatal(err)
	}
	now, err := limits()
	if err != nil {
		t.Fatal(err)
	}
	if soft != hard || hard != orig.Max || now.Cur != orig.Max {
		t.Fatalf("after raiseFDLimit: reported %d/%d, limit %d/%d; want both %d", soft, hard, now.Cur, now.Max, orig.Max)
	}
}

func limits() (syscall.Rlimit, error) {
	var l syscall.Rlimit
	err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l)
	return l, err
}

// serveLogged runs a node on dataDir logging to log until the test ends,
// and waits until it is ready. mutate, if not nil, adjusts its config.
func serveLogged(t *testing.T, dataDir string, log *slog.Logger, mutate func(*config.Config)) {
	t.Helper()
	web := t.TempDir()
	if err := os.WriteFile(filepath.Join(web, "app.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.DataDir, cfg.WebDir, cfg.Seed, cfg.Tick = dataDir, web, 7, 100*time.Millisecond
	if mutate != nil {
		mutate(&cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, log, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	wait.For(t, 15*time.Second, "node ready", func() bool {
		resp, err := http.Get("http://" + ln.Addr().String() + tt.PathReady)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}
