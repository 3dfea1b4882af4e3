package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Bounds of the flags.
const (
	maxDuration = 10 * time.Minute
	// maxSubscribers bounds one process whatever its descriptor limit:
	// beyond it, run several loadgens, each on its own --source-ips.
	maxSubscribers = 200_000
	maxRate        = 10000
	maxSize        = 2000 // the server's text limit, in characters
	minSize        = 48   // the marker: "lg <seq> <unix ns> "
	// maxInFlight bounds the POST /send requests outstanding at once; a
	// tick that finds them all busy is counted as skipped, never queued.
	maxInFlight = 64
	// maxStormMessages bounds the messages a storm posts.
	maxStormMessages = 100_000
	// fdReserve is what the process needs besides subscriber sockets:
	// stdio, the poller, sender and metrics connections.
	fdReserve = maxInFlight + 64
)

// flagHelp is flag.ErrHelp: -h prints the usage and exits 2 quietly.
var flagHelp = flag.ErrHelp

// ErrUsage reports invalid flags; main exits with status 2.
var ErrUsage = errors.New("usage")

// config is one run's settings, validated.
type config struct {
	URL         *url.URL
	Subscribers int
	Rooms       int
	Rate        float64 // messages a second across all senders; 0 sends nothing
	InFlight    int     // closed loop: posts kept outstanding, as fast as answered (with Rate 0)
	Senders     int
	Duration    time.Duration
	Size        int
	SourceIPs   []net.IP
	JSON        bool
	Ramp        float64       // connections opened a second
	Drain       time.Duration // wait for last deliveries after sending
	Settle      time.Duration // wait after connecting before measuring memory
	Progress    time.Duration // interval of progress lines; 0 for none

	// Storm mode (see storm.go): "" for none, "term" or "kill" to restart
	// the server ServerCmd runs with that signal, "wait" to wait for
	// someone else to restart it.
	Storm          string
	ServerCmd      []string
	StormMessages  int           // messages posted from the restart on
	StormSpread    time.Duration // over how long they are posted
	ReconnectDelay time.Duration // before a retry field sets one
	StormTimeout   time.Duration // bound on the recovery

	// Throttle, above 0, runs one reader limited to that many bytes a
	// second instead of a load run (see throttle.go).
	Throttle int
}

// parseConfig reads the command line. Every error wraps [ErrUsage].
func parseConfig(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", "http://127.0.0.1:8000", "server base URL; only loopback hosts (127.0.0.0/8, ::1, localhost)")
	c := config{}
	fs.IntVar(&c.Subscribers, "subscribers", 1000, "SSE connections to open")
	fs.IntVar(&c.Rooms, "rooms", 1, "rooms (loadgen-0, loadgen-1, ...); subscribers and messages spread round-robin")
	fs.Float64Var(&c.Rate, "rate", 20, "messages a second in total across senders; 0 only holds the connections")
	fs.IntVar(&c.InFlight, "in-flight", 0, "saturation: with --rate 0, keep this many POST /send outstanding, each sent as soon as the previous one is answered, for --duration (the server needs --send-rate 0)")
	fs.IntVar(&c.Senders, "senders", 1, "sending sessions, each signed in as loadgen-<i>")
	fs.DurationVar(&c.Duration, "duration", 10*time.Second, "how long to send (or hold idle connections), at most 10m")
	fs.IntVar(&c.Size, "size", 60, "bytes of text per message")
	sources := fs.String("source-ips", "127.0.0.1", "comma-separated loopback source addresses for the subscriber sockets (past ~28,000 connections per address)")
	fs.StringVar(&c.Storm, "storm", "", "reconnect storm instead of a load run: term or kill restarts the server of --server-cmd with SIGTERM or SIGKILL, wait waits for it to be restarted by someone else; every subscriber reconnects as a browser does and must get every message once, in order (--rate and --duration are not used)")
	serverCmd := fs.String("server-cmd", "", "storm: the server's command line, run without a shell (split at spaces), started by loadgen and restarted by the storm; its --addr must be --url's")
	fs.IntVar(&c.StormMessages, "storm-messages", 200, "storm: messages posted from the restart on, each retried until the server acknowledges it")
	fs.DurationVar(&c.StormSpread, "storm-spread", 2*time.Second, "storm: how long the storm's messages are spread over")
	fs.DurationVar(&c.ReconnectDelay, "reconnect-delay", 3*time.Second, "storm: reconnection time until the stream sends a retry field (3 s is the browsers' default)")
	fs.DurationVar(&c.StormTimeout, "storm-timeout", time.Minute, "storm: how long to wait for every subscriber to be back and complete")
	fs.IntVar(&c.Throttle, "throttle", 0, "slow reader instead of a load run: one stream read at most this many bytes a second, chat posted at --rate for --duration; reports evictions, the age of the quotes it reads and the chat's order")
	fs.BoolVar(&c.JSON, "json", false, "print the result as JSON")
	fs.Float64Var(&c.Ramp, "ramp", 2000, "connections opened a second")
	fs.DurationVar(&c.Drain, "drain", 5*time.Second, "how long to wait for the last deliveries after sending")
	fs.DurationVar(&c.Settle, "settle", 2*time.Second, "pause after connecting before scraping the server's memory")
	fs.DurationVar(&c.Progress, "progress", time.Second, "interval of progress lines on stderr; 0 for none")
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	var err error
	if c.URL, err = checkLoopbackURL(*rawURL); err != nil {
		return c, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	c.ServerCmd = strings.Fields(*serverCmd)
	if c.SourceIPs, err = parseSourceIPs(*sources); err != nil {
		return c, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if err := c.validate(); err != nil {
		return c, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return c, nil
}

func (c config) validate() error {
	switch {
	case c.Subscribers < 0 || c.Subscribers > maxSubscribers:
		return fmt.Errorf("--subscribers must be 0 to %d", maxSubscribers)
	case c.Rooms < 1 || c.Rooms > 1000:
		return errors.New("--rooms must be 1 to 1000")
	case c.Rate < 0 || c.Rate > maxRate || math.IsNaN(c.Rate):
		return fmt.Errorf("--rate must be 0 to %d", maxRate)
	case c.InFlight < 0 || c.InFlight > maxInFlight:
		return fmt.Errorf("--in-flight must be 0 to %d", maxInFlight)
	case c.InFlight > 0 && c.Rate > 0:
		return errors.New("--in-flight sends as fast as the server answers: set --rate 0 with it")
	case c.Senders < 1 || c.Senders > 1000:
		return errors.New("--senders must be 1 to 1000")
	case c.Duration <= 0 || c.Duration > maxDuration:
		return fmt.Errorf("--duration must be above 0 and at most %v", maxDuration)
	case c.Size < minSize || c.Size > maxSize:
		return fmt.Errorf("--size must be %d to %d", minSize, maxSize)
	case c.Ramp <= 0:
		return errors.New("--ramp must be above 0")
	case c.Drain < 0 || c.Settle < 0 || c.Progress < 0:
		return errors.New("--drain, --settle and --progress must not be negative")
	case c.Storm != "" && c.Storm != "term" && c.Storm != "kill" && c.Storm != "wait":
		return errors.New("--storm must be term, kill or wait")
	case (c.Storm == "term" || c.Storm == "kill") && len(c.ServerCmd) == 0:
		return fmt.Errorf("--storm %s restarts the server: give its command line with --server-cmd", c.Storm)
	case c.Storm == "" && len(c.ServerCmd) > 0:
		return errors.New("--server-cmd is for --storm")
	case c.StormMessages < 0 || c.StormMessages > maxStormMessages:
		return fmt.Errorf("--storm-messages must be 0 to %d", maxStormMessages)
	case c.StormSpread < 0 || c.StormSpread > maxDuration:
		return fmt.Errorf("--storm-spread must be 0 to %v", maxDuration)
	case c.ReconnectDelay < 0 || c.ReconnectDelay > time.Minute:
		return errors.New("--reconnect-delay must be 0 to 1m")
	case c.Throttle < 0 || c.Throttle > 1<<30:
		return errors.New("--throttle must be 0 to 1073741824 bytes a second")
	case c.Throttle > 0 && c.Storm != "":
		return errors.New("--throttle and --storm are separate modes")
	case c.StormTimeout <= 0 || c.StormTimeout > maxDuration:
		return fmt.Errorf("--storm-timeout must be above 0 and at most %v", maxDuration)
	}
	return checkFDs(c.Subscribers)
}

// checkFDs fails when n sockets and the reserve would not fit the
// process's file descriptor limit (Go raises the soft limit to the hard
// one at start, so the soft limit is what we have).
func checkFDs(n int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil // unknown: let the dials fail and be counted
	}
	if uint64(n+fdReserve) > lim.Cur {
		return fmt.Errorf("--subscribers %d needs about %d file descriptors, the limit is %d: at most %d subscribers per loadgen process (run several, each on its own --source-ips)",
			n, n+fdReserve, lim.Cur, int(lim.Cur)-fdReserve)
	}
	return nil
}

// maxMessages is the most messages a run may send: rate × duration, or
// in a closed loop maxRate × duration.
func (c config) maxMessages() uint64 {
	if c.InFlight > 0 {
		return uint64(math.Floor(maxRate * c.Duration.Seconds()))
	}
	return uint64(math.Floor(c.Rate * c.Duration.Seconds()))
}

// sends reports whether the run posts messages at all.
func (c config) sends() bool { return c.Rate > 0 || c.InFlight > 0 }

// roomName is the name of room i.
func roomName(i int) string { return fmt.Sprintf("loadgen-%d", i) }
