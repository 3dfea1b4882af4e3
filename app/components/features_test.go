package components

import (
	"slices"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

func TestTypingViewShowsOthersUntilTheirTTL(t *testing.T) {
	grab := &contextOf{}
	load(t, grab)
	v := &typingView{Room: "lobby", Nick: "ann"}
	for _, s := range []tt.Typing{{Room: "lobby", Nick: "ann"}, {Room: "lobby", Nick: "ben"}, {Room: "desk", Nick: "cat"}, {Room: "lobby", Nick: "dee"}} {
		v.onTyping(grab.ctx, s, "")
	}
	now := time.Now()
	if got := v.typists(now); !slices.Equal(got, []string{"ben", "dee"}) {
		t.Errorf("typists %v, want ben dee (not ann herself, not cat of another room)", got)
	}
	if got := typingLabel(v.typists(now)); got != "ben and dee are typing…" {
		t.Errorf("label %q", got)
	}
	if got := v.typists(now.Add(tt.TypingTTL)); len(got) != 0 {
		t.Errorf("typists %v after the TTL, want none", got)
	}
	v.expire(now.Add(tt.TypingTTL))
	if len(v.until) != 0 {
		t.Errorf("expired signals kept: %v", v.until)
	}
	v.Room = "desk" // the page switched rooms: what was heard of lobby goes
	if got := v.typists(now); len(got) != 0 {
		t.Errorf("typists %v after switching rooms, want none", got)
	}
	if got := typingLabel([]string{"ann"}); got != "ann is typing…" {
		t.Errorf("label %q", got)
	}
}

func TestTypingSenderAtMostEveryTypingEvery(t *testing.T) {
	var s typingSender
	t0 := time.Now()
	var sent []time.Duration
	for d := time.Duration(0); d < 5*time.Second; d += 100 * time.Millisecond {
		if s.typed("lobby", t0.Add(d)) {
			sent = append(sent, d)
		}
	}
	if want := []time.Duration{0, tt.TypingEvery, 2 * tt.TypingEvery}; !slices.Equal(sent, want) {
		t.Errorf("signals at %v, want %v", sent, want)
	}
	if !s.typed("desk", t0.Add(4100*time.Millisecond)) {
		t.Error("no signal at once in another room")
	}
	s.sent()
	if !s.typed("desk", t0.Add(4200*time.Millisecond)) {
		t.Error("no signal at once after a message was sent")
	}
}

func TestReactionRow(t *testing.T) {
	noop := func(app.Context, app.Event) {}
	c := &rowOf{ui: reactionRow("7", map[string][]string{"👍": {"ann", "ben"}, "🎉": {"ben"}}, "ann", noop)}
	load(t, c)
	match(t, c, app.Div().Class("reactions").DataSet("message", "7"), 0)
	match(t, c, app.Button().Type("button").Class("reaction counted mine").DataSet("emoji", "👍").DataSet("count", 2).
		Aria("pressed", "true").Aria("label", "👍 2: ann, ben").Title("ann, ben").DataSet("message", "7").OnClick(noop), 0, 0)
	match(t, c, app.Text(2), 0, 0, 1, 0)
	i := slices.Index(tt.Emojis, "🎉")
	match(t, c, app.Button().Type("button").Class("reaction counted").DataSet("emoji", "🎉").DataSet("count", 1).
		Aria("pressed", "false").Aria("label", "🎉 1: ben").Title("ben").DataSet("message", "7").OnClick(noop), 0, i)
	j := slices.Index(tt.Emojis, "😢")
	match(t, c, app.Button().Type("button").Class("reaction").DataSet("emoji", "😢").DataSet("count", 0).
		Aria("pressed", "false").Aria("label", "react 😢").Title("").TabIndex(-1).DataSet("message", "7").OnClick(noop), 0, j)
}

// rowOf renders a UI tree as a component, for match.
type rowOf struct {
	app.Compo
	ui app.UI
}

func (r *rowOf) Render() app.UI { return r.ui }
