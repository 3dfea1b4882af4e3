//go:build !wasm

package pwa

import (
	_ "embed"
	"encoding/json"
	"strings"

	tt "tickertalk/app"
)

// workerSource is go-app v10.1.11's DefaultAppWorkerJS with Tickertalk's
// changes between "// tickertalk:begin" and "// tickertalk:end" lines;
// worker_test.go holds it to upstream.
//
//go:embed app-worker.js
var workerSource string

// networkOnlyPlaceholder is replaced by the JSON of [networkOnly].
const networkOnlyPlaceholder = "{{.TickertalkNetworkOnly}}"

// networkOnly lists what the service worker must never answer from its
// cache: live streams, writes, data and operations endpoints. Paths match
// exactly, prefixes by start.
type networkOnly struct {
	Paths    []string `json:"paths"`
	Prefixes []string `json:"prefixes"`
}

func networkOnlyRules() networkOnly {
	return networkOnly{
		Paths:    []string{tt.PathEventStream, tt.PathSend, tt.PathHealth, tt.PathReady, tt.PathMetrics},
		Prefixes: []string{"/api/"},
	}
}

// workerTemplate is the ServiceWorkerTemplate handed to go-app: our worker
// with its network-only rules filled in, go-app's own placeholders left.
func workerTemplate() string { return fillWorker(networkOnlyRules()) }

// devWorkerTemplate is the worker of development mode ([Config].Dev): it
// answers nothing from its cache, so that a reload always runs the build
// the server serves now.
func devWorkerTemplate() string {
	return fillWorker(networkOnly{Paths: []string{}, Prefixes: []string{"/"}})
}

func fillWorker(rules networkOnly) string {
	rulesJSON, err := json.Marshal(rules)
	if err != nil {
		panic("pwa: encoding network-only rules: " + err.Error()) // static data: cannot fail
	}
	return strings.Replace(workerSource, networkOnlyPlaceholder, string(rulesJSON), 1)
}
