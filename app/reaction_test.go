package app

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestReactionValidate(t *testing.T) {
	ok := Reaction{Room: "lobby", MessageID: "42", Emoji: "👍", On: true}
	tests := []struct {
		name string
		edit func(*Reaction)
		code string
	}{
		{"valid", func(*Reaction) {}, ""},
		{"valid off", func(r *Reaction) { r.On = false }, ""},
		{"bad room", func(r *Reaction) { r.Room = "Lobby!" }, CodeInvalidRoom},
		{"no room", func(r *Reaction) { r.Room = "" }, CodeInvalidRoom},
		{"no message", func(r *Reaction) { r.MessageID = "" }, CodeInvalidReaction},
		{"long message id", func(r *Reaction) { r.MessageID = strings.Repeat("1", 65) }, CodeInvalidReaction},
		{"unknown emoji", func(r *Reaction) { r.Emoji = "🦄" }, CodeInvalidReaction},
		{"no emoji", func(r *Reaction) { r.Emoji = "" }, CodeInvalidReaction},
		{"emoji too long", func(r *Reaction) { r.Emoji = strings.Repeat("👍", 5) }, CodeInvalidReaction},
		{"text", func(r *Reaction) { r.Emoji = "+1" }, CodeInvalidReaction},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.edit(&r)
			err := r.Validate()
			var ie *InvalidError
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("Validate(%+v) = %v, want nil", r, err)
			case tc.code != "" && (!errors.As(err, &ie) || ie.Code != tc.code):
				t.Fatalf("Validate(%+v) = %v, want code %s", r, err, tc.code)
			}
		})
	}
}

func TestTally(t *testing.T) {
	on := func(msg, emoji, nick string) Reaction {
		return Reaction{Room: "lobby", MessageID: msg, Emoji: emoji, Nick: nick, On: true}
	}
	off := func(msg, emoji, nick string) Reaction {
		r := on(msg, emoji, nick)
		r.On = false
		return r
	}
	tests := []struct {
		name    string
		log     []Reaction
		changed []bool
		want    map[string][]EmojiCount
	}{
		{"empty", nil, nil, map[string][]EmojiCount{"1": nil}},
		{
			"two people, two emojis, in Emojis order",
			[]Reaction{on("1", "🎉", "ann"), on("1", "👍", "bob"), on("1", "👍", "ann")},
			[]bool{true, true, true},
			map[string][]EmojiCount{"1": {{"👍", []string{"bob", "ann"}}, {"🎉", []string{"ann"}}}},
		},
		{
			"a repeated on counts once",
			[]Reaction{on("1", "👍", "ann"), on("1", "👍", "ann")},
			[]bool{true, false},
			map[string][]EmojiCount{"1": {{"👍", []string{"ann"}}}},
		},
		{
			"off takes it back, and an off without an on changes nothing",
			[]Reaction{off("1", "👍", "bob"), on("1", "👍", "ann"), on("1", "👍", "bob"), off("1", "👍", "ann"), off("1", "👍", "ann")},
			[]bool{false, true, true, true, false},
			map[string][]EmojiCount{"1": {{"👍", []string{"bob"}}}},
		},
		{
			"on again after off goes last",
			[]Reaction{on("1", "❤️", "ann"), on("1", "❤️", "bob"), off("1", "❤️", "ann"), on("1", "❤️", "ann")},
			[]bool{true, true, true, true},
			map[string][]EmojiCount{"1": {{"❤️", []string{"bob", "ann"}}}},
		},
		{
			"messages apart; the last off of a message leaves none",
			[]Reaction{on("1", "😂", "ann"), on("2", "😂", "ann"), off("1", "😂", "ann")},
			[]bool{true, true, true},
			map[string][]EmojiCount{"1": nil, "2": {{"😂", []string{"ann"}}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			live := Tally(nil)
			for i, r := range tc.log {
				if got := live.Apply(r); got != tc.changed[i] {
					t.Errorf("Apply #%d %+v = %v, want %v", i, r, got, tc.changed[i])
				}
			}
			batch := Tally(tc.log)
			if !reflect.DeepEqual(live, batch) {
				t.Errorf("applied one by one %v, folded at once %v", live, batch)
			}
			for msg, want := range tc.want {
				if got := batch.Counts(msg); !reflect.DeepEqual(got, want) {
					t.Errorf("Counts(%s) = %v, want %v", msg, got, want)
				}
			}
			if _, ok := batch["1"]; ok && len(tc.want["1"]) == 0 {
				t.Errorf("message 1 kept an empty entry: %v", batch)
			}
		})
	}
}

func TestTallyCountsIsACopy(t *testing.T) {
	tally := Tally([]Reaction{{MessageID: "1", Emoji: "👍", Nick: "ann", On: true}})
	c := tally.Counts("1")
	c[0].Nicks[0] = "mallory"
	if !tally.Has("1", "👍", "ann") || tally.Has("1", "👍", "mallory") {
		t.Fatalf("changing Counts' result changed the tally: %v", tally)
	}
}
