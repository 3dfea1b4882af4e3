// Command loadgen measures a Tickertalk server under load over loopback
// HTTP: it opens many SSE connections to /eventstream, posts chat messages
// at a fixed rate through POST /send, and reports connections, losses,
// duplicates, ordering, deliveries per second, end-to-end latency
// percentiles and the server's memory per idle connection.
//
//	go run ./cmd/loadgen --url http://127.0.0.1:8765 --subscribers 1000 --rate 20 --duration 20s
//
// With --rate 0 --in-flight N it saturates the server instead: N posts
// outstanding, each sent as soon as the previous one is answered. With
// --throttle K it runs one reader at K bytes a second and reports its
// evictions, the age of the quotes it reads and the chat's order.
//
// With --storm it measures a reconnect storm instead: it connects the
// subscribers, restarts the server (SIGTERM or SIGKILL to the process of
// --server-cmd, which it starts itself; or it waits for someone to restart
// it), posts --storm-messages from the restart on, and times until every
// subscriber is back with every message once and in order, with /healthz
// latencies and failed connection attempts during the storm:
//
//	go run ./cmd/loadgen --url http://127.0.0.1:8765 --subscribers 10000 --storm kill \
//		--server-cmd "bin/tickertalk --addr 127.0.0.1:8765 --data-dir /tmp/storm --send-rate 0"
//
// It refuses any target that is not a loopback address, never sends more
// than rate × duration messages and always stops. Exit status: 0 when
// nothing went wrong, 1 when the server lost, duplicated or reordered
// messages, refused connections or sends (the report is printed anyway),
// or could not be reached, 2 for invalid flags.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(mainErr(os.Args[1:], os.Stdout, os.Stderr))
}

// mainErr runs the command and returns its exit status.
func mainErr(args []string, stdout, stderr io.Writer) int {
	c, err := parseConfig(args, stderr)
	if errors.Is(err, ErrUsage) {
		if !errors.Is(err, flagHelp) {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.Storm != "" {
		return mainStorm(ctx, c, stdout, stderr)
	}
	if c.Throttle > 0 {
		return mainThrottled(ctx, c, stdout, stderr)
	}
	r, err := run(ctx, c, stderr)
	if r != nil {
		if c.JSON {
			if err := r.writeJSON(stdout); err != nil {
				fmt.Fprintf(stderr, "loadgen: %v\n", err)
			}
		} else {
			r.writeText(stdout)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 1
	}
	if !r.ok() {
		return 1
	}
	return 0
}

// mainStorm runs a reconnect storm and returns the exit status.
func mainStorm(ctx context.Context, c config, stdout, stderr io.Writer) int {
	r, err := runStorm(ctx, c, stderr)
	if r != nil {
		if err != nil {
			r.Error = err.Error()
		}
		if c.JSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(r); err != nil {
				fmt.Fprintf(stderr, "loadgen: %v\n", err)
			}
		} else {
			r.writeText(stdout)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 1
	}
	if !r.ok() {
		return 1
	}
	return 0
}

// mainThrottled runs the slow reader and returns the exit status.
func mainThrottled(ctx context.Context, c config, stdout, stderr io.Writer) int {
	r, err := runThrottled(ctx, c)
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: %v\n", err)
		return 1
	}
	if c.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
		}
	} else {
		r.writeText(stdout)
	}
	if !r.ok() {
		return 1
	}
	return 0
}
