package node

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/config"
	"tickertalk/internal/testclient"
	"tickertalk/internal/wait"
)

// TestIdleSessionExpiresAndFreesItsNick: with --session-ttl 2s, a session
// nobody uses ends within a few TTLs, its nick goes to the next person
// who asks, and its old token no longer works.
func TestIdleSessionExpiresAndFreesItsNick(t *testing.T) {
	const ttl = 2 * time.Second
	base := startNode(t, func(c *config.Config) { c.SessionTTL, c.SessionRate = ttl, 0 })
	idle := testclient.NewSession(t, base, "alice")
	if got := idle.SessionCookie(); got == nil {
		t.Fatal("no session cookie")
	}
	other := testclient.NewClient(t, base)
	start := time.Now()
	var taken time.Duration
	wait.For(t, 15*ttl, "the idle session's nick to be free", func() bool {
		status, err := other.PostJSON(context.Background(), tt.PathSession, tt.Session{Nick: "alice"}, nil)
		var se *testclient.StatusError
		if err != nil && (!errors.As(err, &se) || se.Code != http.StatusConflict) {
			t.Fatalf("claiming alice: %d, %v", status, err)
		}
		taken = time.Since(start)
		return status == http.StatusCreated
	})
	if taken < ttl/2 {
		t.Errorf("the nick was free after %v, before the session could expire (ttl %v)", taken, ttl)
	}
	var s tt.Session
	if status, err := idle.Request(context.Background(), "GET", tt.PathSession, "", nil, &s); status != http.StatusOK || s.Nick != "" {
		t.Fatalf("the expired session's token: %d %+v, %v; want 200 without a nick", status, s, err)
	}
}
