package e2e

import (
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/syncbuf"
	"tickertalk/internal/wait"
)

// Bounds of the development loop test: a cold build of the module copy
// (its packages compile again under a new path) on a loaded machine, and
// a rebuild.
const (
	devFirstBuild = 6 * time.Minute
	devRebuild    = 4 * time.Minute
)

// composerHint is the composer's placeholder, the component text the test
// changes.
const composerHint = "Write a message (Shift+Enter for a new line)"

// TestDevReloadsPageOnSave runs make dev's watcher (cmd/dev) on a copy of
// the module, chats in a page, then saves a change to a component: the
// watcher rebuilds and restarts the server on the same data directory, and
// the open page reloads by itself and shows the change, with the same
// messages and session as before.
func TestDevReloadsPageOnSave(t *testing.T) {
	RequireChromium(t)
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "src")
	copyModule(t, root, src)
	component := fileContaining(t, filepath.Join(src, "app", "components"), `"`+composerHint+`"`)

	watcher := filepath.Join(t.TempDir(), "dev")
	build := exec.Command("go", "build", "-o", watcher, "./cmd/dev")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build cmd/dev: %v\n%s", err, out)
	}
	addr := freeLoopbackAddr(t) // the watcher restarts the server on one fixed address
	url := "http://" + addr
	logs := &syncbuf.Buffer{}
	cmd := exec.Command(watcher, "--addr", addr, "--data-dir", filepath.Join(t.TempDir(), "data"))
	cmd.Dir = src
	cmd.Env = withoutTickertalkEnv(os.Environ())
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("the watcher did not stop within 30 s of SIGTERM")
		}
		if t.Failed() {
			t.Logf("watcher and server output:\n%s", logs.String())
		}
	})

	firstPID := waitServer(t, logs, url, "", devFirstBuild)
	page := NewBrowser(t)
	Navigate(t, page, url+tt.PathRoomPage+tt.DefaultRoom)
	WaitWasmReady(t, page)
	signIn(t, page, "devon")
	texts := []string{"before the save", "and a second one"}
	for _, text := range texts {
		compose(t, page, text)
		WaitFor(t, page, storedShown(text, "devon"), UITimeout)
	}
	before := Eval[[]string](t, page, shownIDs)
	// Gone once the page reloads: a page that only re-rendered keeps it.
	Eval[bool](t, page, `window.devMarker = true`)

	const changed = "Say something (saved in make dev)"
	content, err := os.ReadFile(component)
	if err != nil {
		t.Fatal(err)
	}
	saved := time.Now()
	if err := os.WriteFile(component, []byte(strings.Replace(string(content), composerHint, changed, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	secondPID := waitServer(t, logs, url, firstPID, devRebuild)
	WaitFor(t, page, `window.devMarker === undefined && document.body.dataset.wasm === "ready" &&
		document.querySelector("#composer")?.placeholder === `+JS(changed), devRebuild)
	shown := time.Since(saved)
	t.Logf("server pid %s -> %s; the change was on screen %.1fs after the save; %s",
		firstPID, secondPID, shown.Seconds(), strings.Join(buildLines(logs.String()), "; "))

	for _, text := range texts {
		WaitFor(t, page, storedShown(text, "devon"), UITimeout)
	}
	if after := Eval[[]string](t, page, shownIDs); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("messages shown before the save %v, after %v", before, after)
	}
	WaitFor(t, page, `document.querySelector("#me")?.textContent === "devon"`, UITimeout)
}

// serverStarted matches the watcher's line for each server it starts.
var serverStarted = regexp.MustCompile(`dev: server started pid=(\d+)`)

// waitServer waits until the watcher has started a server whose pid is not
// notPID and that answers /healthz at url, and returns the pid.
func waitServer(t *testing.T, logs *syncbuf.Buffer, url, notPID string, timeout time.Duration) string {
	t.Helper()
	var pid string
	wait.For(t, timeout, "a new server (pid not "+notPID+") answering "+url, func() bool {
		m := serverStarted.FindAllStringSubmatch(logs.String(), -1)
		if len(m) == 0 || m[len(m)-1][1] == notPID {
			return false
		}
		pid = m[len(m)-1][1]
		resp, err := http.Get(url + tt.PathHealth)
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return pid
}

// buildLines are the watcher's build timings.
func buildLines(logs string) []string {
	var lines []string
	for _, l := range strings.Split(logs, "\n") {
		if strings.HasPrefix(l, "dev: built") {
			lines = append(lines, strings.TrimPrefix(l, "dev: "))
		}
	}
	return lines
}

// copyModule copies what the server and app.wasm are built from (and web/
// without app.wasm) from root to dst.
func copyModule(t *testing.T, root, dst string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch {
			case rel == ".":
				return os.MkdirAll(dst, 0o755)
			case strings.HasPrefix(d.Name(), "."), rel == "bin", rel == "data", rel == "tmp", rel == "e2e", rel == "docs":
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasPrefix(rel, "web/app.wasm") || strings.HasPrefix(d.Name(), ".") || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy the module: %v", err)
	}
}

// fileContaining returns the one Go file under dir that holds s.
func fileContaining(t *testing.T, dir, s string) string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(data), s) {
			found = append(found, path)
		}
		return err
	})
	if err != nil || len(found) != 1 {
		t.Fatalf("want one component file holding %s, found %v (%v)", s, found, err)
	}
	return found[0]
}
