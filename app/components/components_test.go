package components

import (
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	tt "tickertalk/app"
)

// load mounts c in a go-app test engine and settles it.
func load(t *testing.T, c app.Composer) {
	t.Helper()
	e := app.NewTestEngine()
	if err := e.Load(c); err != nil {
		t.Fatalf("loading %T: %v", c, err)
	}
	e.ConsumeAll()
}

// match asserts that the element at path under c matches want.
func match(t *testing.T, c app.UI, want app.UI, path ...int) {
	t.Helper()
	if err := app.Match(want, c, path...); err != nil {
		t.Errorf("at %v: %v", path, err)
	}
}

func TestStatusBadge(t *testing.T) {
	for _, s := range []string{statusLive, statusReconnecting, statusOffline} {
		c := &statusBadge{Status: s}
		load(t, c)
		match(t, c, app.Span().ID("status").Class("status "+s).DataSet("status", s).Role("status").Aria("live", "polite"), 0)
		match(t, c, app.Text(s), 0, 0)
	}
}

func TestTickerQuoteRow(t *testing.T) {
	c := &tickerView{
		quotes: []tt.Quote{
			{Symbol: "ACME", Price: 1101.5, Change: 1.5, ChangePct: 0.14},
			{Symbol: "GLOB", Price: 9.99, Change: -0.2, ChangePct: -1.96},
		},
		series: map[string][]float64{"ACME": {1, 2}},
	}
	load(t, c)
	// section > [ul.quotes] > li.quote
	match(t, c, app.Li().Class("quote up").DataSet("symbol", "ACME"), 0, 0, 0)
	match(t, c, app.Text("1,101.50"), 0, 0, 0, 1, 0)
	match(t, c, app.Text("▲"), 0, 0, 0, 2, 0, 0)
	match(t, c, app.Text(" +1.50 (+0.14%)"), 0, 0, 0, 2, 1)
	match(t, c, app.Li().Class("quote down").DataSet("symbol", "GLOB"), 0, 0, 1)
	match(t, c, app.Text("▼"), 0, 0, 1, 2, 0, 0)
	// the sparkline of ACME has a path, GLOB (no history) an empty one
	match(t, c, app.Elem("path").XMLNS("http://www.w3.org/2000/svg").
		Attr("d", "M0.0,31.0 L120.0,1.0").Attr("fill", "none").Attr("vector-effect", "non-scaling-stroke"), 0, 0, 0, 3, 0)
}

func TestTickerEmpty(t *testing.T) {
	c := &tickerView{}
	load(t, c)
	match(t, c, app.Text("waiting for quotes…"), 0, 0, 0)
}

func TestMessageListRendersTextNotHTML(t *testing.T) {
	when := time.Date(2025, 1, 2, 3, 4, 0, 0, time.Local)
	c := &messageList{
		Messages: []tt.ChatMessage{{ID: "7", Nick: "mallory", Text: `<img src=x onerror=alert(1)>`, Time: when}},
		Pending:  []pendingMsg{{ClientID: "c1", Room: "lobby", Text: "on its way"}},
		Nick:     "alice",
	}
	load(t, c)
	match(t, c, app.Article().Class("msg").DataSet("id", "7"), 0, 0)
	match(t, c, app.Text("mallory"), 0, 0, 0, 0)
	match(t, c, app.Text("03:04"), 0, 0, 1, 0)
	match(t, c, app.Text(`<img src=x onerror=alert(1)>`), 0, 0, 2, 0)
	match(t, c, app.Article().Class("msg pending").DataSet("pending", "true"), 0, 1)
	match(t, c, app.Text("alice"), 0, 1, 0, 0)
	match(t, c, app.Text("sending…"), 0, 1, 1, 0)
	match(t, c, app.Text("on its way"), 0, 1, 2, 0)
}

// TestMessageListIsolatesDirection: each nick is a <bdi> and each text has
// dir="auto", so a right-to-left name or text keeps its own direction and
// cannot reorder the rest of the row or the page.
func TestMessageListIsolatesDirection(t *testing.T) {
	c := &messageList{
		Messages: []tt.ChatMessage{{ID: "7", Nick: "דנה", Text: "שלום, world"}},
		Pending:  []pendingMsg{{ClientID: "c1", Room: "lobby", Text: "مرحبا"}},
		Nick:     "سارة",
	}
	load(t, c)
	for row := range 2 {
		match(t, c, app.Bdi().Class("nick").Dir("auto"), 0, row, 0)
		match(t, c, app.P().Class("text").Dir("auto"), 0, row, 2)
	}
}

func TestMessageListOlderButton(t *testing.T) {
	c := &messageList{More: true, Loading: true}
	load(t, c)
	match(t, c, app.Text("loading…"), 0, 0, 0)
	match(t, c, app.Text("no messages yet: say hello"), 0, 1, 0)
}

func TestComposerCountAndSend(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		disabled bool
		count    string // "" when no count is shown
	}{
		{"empty", "", true, ""},
		{"blank", "  \n ", true, ""},
		{"short", "hi", false, ""},
		{"near the limit", strings.Repeat("é", 1801), false, "1801 / 2000"},
		{"over the limit", strings.Repeat("a", 2001), true, "2001 / 2000"},
		{"the limit and a trailing newline", strings.Repeat("a", 2000) + "\n", false, "2000 / 2000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &composer{text: tc.text}
			load(t, c)
			sendAt := 2
			if tc.count != "" {
				match(t, c, app.Text(tc.count), 0, 2, 0)
				sendAt = 3
			}
			match(t, c, app.Button().ID("send").Type("submit").Disabled(tc.disabled), 0, sendAt)
		})
	}
}

func TestNickPromptShowsError(t *testing.T) {
	c := &nickPrompt{Error: "that nickname is taken"}
	load(t, c)
	match(t, c, app.Text("that nickname is taken"), 0, 2, 0)
}

func TestRoomListMarksCurrent(t *testing.T) {
	c := &roomList{rooms: []tt.RoomInfo{{Name: "lobby", Online: 3}, {Name: "dev", Online: 1}}, Current: "dev"}
	load(t, c)
	match(t, c, app.Li().Class("room").DataSet("room", "lobby"), 0, 1, 0)
	match(t, c, app.Li().Class("room current").DataSet("room", "dev"), 0, 1, 1)
	match(t, c, app.A().Href("/rooms/dev").Aria("current", "page"), 0, 1, 1, 0)
}

func TestRoomsShown(t *testing.T) {
	got := roomsShown([]tt.RoomInfo{{Name: "dev", Online: 1}}, nil, "ops", tt.Presence{Room: "ops", Count: 4})
	want := []tt.RoomInfo{{Name: "dev", Online: 1}, {Name: "lobby"}, {Name: "ops", Online: 4}}
	if len(got) != len(want) {
		t.Fatalf("roomsShown = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Name != want[i].Name || got[i].Online != want[i].Online {
			t.Errorf("roomsShown[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestPresenceList(t *testing.T) {
	b := newEventBus()
	b.publish([]sseEvent{
		sse(t, tt.EventPresence, "", tt.Presence{Room: "lobby", Online: []string{"alice", "bob"}, Count: 5}),
		sse(t, tt.EventPresence, "", tt.Presence{Room: "desk", Online: []string{"cat"}, Count: 1}),
	})
	c := &presenceList{Bus: b, Room: "lobby"}
	load(t, c)
	match(t, c, app.Aside().ID("presence").Class("presence").DataSet("count", 5).Aria("label", "who is online"), 0)
	match(t, c, app.Text("5 online"), 0, 0, 0)
	match(t, c, app.Text("bob"), 0, 1, 1, 0)
	match(t, c, app.Text("and 3 more"), 0, 2, 0)
}

func TestPageRendersWithoutBrowser(t *testing.T) {
	p := newPage()
	load(t, p)
	match(t, p, app.P().ID("error").Class("error").Role("alert"), 0, 1)
	match(t, p, &statusBadge{Status: statusReconnecting}, 0, 0, 1)
}
