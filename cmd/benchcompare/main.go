// Command benchcompare measures Tickertalk against cmd/baresse (bare
// r3labs/sse v2) with cmd/loadgen, the way a user comparing servers would:
// separate processes, the server pinned to core 0 and the load generator
// to core 1 (taskset, when there are two cores or more), the two servers
// alternated (A B A B) so that a drift of the machine touches both, a
// fresh server process for every figure. It prints a table of ratios and
// writes a chart of latency percentiles against message rate (SVG) and
// the table (Markdown) into docs/:
//
//	go run ./cmd/benchcompare                       # a few minutes
//	go run ./cmd/benchcompare --rounds 4 --duration 20s --idle 19000
//
// Figures: fan-out deliveries/s at saturation through POST /send
// (--in-flight 4, --rate 0), latency percentiles at each --rates (from
// before the POST to the subscriber's read), server RSS per idle
// connection at --idle connections. Each is the median over the rounds.
// Everything listens on 127.0.0.1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// settings are one comparison's flags.
type settings struct {
	Rounds      int
	Duration    time.Duration
	Subscribers int
	Rates       []float64
	Idle        int
	InFlight    int
	SVG, MD     string
	PortBase    int
	Pin         bool
}

func main() {
	os.Exit(mainErr(os.Args[1:], os.Stdout, os.Stderr))
}

func mainErr(args []string, stdout, stderr io.Writer) int {
	s, err := parseSettings(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "benchcompare: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := compare(ctx, s, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "benchcompare: %v\n", err)
		return 1
	}
	md := res.markdown(s)
	fmt.Fprint(stdout, md)
	if s.MD != "" {
		if err := os.WriteFile(s.MD, []byte(md), 0o644); err != nil {
			fmt.Fprintf(stderr, "benchcompare: %v\n", err)
			return 1
		}
	}
	if s.SVG != "" {
		if err := os.WriteFile(s.SVG, []byte(res.svg()), 0o644); err != nil {
			fmt.Fprintf(stderr, "benchcompare: %v\n", err)
			return 1
		}
	}
	return 0
}

func parseSettings(args []string, stderr io.Writer) (settings, error) {
	fs := flag.NewFlagSet("benchcompare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	s := settings{}
	fs.IntVar(&s.Rounds, "rounds", 2, "rounds of A B (Tickertalk, bare r3labs); each figure is the median over them")
	fs.DurationVar(&s.Duration, "duration", 4*time.Second, "how long each loadgen run sends")
	fs.IntVar(&s.Subscribers, "subscribers", 1000, "subscribers of the one room, for saturation and latency")
	rates := fs.String("rates", "20,50,100,200", "comma-separated message rates of the latency runs (the table uses 20 and 100)")
	fs.IntVar(&s.Idle, "idle", 10000, "idle connections of the memory run (0 skips it)")
	fs.IntVar(&s.InFlight, "in-flight", 4, "POST /send outstanding in the saturation run")
	fs.StringVar(&s.SVG, "svg", "docs/bench-compare.svg", "where to write the chart; empty for none")
	fs.StringVar(&s.MD, "md", "docs/bench-compare.md", "where to write the table; empty for none")
	fs.IntVar(&s.PortBase, "port", 18800, "loopback port of the servers")
	fs.BoolVar(&s.Pin, "pin", true, "pin the server to core 0 and loadgen to core 1 with taskset (when there are 2+ cores and taskset)")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	for r := range strings.SplitSeq(*rates, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(r), 64)
		if err != nil || v <= 0 || v > 10000 {
			return s, fmt.Errorf("--rates: %q is not a rate from 0 to 10000", r)
		}
		s.Rates = append(s.Rates, v)
	}
	switch {
	case s.Rounds < 1 || s.Rounds > 20:
		return s, errors.New("--rounds must be 1 to 20")
	case s.Duration < time.Second || s.Duration > 10*time.Minute:
		return s, errors.New("--duration must be 1s to 10m")
	case s.Subscribers < 1 || s.Subscribers > 19000 || s.Idle < 0 || s.Idle > 19000:
		return s, errors.New("--subscribers and --idle must be at most 19000 (this machine's descriptors)")
	case s.InFlight < 1 || s.InFlight > 64:
		return s, errors.New("--in-flight must be 1 to 64")
	case s.PortBase < 1024 || s.PortBase > 65000:
		return s, errors.New("--port must be 1024 to 65000")
	}
	return s, nil
}
