package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Timeouts of the page helpers.
const (
	// ActionTimeout bounds one chromedp action of [Do], [Eval] and [Navigate].
	ActionTimeout = 30 * time.Second
	// WasmTimeout bounds the download, compile and start of app.wasm.
	WasmTimeout = 90 * time.Second
	// PollInterval is how often [WaitFor] evaluates its expression.
	PollInterval = 50 * time.Millisecond
)

// Do runs chromedp actions on the tab of ctx, in order, within
// [ActionTimeout], and fails tb at the first error.
func Do(tb testing.TB, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.Fatalf("browser: %v", err)
	}
}

// RunBeforePage has the tab of ctx run script in every document it loads
// from now on, before the page's own scripts; what names it in a failure.
func RunBeforePage(tb testing.TB, ctx context.Context, what, script string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: script}); err != nil {
		tb.Fatalf("install %s: %v", what, err)
	}
}

// Navigate loads url in the tab of ctx and waits for its load event.
func Navigate(tb testing.TB, ctx context.Context, url string) {
	tb.Helper()
	Do(tb, ctx, chromedp.Navigate(url))
}

// Eval evaluates a JavaScript expression in the tab of ctx and decodes its
// JSON value into T. It fails tb on an exception, on undefined or null for
// a T that cannot be nil, and after [ActionTimeout].
func Eval[T any](tb testing.TB, ctx context.Context, expr string) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, ActionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// WaitFor evaluates expr in the tab of ctx every [PollInterval] until it is
// truthy, and fails tb with the last error when timeout passes first. An
// evaluation that throws (the page navigating, an element not there yet)
// counts as false, so expressions may be written for the happy path.
func WaitFor(tb testing.TB, ctx context.Context, expr string, timeout time.Duration) {
	tb.Helper()
	if err := Poll(ctx, expr, timeout); err != nil {
		tb.Fatalf("waiting %s for %s: %v", timeout, expr, err)
	}
}

// ErrPollTimeout reports that a polled expression never became truthy.
var ErrPollTimeout = errors.New("expression did not become true in time")

// Poll is [WaitFor] returning an error (wrapping [ErrPollTimeout] and the
// last evaluation error) instead of failing a test.
func Poll(ctx context.Context, expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	check := "(() => { try { return !!(" + expr + "); } catch (e) { return false; } })()"
	ticker := time.NewTicker(PollInterval)
	defer ticker.Stop()
	var last error
	for {
		ectx, cancel := context.WithDeadline(ctx, deadline)
		ok, err := chromedp.Run(ectx, chromedp.Evaluate[bool](check))
		cancel()
		if err == nil && ok {
			return nil
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) {
			if last != nil {
				return errors.Join(ErrPollTimeout, last)
			}
			return ErrPollTimeout
		}
		select {
		case <-ticker.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitWasmReady waits until the go-app client runs: body[data-wasm=ready],
// set by the wasm on mount. Server pre-rendering already draws the same
// elements, so a test must wait for this before trusting what it sees.
func WaitWasmReady(tb testing.TB, ctx context.Context) {
	tb.Helper()
	WaitFor(tb, ctx, `document.body && document.body.dataset.wasm === "ready"`, WasmTimeout)
}

// JS returns v as a JavaScript literal (its JSON), to build expressions
// from Go values without quoting bugs: `el.textContent === ` + JS(text).
func JS(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("e2e.JS: " + err.Error()) // only for values that always encode
	}
	return string(b)
}
