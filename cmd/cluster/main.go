// Command cluster runs three Tickertalk nodes on this machine whose
// embedded NATS servers form one cluster (R3), each with its own HTTP
// port, cluster port and data dir, prints their URLs once all three
// listen, and stops all three (SIGTERM, then SIGKILL after 15 s) on Ctrl-C
// or SIGTERM. It is what `make cluster` runs; flags after -- go to every
// node.
//
//	go run ./cmd/cluster [--bin bin/tickertalk] [--data-dir ./data/cluster] [--http-port 8001] [--cluster-port 6221] [-- node flags]
//
// The nodes share a NATS user and password generated on first use into
// <data-dir>/nats-credentials (mode 0600); their stores are
// <data-dir>/node1..node3, kept across runs.
package main

import (
	"bufio"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// nodes is how many nodes run: the smallest cluster that survives losing
// one.
const nodes = 3

// stopTimeout is how long a node may take to stop after SIGTERM.
const stopTimeout = 15 * time.Second

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	bin := fs.String("bin", "bin/tickertalk", "the tickertalk binary")
	dataDir := fs.String("data-dir", "./data/cluster", "directory of the nodes' stores (node1..node3) and credentials")
	webDir := fs.String("web-dir", "./web", "the web directory every node serves")
	httpPort := fs.Int("http-port", 8001, "HTTP port of the first node; the others take the next ones")
	clusterPort := fs.Int("cluster-port", 6221, "NATS cluster port of the first node; the others take the next ones")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, p := range []int{*httpPort, *clusterPort} {
		if p < 1 || p+nodes-1 > 65535 {
			return fmt.Errorf("port %d out of range: the nodes take it and the next %d", p, nodes-1)
		}
	}
	if d := *httpPort - *clusterPort; d > -nodes && d < nodes {
		return fmt.Errorf("HTTP ports %d-%d and cluster ports %d-%d overlap",
			*httpPort, *httpPort+nodes-1, *clusterPort, *clusterPort+nodes-1)
	}
	password, err := credentials(*dataDir)
	if err != nil {
		return err
	}
	routes := make([]string, nodes)
	for i := range routes {
		routes[i] = "127.0.0.1:" + strconv.Itoa(*clusterPort+i)
	}
	env := append(os.Environ(), "TICKERTALK_NATS_USER=tickertalk", "TICKERTALK_NATS_PASSWORD="+password)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	var cmds []*node
	listening := make(chan int, nodes)
	exited := make(chan int, nodes)
	var out sync.Mutex // one line at a time on stdout
	for i := range nodes {
		name := fmt.Sprintf("node%d", i+1)
		cmd := exec.Command(*bin, append([]string{
			"--addr", "127.0.0.1:" + strconv.Itoa(*httpPort+i),
			"--data-dir", filepath.Join(*dataDir, name),
			"--web-dir", *webDir,
			"--nats-cluster-listen", routes[i],
			"--nats-routes", strings.Join(routes, ","),
		}, fs.Args()...)...)
		cmd.Env = env
		// Its own process group: the terminal's Ctrl-C reaches this
		// command alone, which stops the nodes in order.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return err
		}
		cmd.Stdout = cmd.Stderr
		if err := cmd.Start(); err != nil {
			stopAll(cmds)
			return fmt.Errorf("start %s: %w", name, err)
		}
		n := &node{cmd: cmd, done: make(chan struct{})}
		cmds = append(cmds, n)
		go func() {
			prefix(stderr, name, &out, func() { listening <- i })
			n.err = cmd.Wait()
			close(n.done)
			exited <- i
		}()
	}
	fmt.Printf("cluster: starting %d nodes (they wait for each other); Ctrl-C stops all of them\n", nodes)
	up := 0
	for {
		select {
		case <-listening:
			if up++; up == nodes {
				out.Lock()
				fmt.Println("cluster: all nodes listen:")
				for i := range nodes {
					fmt.Printf("  node%d  http://127.0.0.1:%d  (NATS cluster port %s, data %s)\n",
						i+1, *httpPort+i, routes[i], filepath.Join(*dataDir, fmt.Sprintf("node%d", i+1)))
				}
				out.Unlock()
			}
		case i := <-exited:
			fmt.Printf("cluster: node%d exited (%v); stopping the others\n", i+1, cmds[i].err)
			stopAll(cmds)
			return fmt.Errorf("node%d exited: %v", i+1, cmds[i].err)
		case <-sigs:
			fmt.Println("cluster: stopping every node")
			stopAll(cmds)
			return nil
		}
	}
}

// prefix copies r to stdout line by line, each line after "name | ", and
// calls onListening once, at the node's listening line.
func prefix(r io.Reader, name string, out *sync.Mutex, onListening func()) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	said := false
	for sc.Scan() {
		line := sc.Text()
		out.Lock()
		fmt.Printf("%s | %s\n", name, line)
		out.Unlock()
		if !said && strings.Contains(line, "msg=listening") {
			said = true
			onListening()
		}
	}
	if err := sc.Err(); err != nil {
		out.Lock()
		fmt.Printf("%s | (the rest of its output is dropped: %v)\n", name, err)
		out.Unlock()
		_, _ = io.Copy(io.Discard, r) // the node must not block writing it
	}
}

// node is one running node.
type node struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has been waited for
	err  error         // what Wait returned (nil: exit status 0), once done is closed
}

// stopAll sends SIGTERM to every node and waits for them, killing those
// still running after stopTimeout.
func stopAll(ns []*node) {
	for _, n := range ns {
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	expired := false
	for _, n := range ns {
		if !expired {
			select {
			case <-n.done:
				continue
			case <-timer.C:
				expired = true
			}
		}
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

// credentials returns the cluster's NATS password: kept in
// dataDir/nats-credentials, generated (mode 0600) on first use.
func credentials(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "nats-credentials")
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if p := strings.TrimSpace(string(data)); p != "" {
			return p, nil
		}
		return "", fmt.Errorf("%s is empty: remove it to generate a password", path)
	case !errors.Is(err, fs.ErrNotExist):
		return "", err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", err
	}
	p := rand.Text()
	if err := os.WriteFile(path, []byte(p+"\n"), 0o600); err != nil {
		return "", err
	}
	return p, nil
}
