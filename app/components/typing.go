package components

import (
	"slices"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// typingView shows who else is typing in Room: "ann is typing…" for
// [tt.TypingTTL] after the last [tt.KindTyping] signal of each person
// heard on Bus, never Nick's own (the typist's other tabs included).
type typingView struct {
	app.Compo

	Bus  *eventBus
	Room string
	Nick string

	until map[string]time.Time // by nick: when the indicator goes, in Room
	room  string               // the room until is of
	unsub stopFunc
}

// OnMount starts hearing the signals.
func (t *typingView) OnMount(ctx app.Context) {
	t.unsub = Subscribe(ctx, t.Bus, tt.KindTyping, t.onTyping)
}

// OnDismount stops hearing them.
func (t *typingView) OnDismount() {
	t.unsub.stop()
}

func (t *typingView) onTyping(ctx app.Context, v tt.Typing, _ string) {
	if v.Room != t.Room || v.Nick == "" {
		return
	}
	if t.room != t.Room {
		t.room, t.until = t.Room, nil
	}
	if t.until == nil {
		t.until = make(map[string]time.Time)
	}
	t.until[v.Nick] = time.Now().Add(tt.TypingTTL)
	// One check a TTL later: the signal has expired by then unless a new
	// one came, which brings its own check.
	ctx.After(tt.TypingTTL+50*time.Millisecond, func(ctx app.Context) { t.expire(time.Now()) })
}

// expire forgets the signals past their time.
func (t *typingView) expire(now time.Time) {
	for nick, until := range t.until {
		if !now.Before(until) {
			delete(t.until, nick)
		}
	}
}

// typists returns who is typing in room now, but nick, sorted.
func (t *typingView) typists(now time.Time) []string {
	if t.room != t.Room {
		return nil
	}
	var out []string
	for who, until := range t.until {
		if who != t.Nick && now.Before(until) {
			out = append(out, who)
		}
	}
	slices.Sort(out)
	return out
}

func (t *typingView) Render() app.UI {
	who := t.typists(time.Now())
	return app.P().ID("typing").Class("typing").
		Aria("live", "polite").
		DataSet("count", len(who)).
		Text(typingLabel(who))
}

// typingLabel is the line shown for the people typing: "" for nobody.
func typingLabel(who []string) string {
	switch len(who) {
	case 0:
		return ""
	case 1:
		return who[0] + " is typing…"
	case 2, 3:
		return strings.Join(who[:len(who)-1], ", ") + " and " + who[len(who)-1] + " are typing…"
	}
	return "several people are typing…"
}

// typingSender sends the typing signal of a room while its person types:
// at most once every [tt.TypingEvery], so that the indicator of the others
// (shown for [tt.TypingTTL]) never goes out while the typing goes on.
type typingSender struct {
	last time.Time
	room string
}

// typed notes a keystroke in room at now and reports whether a signal is
// due.
func (s *typingSender) typed(room string, now time.Time) bool {
	if room == s.room && now.Sub(s.last) < tt.TypingEvery {
		return false
	}
	s.room, s.last = room, now
	return true
}

// sent forgets the last signal: the message is sent, the next keystroke
// starts a new signal at once.
func (s *typingSender) sent() { s.last = time.Time{} }
