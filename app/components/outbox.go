package components

import (
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	tt "tickertalk/app"
)

// pendingMsg is a message typed by the user and not yet acknowledged by the
// server. It lives in the outbox, persisted in localStorage, until its
// stored copy arrives (POST /send answer or message event with its
// ClientID). The outbox keeps the order of typing: messages are sent one at
// a time, oldest first.
type pendingMsg struct {
	ClientID string    `json:"clientId"`
	Room     string    `json:"room"`
	Text     string    `json:"text"`
	Created  time.Time `json:"created"`
}

// request is the body POSTed to /send for p.
func (p pendingMsg) request() tt.SendRequest {
	return tt.SendRequest{Room: p.Room, Text: p.Text, ClientID: p.ClientID}
}

// newClientID returns a random UUID version 4 from crypto/rand.
func newClientID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24).
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// withoutClientID returns outbox without the message whose ClientID is id
// (a new slice), and whether it was there.
func withoutClientID(outbox []pendingMsg, id string) ([]pendingMsg, bool) {
	if id == "" {
		return outbox, false
	}
	i := slices.IndexFunc(outbox, func(p pendingMsg) bool { return p.ClientID == id })
	if i < 0 {
		return outbox, false
	}
	return slices.Delete(slices.Clone(outbox), i, i+1), true
}

// pendingIn returns the pending messages of room, in sending order.
func pendingIn(outbox []pendingMsg, room string) []pendingMsg {
	var out []pendingMsg
	for _, p := range outbox {
		if p.Room == room {
			out = append(out, p)
		}
	}
	return out
}

// reconcile drops from outbox every message whose ClientID already appears
// among the stored messages: the server has it, showing it twice would be a
// duplicate. It returns a new slice.
func reconcile(outbox []pendingMsg, stored []tt.ChatMessage) []pendingMsg {
	if len(outbox) == 0 {
		return outbox
	}
	have := make(map[string]bool, len(stored))
	for _, m := range stored {
		if m.ClientID != "" {
			have[m.ClientID] = true
		}
	}
	out := make([]pendingMsg, 0, len(outbox))
	for _, p := range outbox {
		if !have[p.ClientID] {
			out = append(out, p)
		}
	}
	return out
}

// mergeOutbox returns the union of two outboxes, by ClientID, in typing
// order (Created, then the order of stored, then of mine): the outbox
// another tab of the same person saved to localStorage (stored) and this
// tab's own (mine). Writing mine alone over stored would drop the messages
// the other tab queued. A message only one side still holds stays: the
// other side may have sent it, and sending it again with the same clientId
// is harmless. It returns a new slice and modifies neither input.
func mergeOutbox(stored, mine []pendingMsg) []pendingMsg {
	out := make([]pendingMsg, 0, len(stored)+len(mine))
	seen := make(map[string]bool, len(stored)+len(mine))
	for _, p := range slices.Concat(stored, mine) {
		if p.ClientID == "" || seen[p.ClientID] {
			continue
		}
		seen[p.ClientID] = true
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b pendingMsg) int { return a.Created.Compare(b.Created) })
	return out
}
