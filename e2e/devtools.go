package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// SetOffline cuts (offline true) or restores the network of the tab of
// ctx, its service worker included, the way DevTools' "Offline" does:
// requests fail and navigator.onLine is false. Loopback counts too, so the
// page sees exactly what a person with no connection sees.
func SetOffline(tb testing.TB, ctx context.Context, offline bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		tb.Fatalf("network.enable: %v", err)
	}
	conditions := []*network.Conditions{{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1}}
	if !offline {
		conditions = []*network.Conditions{}
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		EmulateOfflineServiceWorker: &offline,
		MatchedNetworkConditions:    conditions,
	}); err != nil {
		tb.Fatalf("emulate offline=%v: %v", offline, err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
		Offline: offline, DownloadThroughput: -1, UploadThroughput: -1,
	}); err != nil {
		tb.Fatalf("override network state offline=%v: %v", offline, err)
	}
}

// InstallabilityErrors returns Chromium's reasons why the page of the tab
// of ctx cannot be installed as an app, as "error-id(name=value,...)"
// strings sorted; none means installable.
func InstallabilityErrors(tb testing.TB, ctx context.Context) []string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, page.GetInstallabilityErrors, cdp.Empty{})
	if err != nil {
		tb.Fatalf("installability errors: %v", err)
	}
	var out []string
	for _, e := range res.InstallabilityErrors {
		args := make([]string, 0, len(e.ErrorArguments))
		for _, a := range e.ErrorArguments {
			args = append(args, a.Name+"="+a.Value)
		}
		out = append(out, fmt.Sprintf("%s(%s)", e.ErrorID, strings.Join(args, ",")))
	}
	sort.Strings(out)
	return out
}

// BlockURLs makes every request of the tab of ctx that matches one of
// patterns (URLPattern syntax, absolute: "*://*:*/api/*") fail as a network
// error; no patterns lifts the block.
func BlockURLs(tb testing.TB, ctx context.Context, patterns ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		tb.Fatalf("network.enable: %v", err)
	}
	blocks := make([]*network.BlockPattern, 0, len(patterns))
	for _, p := range patterns {
		blocks = append(blocks, &network.BlockPattern{URLPattern: p, Block: true})
	}
	if _, err := chromedp.Call(ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: blocks}); err != nil {
		tb.Fatalf("block %v: %v", patterns, err)
	}
}
