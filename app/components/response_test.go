package components

import (
	"fmt"
	"testing"
	"time"
)

func TestResponseSentence(t *testing.T) {
	tests := []struct {
		name string
		r    response
		want string
	}{
		{"rate limited", response{Status: 429, RetryAfter: "3", Body: []byte(`{"error":"x","code":"rate_limited"}`)}, "slow down, retry in 3 s"},
		{"rate limited without header", response{Status: 429}, "slow down, retry in 1 s"},
		{"nick taken", response{Status: 409, Body: []byte(`{"error":"nick is taken","code":"nick_taken"}`)}, "that nickname is taken"},
		{"server sentence", response{Status: 422, Body: []byte(`{"error":"text must not be empty","code":"invalid_text"}`)}, "text must not be empty"},
		{"too large", response{Status: 413}, "that message is too large"},
		{"no body", response{Status: 418}, "the server answered 418"},
		{"network", response{Err: fmt.Errorf("x: %w", errNetwork)}, "you are offline"},
		{"unavailable", response{Status: 503, Body: []byte(`{"error":"the message store is unavailable, try again","code":"unavailable"}`)}, "the message store is unavailable, try again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.sentence(); got != tt.want {
				t.Errorf("sentence() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestResponseTransient: what the outbox keeps and retries, and what it
// drops as refused for good.
func TestResponseTransient(t *testing.T) {
	tests := []struct {
		r    response
		want bool
	}{
		{response{Err: fmt.Errorf("x: %w", errNetwork)}, true},
		{response{Status: 503}, true},
		{response{Status: 502}, true},
		{response{Status: 500}, true},
		{response{Status: 408}, true},
		{response{Status: 400}, false},
		{response{Status: 413}, false},
		{response{Status: 422}, false},
		{response{Status: 429}, false},
		{response{Status: 201}, false},
	}
	for _, tc := range tests {
		if got := tc.r.transient(); got != tc.want {
			t.Errorf("transient(%d, err %v) = %v, want %v", tc.r.Status, tc.r.Err, got, tc.want)
		}
	}
}

func TestResponseDecode(t *testing.T) {
	var v struct{ Nick string }
	if err := (response{Status: 200, Body: []byte(`{"nick":"al"}`)}).decode(&v); err != nil || v.Nick != "al" {
		t.Errorf("decode = %v, %+v", err, v)
	}
	if err := (response{Status: 401, Body: []byte(`{}`)}).decode(&v); err == nil {
		t.Errorf("decode of a 401 succeeded")
	}
	if err := (response{Status: 200, Body: []byte(`not json`)}).decode(&v); err == nil {
		t.Errorf("decode of bad JSON succeeded")
	}
}

func TestURLs(t *testing.T) {
	tests := []struct{ got, want string }{
		{messagesURL("lobby", "", 50), "/api/rooms/lobby/messages?limit=50"},
		{messagesURL("dev", "120", 50), "/api/rooms/dev/messages?before=120&limit=50"},
		{streamURL([]string{"lobby"}, ""), "/eventstream?room=lobby"},
		{streamURL([]string{"lobby"}, "42"), "/eventstream?lastEventId=42&room=lobby"},
		{streamURL([]string{"a", "b-2"}, "7"), "/eventstream?lastEventId=7&room=a&room=b-2"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestConnStatus(t *testing.T) {
	tests := []struct {
		online  bool
		state   int
		healthy bool
		want    string
	}{
		{false, esOpen, true, statusOffline},
		{true, esOpen, false, statusLive},
		{true, esConnecting, true, statusReconnecting},
		{true, esConnecting, false, statusOffline},
		{true, esClosed, true, statusReconnecting},
		{true, esClosed, false, statusOffline},
	}
	for _, tt := range tests {
		if got := connStatus(tt.online, tt.state, tt.healthy); got != tt.want {
			t.Errorf("connStatus(%v, %d, %v) = %q, want %q", tt.online, tt.state, tt.healthy, got, tt.want)
		}
	}
}

func TestRoomFromPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/", "lobby"},
		{"/rooms/dev", "dev"},
		{"/rooms/Bad", "lobby"},
		{"/rooms/", "lobby"},
		{"/other", "lobby"},
	}
	for _, tt := range tests {
		if got := roomFromPath(tt.path); got != tt.want {
			t.Errorf("roomFromPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestReconnectGrace(t *testing.T) {
	tests := []struct {
		name   string
		lostAt time.Time
		want   bool
	}{
		{"never live", time.Time{}, false},
		{"just dropped", time.Now(), true},
		{"down for long", time.Now().Add(-reconnectGrace - time.Second), false},
	}
	for _, tc := range tests {
		p := newPage()
		p.conn.lostAt = tc.lostAt
		if got := p.conn.inGrace(); got != tc.want {
			t.Errorf("%s: inGrace() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
