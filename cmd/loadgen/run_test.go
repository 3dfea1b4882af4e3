package main

import (
	"bufio"
	"context"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// shortRun is the configuration of the end-to-end tests: 20 subscribers,
// 50 messages a second for one second.
func shortRun(t *testing.T, base string) config {
	t.Helper()
	u, err := checkLoopbackURL(base)
	if err != nil {
		t.Fatal(err)
	}
	ips, err := parseSourceIPs("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return config{
		URL: u, Subscribers: 20, Rooms: 2, Rate: 50, Senders: 2, Duration: time.Second,
		Size: 60, SourceIPs: ips, Ramp: 2000, Drain: 3 * time.Second, Settle: 100 * time.Millisecond,
	}
}

func runShort(t *testing.T, c config) *result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := run(ctx, c, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return r
}

func TestRunAgainstFakeServer(t *testing.T) {
	tests := []struct {
		name                       string
		fault                      fault
		lost, dups, outOfOrder, ok bool
	}{
		{"faithful server", faultNone, false, false, false, true},
		{"one message lost", faultDrop, true, false, false, false},
		{"one message twice", faultDuplicate, false, true, false, false},
		{"two messages swapped", faultReorder, false, false, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := startFakeServer(t, tc.fault)
			c := shortRun(t, hs.URL)
			c.Rooms = 1 // the fault needs the first subscriber to see message 3
			r := runShort(t, c)
			if got, want := r.Connections.Established, int64(20); got != want {
				t.Fatalf("established %d, want %d", got, want)
			}
			// At most rate × duration; fewer only when a loaded machine
			// drops ticks, which is timing, not correctness.
			if got, max := r.Messages.Created, int64(50); got < 10 || got > max {
				t.Errorf("created %d messages, want 10 to %d (rate × duration)", got, max)
			}
			d := r.Deliveries
			if got, want := d.Expected, r.Messages.Created*20; got != want {
				t.Errorf("expected %d deliveries, want %d", got, want)
			}
			if got := d.Lost > 0; got != tc.lost {
				t.Errorf("lost %d, want losses: %v", d.Lost, tc.lost)
			}
			if got := d.Duplicates > 0; got != tc.dups {
				t.Errorf("duplicates %d, want some: %v", d.Duplicates, tc.dups)
			}
			if got := d.OutOfOrder > 0; got != tc.outOfOrder {
				t.Errorf("out of order %d, want some: %v", d.OutOfOrder, tc.outOfOrder)
			}
			if r.ok() != tc.ok {
				t.Errorf("ok() = %v, want %v: %+v", r.ok(), tc.ok, d)
			}
			if r.Latency.Count == 0 || r.Latency.P99 <= 0 || r.Latency.Max < r.Latency.P99 {
				t.Errorf("latency %+v, want samples with p99 <= max", r.Latency)
			}
		})
	}
}

func TestRunNeverSendsMoreThanRateTimesDuration(t *testing.T) {
	hs := startFakeServer(t, faultNone)
	c := shortRun(t, hs.URL)
	c.Subscribers, c.Rate, c.Duration = 1, 500, 300*time.Millisecond
	r := runShort(t, c)
	// Only the bound is asserted: how close a loaded machine (-race, CI)
	// comes to it is a matter of timing, not of correctness.
	if got, max := r.Messages.Attempted, int64(150); got > max || got < 1 {
		t.Errorf("attempted %d messages, want 1 to %d", got, max)
	}
}

// TestRunAgainstServer runs the load generator against the real server
// binary: bin/tickertalk at the module root, or $TICKERTALK_BIN. It is
// skipped when neither exists (make build makes it).
func TestRunAgainstServer(t *testing.T) {
	bin := os.Getenv("TICKERTALK_BIN")
	if bin == "" {
		bin, _ = filepath.Abs("../../bin/tickertalk")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no server binary (%v): run make build", err)
	}
	base := startServer(t, bin)
	r := runShort(t, shortRun(t, base))
	if !r.ok() {
		var sb strings.Builder
		r.writeText(&sb)
		t.Fatalf("run against %s not clean:\n%s", base, sb.String())
	}
	// Up to 50 messages (rate × duration); fewer only when a loaded
	// machine drops ticks. Every one reaches the 10 subscribers of its room.
	if got, max := r.Messages.Created, int64(50); got < 10 || got > max {
		t.Errorf("created %d messages, want 10 to %d", got, max)
	}
	if got, want := r.Deliveries.Received, r.Messages.Created*10; got != want {
		t.Errorf("received %d deliveries, want %d (%d messages × 10 subscribers per room)", got, want, r.Messages.Created)
	}
	if r.Server.Connected == nil || r.Server.Connected.Connections < 20 {
		t.Errorf("server metrics after connecting: %+v, want 20 SSE connections", r.Server.Connected)
	}
}

var listeningURL = regexp.MustCompile(`msg=listening url="?(http://[^\s"]+)`)

// startServer runs bin on a free loopback port with a fresh store and no
// send rate limit, and returns its base URL once it logs that it listens.
func startServer(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--send-rate", "0")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	found := make(chan string, 1)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listeningURL.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
	}()
	select {
	case u := <-found:
		if _, err := url.Parse(u); err != nil {
			t.Fatal(err)
		}
		return u
	case <-done:
		t.Fatal("server exited before listening")
	case <-time.After(30 * time.Second):
		t.Fatal("server did not log that it listens within 30s")
	}
	return ""
}

// TestRunClosedLoopKeepsPostsInFlight saturates the fake server with
// --in-flight 4 and --rate 0: exactly four posts are outstanding at the
// peak, never more, every one is answered and delivered, none is skipped,
// and the report gives a rate of deliveries.
func TestRunClosedLoopKeepsPostsInFlight(t *testing.T) {
	hs, fs := startFake(t, faultNone)
	c := shortRun(t, hs.URL)
	c.Rate, c.InFlight, c.Duration = 0, 4, 500*time.Millisecond
	r := runShort(t, c)
	if got := fs.maxSending.Load(); got != 4 {
		t.Errorf("at most %d posts were outstanding, want 4", got)
	}
	if !r.ok() {
		var sb strings.Builder
		r.writeText(&sb)
		t.Fatalf("closed loop not clean:\n%s", sb.String())
	}
	if r.Messages.Created < 8 || r.Messages.Created != r.Messages.Attempted {
		t.Errorf("created %d of %d attempted, want every one and at least 8", r.Messages.Created, r.Messages.Attempted)
	}
	if got, want := r.Deliveries.Received, r.Messages.Created*10; got != want {
		t.Errorf("received %d, want %d", got, want)
	}
	if r.Deliveries.PerSecond <= 0 {
		t.Errorf("deliveries/s %v, want a rate", r.Deliveries.PerSecond)
	}
}
