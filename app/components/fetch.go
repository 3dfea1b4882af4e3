package components

import (
	"encoding/json"
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// fetch sends one request with the browser's fetch (same-origin cookies,
// never from the HTTP cache) and calls done exactly once with the answer,
// on the JavaScript event loop: done must copy what it needs and
// ctx.Dispatch. A nil body sends no body; anything else is sent as JSON.
// Natively (tests, server pre-rendering) done is never called.
func fetch(method, url string, body any, done func(response)) {
	opts := map[string]any{
		"method":      method,
		"credentials": "same-origin",
		"cache":       "no-store",
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			done(response{Err: fmt.Errorf("encoding request: %w", err)})
			return
		}
		opts["headers"] = map[string]any{"Content-Type": "application/json"}
		opts["body"] = string(b)
	}
	failed := func(reason string) {
		done(response{Err: fmt.Errorf("%s %s: %s: %w", method, url, reason, errNetwork)})
	}
	promise := app.Window().Call("fetch", url, opts)
	then(promise, func(resp app.Value) {
		status := resp.Get("status").Int()
		retry := ""
		if h := resp.Get("headers").Call("get", "Retry-After"); h.Type() == app.TypeString {
			retry = h.String()
		}
		then(resp.Call("text"), func(text app.Value) {
			done(response{Status: status, Body: []byte(text.String()), RetryAfter: retry})
		}, failed)
	}, failed)
}

// then attaches ok and fail to a JavaScript promise and releases both
// callbacks after the first of them runs.
func then(promise app.Value, ok func(app.Value), fail func(reason string)) {
	if !promise.Truthy() {
		return // natively: no promise, no answer
	}
	var onOK, onFail app.Func
	release := func() {
		onOK.Release()
		onFail.Release()
	}
	onOK = app.FuncOf(func(_ app.Value, args []app.Value) any {
		release()
		ok(arg0(args))
		return nil
	})
	onFail = app.FuncOf(func(_ app.Value, args []app.Value) any {
		release()
		reason := "failed"
		if a := arg0(args); a.Truthy() {
			reason = a.Call("toString").String()
		}
		fail(reason)
		return nil
	})
	promise.Call("then", onOK, onFail)
}

func arg0(args []app.Value) app.Value {
	if len(args) == 0 {
		return app.Undefined()
	}
	return args[0]
}
