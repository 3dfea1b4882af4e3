package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"tickertalk/internal/syncbuf"
	"tickertalk/internal/wait"
)

// NginxSkipBanner is the message of a test skipped for want of nginx; the
// Makefile prints the same banner.
const NginxSkipBanner = "*** NGINX TESTS SKIPPED: nginx not found (install: apt-get install -y nginx-light) ***"

// EnvNginx names an nginx binary to use instead of looking for one.
const EnvNginx = "TICKERTALK_NGINX"

// FindNginx returns the path of an nginx binary: $TICKERTALK_NGINX when set,
// else /usr/sbin/nginx, else nginx on the PATH. ok is false when there is
// none.
func FindNginx() (path string, ok bool) {
	if p := os.Getenv(EnvNginx); p != "" {
		_, err := os.Stat(p)
		return p, err == nil
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx", true
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, true
	}
	return "", false
}

// RequireNginx returns the nginx path, or ends the test without one: under
// CI=true it fails, elsewhere it skips with [NginxSkipBanner].
func RequireNginx(tb testing.TB) string {
	tb.Helper()
	p, ok := FindNginx()
	if ok {
		return p
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true and no nginx (/usr/sbin/nginx, $%s or on PATH): the reverse-proxy tests cannot run (install: apt-get install -y nginx-light)", EnvNginx)
	}
	tb.Skip(NginxSkipBanner)
	return ""
}

// upstreamServer matches the server lines of an upstream block.
var upstreamServer = regexp.MustCompile(`(?m)^(\s*server\s+)\S+:\d+`)

// listenLine matches a server block's listen line.
var listenLine = regexp.MustCompile(`(?m)^(\s*listen\s+)[^;]+;`)

// StartNginx runs nginx, as the current user, with the configuration file
// site (an http-block include such as docs/nginx.conf) whose upstream
// server addresses are replaced, in order, by upstreams ("127.0.0.1:PORT"),
// and whose listen line is replaced by a free loopback port. Everything
// nginx writes (pid, logs, temporary files) goes in a temporary directory.
// It returns nginx's URL once nginx answers, and stops it at cleanup; the
// error log is shown if the test failed. site must have exactly
// len(upstreams) upstream servers and one listen line.
func StartNginx(tb testing.TB, site string, upstreams []string) string {
	tb.Helper()
	bin := RequireNginx(tb)
	conf, err := os.ReadFile(site)
	if err != nil {
		tb.Fatal(err)
	}
	if n := len(upstreamServer.FindAllIndex(conf, -1)); n != len(upstreams) {
		tb.Fatalf("%s has %d upstream servers, want %d", site, n, len(upstreams))
	}
	if n := len(listenLine.FindAllIndex(conf, -1)); n != 1 {
		tb.Fatalf("%s has %d listen lines, want 1", site, n)
	}
	i := 0
	conf = upstreamServer.ReplaceAllFunc(conf, func(m []byte) []byte {
		out := upstreamServer.ReplaceAll(m, []byte("${1}"+upstreams[i]))
		i++
		return out
	})
	addr := freeLoopbackAddr(tb)
	conf = listenLine.ReplaceAll(conf, []byte("${1}"+addr+";"))

	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "site.conf"), conf, 0o644); err != nil {
		tb.Fatal(err)
	}
	user := ""
	if os.Geteuid() == 0 {
		// Workers would otherwise run as nobody, who cannot write the
		// temporary directory.
		user = "user root;"
	}
	main := fmt.Sprintf(`%s
daemon off;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
events { worker_connections 1024; }
http {
    access_log %[2]s/access.log;
    client_body_temp_path %[2]s/client_body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[2]s/site.conf;
}
`, user, dir)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start nginx: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt) // fast shutdown
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if tb.Failed() {
			errs, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			tb.Logf("nginx output:\n%s\nnginx error log:\n%s", out.String(), errs)
		}
	})
	url := "http://" + addr
	wait.For(tb, 10*time.Second, "nginx answering on "+addr, func() bool {
		select {
		case <-exited:
			tb.Fatalf("nginx exited: %s", out.String())
		default:
		}
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
	return url
}

// freeLoopbackAddr returns a 127.0.0.1 address whose port was free a
// moment ago.
func freeLoopbackAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// docPath returns the path of a file of the module, such as docs/nginx.conf.
func docPath(tb testing.TB, rel string) string {
	tb.Helper()
	root, err := ModuleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	return filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(rel, "/")))
}
