package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The two servers, in the order each round runs them.
const (
	tickertalk = "Tickertalk"
	bare       = "bare r3labs"
)

// loadReport is the part of loadgen's --json report the comparison reads.
type loadReport struct {
	Deliveries struct {
		PerSecond float64 `json:"perSecond"`
		Lost      int64   `json:"lost"`
	} `json:"deliveries"`
	Latency struct {
		P50, P90, P99 float64
	} `json:"latencyMs"`
	Messages struct {
		AckLatency struct{ P99 float64 } `json:"ackLatencyMs"`
	} `json:"messages"`
	Server struct {
		KBPerConn float64 `json:"kbPerIdleConnection"`
	} `json:"server"`
}

// samples are one server's measurements over the rounds.
type samples struct {
	saturation []float64
	latency    map[float64][][3]float64 // rate → per round p50, p90, p99
	ackP99     map[float64][]float64
	kbPerConn  []float64
}

// results are both servers' samples, and where they were taken.
type results struct {
	by      map[string]*samples
	machine string
	date    time.Time
	pinned  bool
	notes   []string
	// loadStart and loadEnd are the one-minute load averages before and
	// after: other processes on the machine skew every figure.
	loadStart, loadEnd string
}

// tools are the binaries one comparison builds.
type tools struct {
	tickertalk, baresse, loadgen string
	web                          string // a web dir with a placeholder app.wasm
}

// compare builds the three programs and runs every figure, A B per round.
func compare(ctx context.Context, s settings, log io.Writer) (*results, error) {
	dir, err := os.MkdirTemp("", "benchcompare-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tl, err := build(ctx, dir)
	if err != nil {
		return nil, err
	}
	res := &results{by: map[string]*samples{}, machine: machine(), date: time.Now().UTC(), loadStart: loadAverage()}
	defer func() { res.loadEnd = loadAverage() }()
	var server, client []string
	if _, err := exec.LookPath("taskset"); err == nil && s.Pin && runtime.NumCPU() >= 2 {
		server, client = []string{"taskset", "-c", "0"}, []string{"taskset", "-c", "1"}
		res.pinned = true
	}
	for _, name := range []string{tickertalk, bare} {
		res.by[name] = &samples{latency: map[float64][][3]float64{}, ackP99: map[float64][]float64{}}
	}
	url := "http://127.0.0.1:" + strconv.Itoa(s.PortBase)
	type run struct {
		what string
		args []string
		take func(*samples, loadReport)
	}
	subs := strconv.Itoa(s.Subscribers)
	dur := s.Duration.String()
	runs := []run{{"saturation", []string{"--subscribers", subs, "--rate", "0", "--in-flight", strconv.Itoa(s.InFlight), "--duration", dur, "--drain", "15s"},
		func(sm *samples, r loadReport) { sm.saturation = append(sm.saturation, r.Deliveries.PerSecond) }}}
	for _, rate := range s.Rates {
		runs = append(runs, run{fmt.Sprintf("latency at %g msg/s", rate), []string{"--subscribers", subs, "--rate", strconv.FormatFloat(rate, 'g', -1, 64), "--duration", dur, "--drain", "15s"},
			func(sm *samples, r loadReport) {
				sm.latency[rate] = append(sm.latency[rate], [3]float64{r.Latency.P50, r.Latency.P90, r.Latency.P99})
				sm.ackP99[rate] = append(sm.ackP99[rate], r.Messages.AckLatency.P99)
			}})
	}
	if s.Idle > 0 {
		runs = append(runs, run{fmt.Sprintf("%d idle connections", s.Idle), []string{"--subscribers", strconv.Itoa(s.Idle), "--rate", "0", "--duration", "1s", "--ramp", "5000", "--settle", "3s"},
			func(sm *samples, r loadReport) { sm.kbPerConn = append(sm.kbPerConn, r.Server.KBPerConn) }})
	}
	for round := 1; round <= s.Rounds; round++ {
		for _, name := range []string{tickertalk, bare} {
			for _, rn := range runs {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				fmt.Fprintf(log, "round %d/%d  %-12s %s\n", round, s.Rounds, name, rn.what)
				var argv []string
				if name == tickertalk {
					argv = []string{tl.tickertalk, "--addr", "127.0.0.1:" + strconv.Itoa(s.PortBase), "--data-dir", filepath.Join(dir, "data-"+strconv.Itoa(round)+"-"+rn.what),
						"--web-dir", tl.web, "--send-rate", "0", "--log-level", "warn"}
				} else {
					argv = []string{tl.baresse, "--addr", "127.0.0.1:" + strconv.Itoa(s.PortBase)}
				}
				r, err := measure(ctx, append(slices.Clone(server), argv...), append(append(slices.Clone(client), tl.loadgen, "--url", url, "--json", "--progress", "0"), rn.args...), url)
				if err != nil {
					return nil, fmt.Errorf("%s, %s: %w", name, rn.what, err)
				}
				if r.Deliveries.Lost > 0 {
					// Not received within the drain: on a loaded machine a
					// tail, not a loss; the note says so next to the table.
					res.notes = append(res.notes, fmt.Sprintf("round %d, %s, %s: %d deliveries not received within the drain", round, name, rn.what, r.Deliveries.Lost))
				}
				rn.take(res.by[name], r)
			}
		}
	}
	return res, nil
}

// build compiles the server, the bare reference and loadgen into dir.
func build(ctx context.Context, dir string) (tools, error) {
	t := tools{
		tickertalk: filepath.Join(dir, "tickertalk"), baresse: filepath.Join(dir, "baresse"),
		loadgen: filepath.Join(dir, "loadgen"), web: filepath.Join(dir, "web"),
	}
	for _, b := range [][2]string{{t.tickertalk, "."}, {t.baresse, "./cmd/baresse"}, {t.loadgen, "./cmd/loadgen"}} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", b[0], b[1])
		if out, err := cmd.CombinedOutput(); err != nil {
			return t, fmt.Errorf("go build %s (run from the module root): %w\n%s", b[1], err, out)
		}
	}
	if err := os.MkdirAll(t.web, 0o755); err != nil {
		return t, err
	}
	return t, os.WriteFile(filepath.Join(t.web, "app.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644)
}

// measure starts the server, waits for its /metrics, runs loadgen and
// stops the server.
func measure(ctx context.Context, server, load []string, url string) (loadReport, error) {
	var r loadReport
	srv := exec.CommandContext(ctx, server[0], server[1:]...)
	var srvOut bytes.Buffer
	srv.Stdout, srv.Stderr = &srvOut, &srvOut
	if err := srv.Start(); err != nil {
		return r, err
	}
	exited := make(chan struct{})
	go func() { srv.Wait(); close(exited) }()
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			srv.Process.Kill()
			<-exited
		}
	}()
	if err := waitUp(ctx, url+"/metrics", exited); err != nil {
		return r, fmt.Errorf("%w\n%s", err, srvOut.String())
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, load[0], load[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run() // exit 1 reports a loss or an error: the JSON tells which
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return r, fmt.Errorf("loadgen: %v (%v)\n%s", err, runErr, errOut.String())
	}
	return r, nil
}

// waitUp polls url until it answers 200, within 60 s.
func waitUp(ctx context.Context, url string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: 2 * time.Second}
	end := time.Now().Add(time.Minute)
	for time.Now().Before(end) && ctx.Err() == nil {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("server exited before answering %s", url)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer within 60 s", url)
}

// machine describes the CPU, its cores, the kernel and Go.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s, %d cores%s, %s", model, runtime.NumCPU(), kernel, runtime.Version())
}

// loadAverage is the one-minute load average, "?" where unknown.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// median of v; 0 for none.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
