package app

import "slices"

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
