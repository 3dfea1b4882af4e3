//go:build !wasm

package pwa

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// markedBlock matches one of our changes: whole lines from a
// "// tickertalk:begin" line to the next "// tickertalk:end" line.
var markedBlock = regexp.MustCompile(`(?ms)^[ \t]*// tickertalk:begin[^\n]*\n.*?^[ \t]*// tickertalk:end[^\n]*\n`)

// TestWorkerPinnedToUpstream fails when go-app's default service worker
// changes (an upgrade): our worker must then be rebased on the new one.
func TestWorkerPinnedToUpstream(t *testing.T) {
	blocks := markedBlock.FindAllString(workerSource, -1)
	if got, want := len(blocks), 4; got != want {
		t.Fatalf("%d marked blocks, want %d (header, network-only, app-shell, rules)", got, want)
	}
	if n := strings.Count(workerSource, "// tickertalk:begin"); n != len(blocks) {
		t.Fatalf("%d begin markers but %d complete blocks", n, len(blocks))
	}
	if n := strings.Count(workerSource, networkOnlyPlaceholder); n != 1 {
		t.Fatalf("placeholder %s appears %d times, want 1", networkOnlyPlaceholder, n)
	}
	upstream := markedBlock.ReplaceAllString(workerSource, "")
	if upstream != app.DefaultAppWorkerJS {
		t.Errorf("pwa/app-worker.js without its marked blocks differs from go-app's DefaultAppWorkerJS;\n"+
			"rebase it on the new upstream (written to %s)", writeUpstream(t))
	}
}

func writeUpstream(t *testing.T) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "upstream-app-worker.js")
	if err := os.WriteFile(name, []byte(app.DefaultAppWorkerJS), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestNetworkOnlyRulesCoverTheContract(t *testing.T) {
	rules := networkOnlyRules()
	for _, p := range []string{tt.PathEventStream, tt.PathSend, tt.PathSession, tt.PathRooms,
		tt.RoomMessagesPath("lobby"), tt.PathHealth, tt.PathReady, tt.PathMetrics} {
		covered := false
		for _, exact := range rules.Paths {
			covered = covered || p == exact
		}
		for _, prefix := range rules.Prefixes {
			covered = covered || strings.HasPrefix(p, prefix)
		}
		if !covered {
			t.Errorf("%s would be answered from the service worker's cache", p)
		}
	}
}

func TestServedWorker(t *testing.T) {
	srv := serve(t, newWebDir(t, fakeWasm("worker"), webOpts{assets: true}))
	resp, body := get(t, http.MethodGet, srv.URL+"/app-worker.js", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	js := string(body)
	rules, _ := json.Marshal(networkOnlyRules())
	version := servedVersion(t, srv)
	for _, want := range []string{
		"const tickertalkNetworkOnlyRules = " + string(rules) + ";",
		`"` + tt.PathEventStream + `"`, `"` + tt.PathSend + `"`, `"/api/"`,
		`if (request.method !== "GET")`,
		`if (tickertalkNetworkOnly(event.request)) {`,
		`if (request.mode === "navigate")`,
		`await caches.match("/")`,
		`"/web/app.wasm?v=` + version + `"`,
		`"` + IconDefault + `"`, `"` + IconLarge + `"`, `"` + IconMaskable + `"`, `"` + IconSVG + `"`, `"/web/app.css"`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("/app-worker.js lacks %s", want)
		}
	}
	if strings.Contains(js, "{{") || strings.Contains(js, "https://") {
		t.Errorf("/app-worker.js holds an unfilled placeholder or a remote resource:\n%s", js[:800])
	}
}

// TestWorkerBehaviour runs the served worker under Node with fake caches
// and network, and dispatches fetch events at it.
func TestWorkerBehaviour(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not installed: the service-worker test cannot run (.ci/run installs nodejs)")
		}
		t.Skip("node not installed")
	}
	srv := serve(t, newWebDir(t, fakeWasm("node"), webOpts{assets: true}))
	_, worker := get(t, http.MethodGet, srv.URL+"/app-worker.js", nil)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "worker.js"), worker)
	writeFile(t, filepath.Join(dir, "harness.js"), []byte(workerHarness))

	out, err := exec.Command(node, filepath.Join(dir, "harness.js"), filepath.Join(dir, "worker.js")).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got map[string]string
	if err := json.Unmarshal(out[strings.LastIndexByte(string(out[:len(out)-1]), '\n')+1:], &got); err != nil {
		t.Fatalf("harness output: %v\n%s", err, out)
	}
	tests := []struct{ name, want string }{
		{"GET /eventstream", "network"},
		{"GET /eventstream?room=lobby", "network"},
		{"GET /other accepting text/event-stream", "network"},
		{"POST /send", "network"},
		{"POST /web/app.css", "network"},
		{"DELETE /api/session", "network"},
		{"GET /api/rooms", "network"},
		{"GET /api/rooms/lobby/messages", "network"},
		{"GET /healthz", "network"},
		{"GET /readyz", "network"},
		{"GET /metrics", "network"},
		{"GET /web/app.css cached", "cache:/web/app.css"},
		{"GET /web/icons/x.png offline", "error"},
		{"GET /web/icons/x.png online", "fetched"},
		{"navigate / offline", "cache:/"},
		{"navigate /rooms/x offline", "cache:/"},
		{"navigate /rooms/x online", "fetched"},
	}
	for _, tc := range tests {
		if got[tc.name] != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got[tc.name], tc.want)
		}
	}
}

// workerHarness loads a service worker into a fake global scope and prints
// a JSON map: request name → "network" (not intercepted), "cache:<url>",
// "fetched" or "error".
const workerHarness = `
const fs = require("fs");
const vm = require("vm");
const origin = "http://127.0.0.1:8000";
const listeners = {};
let online = true;
const cache = new Map([[origin + "/", "/"], [origin + "/web/app.css", "/web/app.css"]]);
const key = (r) => (typeof r === "string" ? new URL(r, origin).href : r.url);
const scope = {
  console: { log() {}, error() {} },
  URL,
  location: new URL(origin + "/"),
  addEventListener: (type, fn) => { listeners[type] = fn; },
  caches: {
    match: async (r) => (cache.has(key(r)) ? "cache:" + cache.get(key(r)) : undefined),
    open: async () => ({ addAll: async () => {} }),
    keys: async () => [],
  },
  fetch: async () => { if (!online) throw new TypeError("offline"); return "fetched"; },
};
scope.self = scope;
vm.runInNewContext(fs.readFileSync(process.argv[2], "utf8"), scope);

function request(method, path, mode, accept) {
  return {
    method, mode: mode || "cors", url: origin + path,
    headers: { get: (h) => (h.toLowerCase() === "accept" ? accept || "*/*" : null) },
  };
}
async function dispatch(req, isOnline) {
  online = isOnline;
  let answer = null;
  listeners.fetch({ request: req, respondWith: (p) => { answer = p; } });
  if (answer === null) return "network";
  try { return await answer; } catch { return "error"; }
}
(async () => {
  const cases = {
    "GET /eventstream": [request("GET", "/eventstream", "cors", "text/event-stream"), true],
    "GET /eventstream?room=lobby": [request("GET", "/eventstream?room=lobby"), true],
    "GET /other accepting text/event-stream": [request("GET", "/other", "cors", "text/event-stream"), true],
    "POST /send": [request("POST", "/send"), true],
    "POST /web/app.css": [request("POST", "/web/app.css"), false],
    "DELETE /api/session": [request("DELETE", "/api/session"), true],
    "GET /api/rooms": [request("GET", "/api/rooms"), true],
    "GET /api/rooms/lobby/messages": [request("GET", "/api/rooms/lobby/messages"), true],
    "GET /healthz": [request("GET", "/healthz"), true],
    "GET /readyz": [request("GET", "/readyz"), true],
    "GET /metrics": [request("GET", "/metrics"), true],
    "GET /web/app.css cached": [request("GET", "/web/app.css"), false],
    "GET /web/icons/x.png offline": [request("GET", "/web/icons/x.png"), false],
    "GET /web/icons/x.png online": [request("GET", "/web/icons/x.png"), true],
    "navigate / offline": [request("GET", "/", "navigate"), false],
    "navigate /rooms/x offline": [request("GET", "/rooms/x", "navigate"), false],
    "navigate /rooms/x online": [request("GET", "/rooms/x", "navigate"), true],
  };
  const out = {};
  for (const [name, [req, isOnline]] of Object.entries(cases)) {
    out[name] = await dispatch(req, isOnline);
  }
  console.log(JSON.stringify(out));
})();
`
