package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tickertalk/internal/syncbuf"
)

// ChromiumPath is where Debian's chromium package installs the browser.
const ChromiumPath = "/usr/bin/chromium"

// BrowserStartTimeout bounds the start of Chromium and of each new tab.
const BrowserStartTimeout = 60 * time.Second

// HostResolverRules keeps every name lookup of the browser off the network:
// only 127.0.0.1 resolves, so nothing a page does can leave loopback.
const HostResolverRules = "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"

// SkipBanner is the message of a browser test skipped for want of Chromium;
// the Makefile prints the same banner.
const SkipBanner = "*** BROWSER TESTS SKIPPED: chromium not found (install: apt-get install -y chromium) ***"

// EnvChromium names a browser binary to use instead of looking for one;
// a path that does not exist counts as no browser (to try the skip rule).
const EnvChromium = "TICKERTALK_CHROMIUM"

// FindChromium returns the path of a Chromium binary: $TICKERTALK_CHROMIUM
// when set, else [ChromiumPath], else chromium or chromium-browser on the
// PATH. ok is false when there is none.
func FindChromium() (path string, ok bool) {
	if p := os.Getenv(EnvChromium); p != "" {
		_, err := os.Stat(p)
		return p, err == nil
	}
	if _, err := os.Stat(ChromiumPath); err == nil {
		return ChromiumPath, true
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// RequireChromium returns the Chromium path, or ends the test without one:
// under CI=true it fails (CI must not pass by skipping), elsewhere it skips
// with [SkipBanner].
func RequireChromium(tb testing.TB) string {
	tb.Helper()
	p, ok := FindChromium()
	if ok {
		return p
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true and no chromium (%s, or $%s, or on PATH): browser tests cannot run (install: apt-get install -y chromium)", ChromiumPath, EnvChromium)
	}
	tb.Skip(SkipBanner)
	return ""
}

// chromiumNoise marks lines of Chromium's output that say nothing about
// the page: no D-Bus in a container, and a quirk of Debian's wrapper script.
var chromiumNoise = []string{"dbus/", "/usr/bin/chromium: "}

// browserKey finds the *browserState in a context made by [NewBrowser].
type browserKey struct{}

// browserState is what the tabs of one browser share.
type browserState struct {
	logs     *syncbuf.Buffer // browser stderr, chromedp errors, page consoles
	tabCount atomic.Int64
}

// NewBrowser starts a headless Chromium for tb with flags that keep it on loopback
// (no sandbox, no GPU, no QUIC, no background networking, a fresh profile,
// host resolution limited to 127.0.0.1) and returns the context of its first
// tab. Each tab's console is logged; if the test fails, each open tab leaves
// a screenshot and its HTML in [ArtifactsDir] and the browser's logs are
// shown. The browser stops at cleanup. It skips or fails per
// [RequireChromium] when there is no Chromium.
func NewBrowser(tb testing.TB) context.Context {
	tb.Helper()
	path := RequireChromium(tb)
	profile := tb.TempDir() // removed after the browser has stopped
	state := &browserState{logs: &syncbuf.Buffer{}}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", HostResolverRules),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(&lineFilter{w: state.logs, drop: chromiumNoise}),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.WithValue(context.Background(), browserKey{}, state), opts...)
	logf := func(format string, args ...any) { fmt.Fprintf(state.logs, "chromedp: "+format+"\n", args...) }
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf), chromedp.WithLogf(logf))
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
		if tb.Failed() || os.Getenv("TICKERTALK_E2E_LOGS") != "" {
			tb.Logf("browser logs:\n%s", state.logs.String())
		}
	})
	if err := startTab(ctx); err != nil {
		tb.Fatalf("start chromium %s: %v\nlogs:\n%s", path, err, state.logs.String())
	}
	watchTab(tb, ctx, state)
	return ctx
}

// NewContext opens a tab in a new browser context (an incognito-like
// profile with its own cookies, storage and service workers) of the browser
// of [NewBrowser]: a second person. The tab closes, and its browser context
// is disposed of, at cleanup; it gets the same failure artifacts.
func NewContext(tb testing.TB, browser context.Context) context.Context {
	tb.Helper()
	state, ok := browser.Value(browserKey{}).(*browserState)
	if !ok {
		tb.Fatalf("NewContext: the context does not come from NewBrowser")
	}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	tb.Cleanup(cancel)
	if err := startTab(ctx); err != nil {
		tb.Fatalf("new browser context: %v\nlogs:\n%s", err, state.logs.String())
	}
	watchTab(tb, ctx, state)
	return ctx
}

// startTab makes chromedp start the browser or open the tab of ctx, within
// [BrowserStartTimeout].
func startTab(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- chromedp.Do(ctx) }()
	timer := time.NewTimer(BrowserStartTimeout)
	defer timer.Stop()
	select {
	case err := <-errc:
		return err
	case <-timer.C:
		return fmt.Errorf("no tab within %s", BrowserStartTimeout)
	}
}

// watchTab copies the tab's console into the browser logs until the tab
// closes, and registers the failure artifacts of the tab. Cleanups run last
// in, first out, so the artifacts are taken while the tab is still open.
func watchTab(tb testing.TB, ctx context.Context, state *browserState) {
	tb.Helper()
	n := state.tabCount.Add(1)
	console := chromedp.Console(ctx)
	go func() { // ends when the tab's context is cancelled
		for m, err := range console {
			if err != nil {
				return
			}
			fmt.Fprintf(state.logs, "tab %d console: %s\n", n, m.String())
		}
	}()
	tb.Cleanup(func() {
		if tb.Failed() {
			saveArtifacts(tb, ctx, fmt.Sprintf("tab%d", n))
		}
	})
}

// ArtifactsDir is where failure screenshots go: $TICKERTALK_E2E_ARTIFACTS,
// else tickertalk-e2e-artifacts in the system's temporary directory. It is
// not removed after the test, so that a person can look.
func ArtifactsDir() string {
	if d := os.Getenv("TICKERTALK_E2E_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "tickertalk-e2e-artifacts")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// Screenshot saves a PNG of the tab's viewport as <ArtifactsDir>/<test>-<name>.png
// and returns its path. It fails tb on error.
func Screenshot(tb testing.TB, ctx context.Context, name string) string {
	tb.Helper()
	path, err := screenshot(tb, ctx, name)
	if err != nil {
		tb.Fatalf("screenshot %s: %v", name, err)
	}
	return path
}

func screenshot(tb testing.TB, ctx context.Context, name string) (string, error) {
	dir := ArtifactsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("artifacts dir: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return "", fmt.Errorf("capture: %w", err)
	}
	path := filepath.Join(dir, artifactName(tb, name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", fmt.Errorf("write: %w", err)
	}
	return path, nil
}

// saveArtifacts writes a screenshot and the DOM of a tab of a failed test.
func saveArtifacts(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	if path, err := screenshot(tb, ctx, name); err != nil {
		tb.Logf("failure screenshot of %s: %v", name, err)
	} else {
		tb.Logf("failure screenshot of %s: %s", name, path)
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	html, err := chromedp.Run(hctx, chromedp.Evaluate[string](`location.href + "\n" + document.documentElement.outerHTML`))
	if err != nil {
		tb.Logf("failure DOM of %s: %v", name, err)
		return
	}
	path := filepath.Join(ArtifactsDir(), artifactName(tb, name)+".html")
	if err := os.WriteFile(path, []byte(html), 0o644); err != nil {
		tb.Logf("failure DOM of %s: %v", name, err)
		return
	}
	tb.Logf("failure DOM of %s: %s", name, path)
}

func artifactName(tb testing.TB, name string) string {
	return strings.Trim(unsafeName.ReplaceAllString(tb.Name()+"-"+name, "_"), "_")
}
