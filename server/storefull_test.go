package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	tt "tickertalk/app"
	"tickertalk/history"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
	"tickertalk/store"
)

// TestFullStoreIsNotReadyAndRecovers: JetStream's storage limit (1 MiB
// here, 75% of the free disk by default) fills up with other data on the
// same server. A send then answers 503 with Retry-After, /readyz says why
// it is not ready, and so does a new session; once the other data is gone
// the node takes sends again and reports ready, with no restart.
func TestFullStoreIsNotReadyAndRecovers(t *testing.T) {
	const limit = 1 << 20
	st, err := store.Open(t.Context(), store.Config{
		DataDir: t.TempDir(), History: 100, MaxStore: limit, ListenAddr: "127.0.0.1:0",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	index := history.New(100)
	srv := New(Options{Log: st, Sessions: st, History: index, Ready: st.Ready})
	t.Cleanup(srv.Close)
	if err := st.Follow(t.Context(), func(m tt.ChatMessage) { _ = srv.Deliver(m) }); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	alice := testclient.NewSession(t, hs.URL, "alice", curl...)
	alice.Send(t, "lobby", "before", "")

	// Other data on the same JetStream fills it to its limit.
	nc, err := nats.Connect(st.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "FILLER", Subjects: []string{"filler"}}); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 16<<10)
	full := false
	for i := 0; i < 2*limit/len(chunk) && !full; i++ {
		_, err := js.Publish(ctx, "filler", chunk)
		full = err != nil
	}
	if !full {
		t.Fatalf("JetStream took %d bytes past its limit of %d", 2*limit, limit)
	}

	resp := alice.Do(t, http.MethodPost, tt.PathSend, "application/json", `{"room":"lobby","text":"while full","clientId":"c-full-1"}`, nil)
	checkUnavailable(t, "send while full", resp)
	bob := testclient.NewClient(t, hs.URL, curl...)
	resp = bob.Do(t, http.MethodPost, tt.PathSession, "application/json", `{"nick":"bob"}`, nil)
	checkUnavailable(t, "new session while full", resp)
	resp = bob.Do(t, http.MethodGet, tt.PathReady, "", "", nil)
	body := checkUnavailable(t, "readyz while full", resp)
	if !strings.Contains(body.Error, "cannot write") {
		t.Errorf("readyz while full: %q, want the reason (cannot write)", body.Error)
	}

	// Space returns: the store finds out by itself.
	if err := js.DeleteStream(ctx, "FILLER"); err != nil {
		t.Fatal(err)
	}
	wait.For(t, 15*time.Second, "readyz answers 200 again", func() bool {
		return bob.Do(t, http.MethodGet, tt.PathReady, "", "", nil).StatusCode == http.StatusOK
	})
	if m := alice.Send(t, "lobby", "after", ""); m.ID == "" {
		t.Error("send after space returned: no id")
	}
	bob.StartSession(t, "bob")
}

// checkUnavailable checks that resp is a 503 with Retry-After and the JSON
// error, and returns that error.
func checkUnavailable(t *testing.T, what string, resp *http.Response) tt.APIError {
	t.Helper()
	var e tt.APIError
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		t.Errorf("%s: body: %v", what, err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || e.Code != tt.CodeUnavailable || e.Error == "" {
		t.Errorf("%s: %d Retry-After %q %+v, want 503 with Retry-After and code %s",
			what, resp.StatusCode, resp.Header.Get("Retry-After"), e, tt.CodeUnavailable)
	}
	return e
}
