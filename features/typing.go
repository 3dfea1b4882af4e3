package features

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	tt "tickertalk/app"
	"tickertalk/server"
)

// Typing signals a session may send: a burst of [TypingBurst], then one
// every [TypingRefill]. A page sends one every [tt.TypingEvery] while its
// person types, so two tabs typing at once stay below the limit.
const (
	TypingBurst  = 3
	TypingRefill = tt.TypingEvery / 2
)

// typingIdle is how long a session's typing limiter is kept unused: by
// then its bucket is full again, as a new one would be.
const typingIdle = TypingBurst*TypingRefill + time.Second

// Typing installs the server side of typing indicators on srv: POST
// /api/events with kind "typing" and data {"room"} sends "nick is
// typing" to the room's current listeners on every node, with Nick set
// from the session, and stores nothing; the answer is 202 {}. Above
// [TypingBurst] signals, then one per [TypingRefill], a session is
// answered 429 [tt.CodeRateLimited] and nothing is sent. Pages show the
// signal for [tt.TypingTTL] unless it is their own person's.
func Typing(srv *server.Server) {
	ty := &typing{srv: srv, limits: make(map[string]*typingLimit)}
	server.On(srv, tt.KindTyping, ty.handle)
}

type typing struct {
	srv *server.Server

	mu     sync.Mutex
	limits map[string]*typingLimit // by session id
	swept  time.Time
}

type typingLimit struct {
	l    *rate.Limiter
	used time.Time
}

func (ty *typing) handle(_ context.Context, c server.Command, t tt.Typing) error {
	if wait := ty.allow(c.Session, time.Now()); wait > 0 {
		return &server.Error{Status: http.StatusTooManyRequests, Code: tt.CodeRateLimited,
			Msg:        fmt.Sprintf("too many typing signals: at most one every %v", TypingRefill),
			RetryAfter: wait}
	}
	t.Nick = c.Nick
	return server.Signal(ty.srv, tt.KindTyping, t)
}

// allow takes a token from the session's bucket and returns 0, or, when
// the bucket is empty, takes nothing and returns how long until it holds
// one. It forgets the buckets of sessions idle long enough to be full
// again.
func (ty *typing) allow(session string, now time.Time) (wait time.Duration) {
	ty.mu.Lock()
	defer ty.mu.Unlock()
	if now.Sub(ty.swept) > typingIdle {
		for id, l := range ty.limits {
			if now.Sub(l.used) > typingIdle {
				delete(ty.limits, id)
			}
		}
		ty.swept = now
	}
	l := ty.limits[session]
	if l == nil {
		l = &typingLimit{l: rate.NewLimiter(rate.Every(TypingRefill), TypingBurst)}
		ty.limits[session] = l
	}
	l.used = now
	r := l.l.ReserveN(now, 1)
	if wait = r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
	}
	return wait
}
