package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestSendReportsTheServersSentence: a refused message comes back with the
// status and the server's JSON error, which the report shows as the example
// of that status.
func TestSendReportsTheServersSentence(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":"too many messages, retry in 2 s","code":"rate_limited"}`))
	}))
	t.Cleanup(hs.Close)
	base, err := url.Parse(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	s := &sender{base: base, origin: hs.URL, client: hs.Client()}
	status, _, err := s.send(context.Background(), "lobby", "hi", "c1")
	if status != http.StatusTooManyRequests || err == nil ||
		!strings.Contains(err.Error(), "too many messages, retry in 2 s") || !strings.Contains(err.Error(), "rate_limited") {
		t.Fatalf("send = %d, %v; want 429 with the server's sentence and code", status, err)
	}
}
