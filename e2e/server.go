package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tickertalk/internal/syncbuf"
)

// Timeouts of the server subprocess.
const (
	// StartTimeout bounds how long a server may take to log that it listens.
	StartTimeout = 30 * time.Second
	// ClusterStartTimeout is StartTimeout for the servers [StartServers]
	// starts together: a new NATS cluster elects a RAFT leader for its
	// metadata, then for the chat log and each bucket (4 to 9 s each).
	ClusterStartTimeout = 90 * time.Second
	// StopTimeout bounds how long Stop waits after SIGTERM before SIGKILL.
	StopTimeout = 15 * time.Second
	// RebindTimeout bounds how long Restart retries binding the old port.
	RebindTimeout = 10 * time.Second
)

// ErrExited reports that the server process ended before it logged that it
// was listening (a bad flag, a port still taken, a crash at start).
var ErrExited = errors.New("server exited before listening")

// listeningURL finds the URL in the slog line `msg=listening url=...`.
var listeningURL = regexp.MustCompile(`url="?(http://[^\s"]+)`)

// Option changes how [StartServer] runs the binary.
type Option func(*serverConfig)

type serverConfig struct {
	dataDir   string
	flags     []string
	env       []string
	testKinds bool
}

// WithDataDir runs the server on dir instead of a fresh t.TempDir(): two
// servers, or a server and a later test step, can share a store.
func WithDataDir(dir string) Option { return func(c *serverConfig) { c.dataDir = dir } }

// WithFlags appends command-line flags, after the defaults so that they win
// (for example "--tick", "50ms" or "--send-rate", "0").
func WithFlags(args ...string) Option {
	return func(c *serverConfig) { c.flags = append(c.flags, args...) }
}

// WithTestKinds runs the binary and app.wasm built with -tags
// [TestKindsTag], which declare the test-only event kinds (see
// [TestKindsBuild]).
func WithTestKinds() Option { return func(c *serverConfig) { c.testKinds = true } }

// WithEnv adds environment variables ("KEY=value") to the subprocess. The
// subprocess otherwise inherits the test's environment less every
// TICKERTALK_* variable, so that a developer's settings cannot leak in.
func WithEnv(kv ...string) Option { return func(c *serverConfig) { c.env = append(c.env, kv...) } }

// Server is a tickertalk binary running as a subprocess on 127.0.0.1.
// Its methods are safe to call from one goroutine at a time; URL and Addr
// change only in Restart.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:PORT", without a trailing slash.
	URL string
	// Addr is "127.0.0.1:PORT"; Restart binds the same address again.
	Addr string
	// DataDir is the server's store directory.
	DataDir string

	tb   testing.TB
	bin  string
	args []string // every flag but --addr
	env  []string
	logs *syncbuf.Buffer

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has been waited for
	err  error         // cmd.Wait's result, valid after done
}

// StartServer runs the tickertalk binary with
// --addr 127.0.0.1:0 --data-dir <t.TempDir()> --web-dir <WebDir> --seed 1
// --tick 200ms and the options' flags, and returns once the server has
// logged the URL it listens on. It fails tb when the server does not start
// within [StartTimeout]. Its logs (stdout and stderr) are kept and shown if
// the test fails; the process is killed at cleanup if still running.
func StartServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := newServer(tb, opts...)
	if err := s.start("127.0.0.1:0"); err != nil {
		tb.Fatalf("start server: %v\nlogs:\n%s", err, s.logs.String())
	}
	return s
}

// StartServers runs n servers as [StartServer] does, the options of the
// i-th from opts(i), all at once, and returns once every one has logged
// that it listens: the nodes of a cluster wait for each other before they
// listen.
func StartServers(tb testing.TB, n int, opts func(i int) []Option) []*Server {
	tb.Helper()
	servers := make([]*Server, n)
	waits := make([]func(time.Duration) error, n)
	for i := range servers {
		servers[i] = newServer(tb, opts(i)...)
		w, err := servers[i].launch("127.0.0.1:0")
		if err != nil {
			tb.Fatalf("start server %d: %v", i, err)
		}
		waits[i] = w
	}
	for i, w := range waits {
		if err := w(ClusterStartTimeout); err != nil {
			tb.Fatalf("start server %d: %v\nlogs:\n%s", i, err, servers[i].logs.String())
		}
	}
	return servers
}

// newServer prepares a server of opts, without starting it.
func newServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	cfg := serverConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.dataDir == "" {
		cfg.dataDir = tb.TempDir()
	}
	var bin, web string
	if cfg.testKinds {
		bin, web = TestKindsBuild(tb)
	} else {
		bin, web = Binary(tb), WebDir(tb)
	}
	s := &Server{
		DataDir: cfg.dataDir,
		tb:      tb,
		bin:     bin,
		env:     append(withoutTickertalkEnv(os.Environ()), cfg.env...),
		logs:    &syncbuf.Buffer{},
	}
	s.args = append([]string{
		"--data-dir", cfg.dataDir,
		"--web-dir", web,
		"--seed", "1",
		"--tick", "200ms",
	}, cfg.flags...)
	tb.Cleanup(func() {
		s.Kill()
		if tb.Failed() || os.Getenv("TICKERTALK_E2E_LOGS") != "" {
			tb.Logf("server logs (%s):\n%s", s.bin, s.logs.String())
		}
	})
	return s
}

// Logs returns everything the server has written to stdout and stderr, over
// every run of a restarted server.
func (s *Server) Logs() string { return s.logs.String() }

// Running reports whether the subprocess is still alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Stop sends SIGTERM and waits for the process to exit, with SIGKILL after
// [StopTimeout]. It returns the process's exit error: nil for a clean
// shutdown. Calling Stop on a stopped server returns its last exit error.
func (s *Server) Stop() error {
	s.tb.Helper()
	return s.signalAndWait(syscall.SIGTERM, StopTimeout)
}

// Kill sends SIGKILL and waits for the process to exit: a crash, with no
// chance to flush anything.
func (s *Server) Kill() {
	_ = s.signalAndWait(syscall.SIGKILL, StopTimeout)
}

// Signal sends sig to the running process (SIGSTOP and SIGCONT freeze and
// wake it) and returns at once; it fails tb when the process is not running.
func (s *Server) Signal(sig os.Signal) {
	s.tb.Helper()
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil || !s.Running() {
		s.tb.Fatalf("signal %v: server not running", sig)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		s.tb.Fatalf("signal %v: %v", sig, err)
	}
}

// Restart stops the server (SIGTERM) if it runs, then starts it again with
// the same flags, the same data directory and the same address, so that
// browsers reconnect to the URL they know. It retries the bind for up to
// [RebindTimeout] while the old port is not free yet, and fails tb after.
func (s *Server) Restart() {
	s.tb.Helper()
	if err := s.Stop(); err != nil {
		s.tb.Logf("restart: previous run ended with %v", err)
	}
	s.StartAgain()
}

// StartAgain starts a stopped (or killed) server on its old address, with
// the retry of [Server.Restart]. It fails tb if the server is running.
func (s *Server) StartAgain() {
	s.tb.Helper()
	if s.Running() {
		s.tb.Fatalf("StartAgain: server still running")
	}
	deadline := time.Now().Add(RebindTimeout)
	for {
		err := s.start(s.Addr)
		if err == nil {
			return
		}
		if !errors.Is(err, ErrExited) || time.Now().After(deadline) {
			s.tb.Fatalf("restart server on %s: %v\nlogs:\n%s", s.Addr, err, s.logs.String())
		}
		time.Sleep(100 * time.Millisecond) // retry pace while the port frees, not synchronisation
	}
}

// start runs the binary on addr and waits for its listening line.
func (s *Server) start(addr string) error {
	wait, err := s.launch(addr)
	if err != nil {
		return err
	}
	return wait(StartTimeout)
}

// launch runs the binary on addr and returns the wait for its listening
// line.
func (s *Server) launch(addr string) (wait func(timeout time.Duration) error, err error) {
	args := append([]string{"--addr", addr}, s.args...)
	cmd := exec.Command(s.bin, args...)
	cmd.Env = s.env
	cmd.Dir = s.DataDir // the binary must not depend on where it starts
	cmd.Stdout = s.logs
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}
	fmt.Fprintf(s.logs, "=== e2e: %s %s\n", s.bin, strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.bin, err)
	}
	found := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		scanLogs(stderr, s.logs, found)
	}()
	done := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	go func() {
		<-copied // Wait closes the pipe: read it to the end first
		err := cmd.Wait()
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(done)
	}()
	return func(timeout time.Duration) error { return s.awaitListening(found, done, timeout) }, nil
}

// awaitListening waits up to timeout for the listening URL the log
// scanner finds, and records it.
func (s *Server) awaitListening(found <-chan string, done <-chan struct{}, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case raw := <-found:
		u, err := url.Parse(raw)
		if err != nil {
			s.Kill()
			return fmt.Errorf("listening url %q: %w", raw, err)
		}
		s.URL = strings.TrimSuffix(u.Scheme+"://"+u.Host, "/")
		s.Addr = u.Host
		return nil
	case <-done:
		return fmt.Errorf("%w: %v", ErrExited, s.exitErr())
	case <-timer.C:
		s.Kill()
		return fmt.Errorf("no %q line within %s", "msg=listening", timeout)
	}
}

// scanLogs copies r to w line by line and sends the first listening URL.
func scanLogs(r io.Reader, w io.Writer, found chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(w, line)
		if sent || !strings.Contains(line, "msg=listening") {
			continue
		}
		if m := listeningURL.FindStringSubmatch(line); m != nil {
			found <- m[1]
			sent = true
		}
	}
	_, _ = io.Copy(w, r) // a line too long for the scanner: keep the rest
}

func (s *Server) exitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// signalAndWait signals the running process and waits up to timeout, then
// kills it.
func (s *Server) signalAndWait(sig os.Signal, timeout time.Duration) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-done:
		return s.exitErr()
	default:
	}
	_ = cmd.Process.Signal(sig)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("server did not exit within %s of %v: killed", timeout, sig)
	}
	return s.exitErr()
}

// withoutTickertalkEnv drops every TICKERTALK_* variable from env.
func withoutTickertalkEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "TICKERTALK_") {
			out = append(out, kv)
		}
	}
	return out
}
