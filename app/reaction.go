package app

import (
	"cmp"
	"slices"
	"strings"
)

// Reaction is a person's emoji on a chat message: On adds it, !On takes it
// back. A person reacts at most once with each emoji to a message; the
// tally of a message is rebuilt by applying its reactions in log order
// (see [Tally]).
type Reaction struct {
	Room      string `json:"room"`
	MessageID string `json:"messageId"`
	Emoji     string `json:"emoji"`
	On        bool   `json:"on"`
	// Nick is the reacting person, set by the server from the session.
	Nick string `json:"nick,omitempty"`
}

// KindReaction is a reaction: durable, so the tally survives replay,
// scrollback and the offline cache.
var KindReaction = Declare[Reaction]("reaction", Durable,
	"A person adds (on) or takes back an emoji on a chat message.")

// Emojis are the reactions offered, in the order the page shows them.
var Emojis = []string{"👍", "❤️", "😂", "🎉", "😮", "😢"}

// MaxEmojiBytes bounds the emoji of a reaction before it is looked up.
const MaxEmojiBytes = 16

// CodeInvalidReaction answers a reaction with an unknown emoji or message.
const CodeInvalidReaction = "invalid_reaction"

// EventRoom is the room of the message reacted to.
func (r Reaction) EventRoom() string { return r.Room }

// Validate checks what a client sends: a room, a message id, and one of
// [Emojis].
func (r Reaction) Validate() error {
	if err := ValidateRoom(r.Room); err != nil {
		return err
	}
	if r.MessageID == "" || len(r.MessageID) > 64 {
		return invalid(CodeInvalidReaction, "messageId must name a message")
	}
	if len(r.Emoji) > MaxEmojiBytes {
		return invalid(CodeInvalidReaction, "emoji is too long")
	}
	if !slices.Contains(Emojis, r.Emoji) {
		return invalid(CodeInvalidReaction, "emoji must be one of "+join(Emojis))
	}
	return nil
}

func join(list []string) string {
	s := ""
	for i, e := range list {
		if i > 0 {
			s += " "
		}
		s += e
	}
	return s
}

// ReactionTally is who reacts with what: for each message id, for each
// emoji, the nicks whose reaction is on, in the order they added it. The
// zero value is not usable: build one with [Tally]. It is not safe for
// concurrent use.
type ReactionTally map[string]map[string][]string

// EmojiCount is one emoji's reactions on a message.
type EmojiCount struct {
	Emoji string
	// Nicks are the people reacting, in the order they added it.
	Nicks []string
}

// Tally folds reactions, given in log order (their ids ascending), into who
// reacts with what: a person's latest reaction with an emoji to a message
// wins, so an On that repeats one already on and an !On without one on
// change nothing. Folding the reactions of a scrollback page, of a replay
// or of the offline cache gives the same tally as following them live.
func Tally(reactions []Reaction) ReactionTally {
	t := make(ReactionTally)
	for _, r := range reactions {
		t.Apply(r)
	}
	return t
}

// Apply folds the next reaction in log order into t and reports whether it
// changed t (false for an On already on or an !On not on).
func (t ReactionTally) Apply(r Reaction) bool {
	byEmoji := t[r.MessageID]
	nicks := byEmoji[r.Emoji]
	i := slices.Index(nicks, r.Nick)
	switch {
	case r.On && i < 0:
		if byEmoji == nil {
			byEmoji = make(map[string][]string)
			t[r.MessageID] = byEmoji
		}
		byEmoji[r.Emoji] = append(nicks, r.Nick)
		return true
	case !r.On && i >= 0:
		nicks = slices.Delete(nicks, i, i+1)
		if len(nicks) > 0 {
			byEmoji[r.Emoji] = nicks
			return true
		}
		delete(byEmoji, r.Emoji)
		if len(byEmoji) == 0 {
			delete(t, r.MessageID)
		}
		return true
	}
	return false
}

// Has reports whether nick's reaction with emoji to the message is on.
func (t ReactionTally) Has(messageID, emoji, nick string) bool {
	return slices.Contains(t[messageID][emoji], nick)
}

// Counts returns the emojis on a message that have at least one reaction,
// in the order of [Emojis] (others after them, sorted), each with its
// nicks; nil for a message without reactions. The result is a copy.
func (t ReactionTally) Counts(messageID string) []EmojiCount {
	byEmoji := t[messageID]
	if len(byEmoji) == 0 {
		return nil
	}
	out := make([]EmojiCount, 0, len(byEmoji))
	for e, nicks := range byEmoji {
		out = append(out, EmojiCount{Emoji: e, Nicks: slices.Clone(nicks)})
	}
	slices.SortFunc(out, func(a, b EmojiCount) int {
		return cmp.Or(emojiRank(a.Emoji)-emojiRank(b.Emoji), strings.Compare(a.Emoji, b.Emoji))
	})
	return out
}

// emojiRank is e's place in [Emojis], or after all of them.
func emojiRank(e string) int {
	if i := slices.Index(Emojis, e); i >= 0 {
		return i
	}
	return len(Emojis)
}
