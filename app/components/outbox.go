package components

import (
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	tt "tickertalk/app"
)

// pendingMsg is a message typed by the user. It lives in the outbox,
// persisted in localStorage, pending until the server acknowledges it (the
// answer to its POST /send, which alone carries its ClientID: the stream
// and scrollback do not say whose a stored message is). The outbox keeps
// the order of typing: messages are sent one at a time, oldest first.
//
// An acknowledged message stays in the outbox a while as sent (Sent set):
// other tabs of the same person merge this outbox with theirs, and that
// record is how they learn to stop showing and sending their copy.
type pendingMsg struct {
	ClientID string    `json:"clientId"`
	Room     string    `json:"room"`
	Text     string    `json:"text"`
	Created  time.Time `json:"created"`
	// Sent is the stored message's id once acknowledged; "" while pending.
	Sent string `json:"sent,omitempty"`
	// SentAt is when it was acknowledged, for [pruneSent].
	SentAt time.Time `json:"sentAt,omitzero"`
}

// Bounds of the sent records an outbox keeps (see [pruneSent]): another
// tab learns of a send as soon as it next merges the outbox, which is
// within seconds while it is open.
const (
	keepSent = 10 * time.Minute
	maxSent  = 50
)

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

// pendingIn returns the pending (not yet sent) messages of room, in
// sending order.
func pendingIn(outbox []pendingMsg, room string) []pendingMsg {
	var out []pendingMsg
	for _, p := range outbox {
		if p.Room == room && p.Sent == "" {
			out = append(out, p)
		}
	}
	return out
}

// nextToSend returns the oldest pending message of outbox.
func nextToSend(outbox []pendingMsg) (pendingMsg, bool) {
	i := slices.IndexFunc(outbox, func(p pendingMsg) bool { return p.Sent == "" })
	if i < 0 {
		return pendingMsg{}, false
	}
	return outbox[i], true
}

// countPending is how many messages of outbox are still pending.
func countPending(outbox []pendingMsg) int {
	n := 0
	for _, p := range outbox {
		if p.Sent == "" {
			n++
		}
	}
	return n
}

// markSent records that the message with ClientID clientID is stored with
// id (at now), adding the record if outbox lacks it. It returns a new
// slice.
func markSent(outbox []pendingMsg, clientID, id string, now time.Time) []pendingMsg {
	out := slices.Clone(outbox)
	i := slices.IndexFunc(out, func(p pendingMsg) bool { return p.ClientID == clientID })
	if i < 0 {
		return append(out, pendingMsg{ClientID: clientID, Created: now, Sent: id, SentAt: now})
	}
	if out[i].Sent == "" {
		out[i].Sent, out[i].SentAt = id, now
	}
	return out
}

// reconcile marks as sent every pending message of outbox whose ClientID
// appears among the stored messages (answers of POST /send carry it): the
// server has it, showing it twice would be a duplicate. It returns a new
// slice.
func reconcile(outbox []pendingMsg, stored []tt.ChatMessage) []pendingMsg {
	if len(outbox) == 0 {
		return outbox
	}
	have := make(map[string]string, len(stored))
	for _, m := range stored {
		if m.ClientID != "" {
			have[m.ClientID] = m.ID
		}
	}
	out := slices.Clone(outbox)
	for i, p := range out {
		if id, ok := have[p.ClientID]; ok && p.Sent == "" {
			out[i].Sent, out[i].SentAt = id, time.Now()
		}
	}
	return out
}

// pruneSent forgets the sent records acknowledged more than keepSent
// before now, and all but the newest maxSent. It returns a new slice.
func pruneSent(outbox []pendingMsg, now time.Time) []pendingMsg {
	out := make([]pendingMsg, 0, len(outbox))
	sent := 0
	for i := len(outbox) - 1; i >= 0; i-- {
		p := outbox[i]
		if p.Sent != "" {
			if sent >= maxSent || now.Sub(p.SentAt) > keepSent {
				continue
			}
			sent++
		}
		out = append(out, p)
	}
	slices.Reverse(out)
	return out
}

// mergeOutbox returns the union of two outboxes, by ClientID, in typing
// order (Created, then the order of stored, then of mine): the outbox
// another tab of the same person saved to localStorage (stored) and this
// tab's own (mine). Writing mine alone over stored would drop the messages
// the other tab queued. A message only one side still holds stays: the
// other side may have sent it, and sending it again with the same clientId
// is harmless. A message one side records as sent is sent in the union.
// It returns a new slice and modifies neither input.
func mergeOutbox(stored, mine []pendingMsg) []pendingMsg {
	out := make([]pendingMsg, 0, len(stored)+len(mine))
	seen := make(map[string]int, len(stored)+len(mine))
	for _, p := range slices.Concat(stored, mine) {
		if p.ClientID == "" {
			continue
		}
		if i, ok := seen[p.ClientID]; ok {
			if out[i].Sent == "" && p.Sent != "" {
				out[i].Sent, out[i].SentAt = p.Sent, p.SentAt
			}
			continue
		}
		seen[p.ClientID] = len(out)
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b pendingMsg) int { return a.Created.Compare(b.Created) })
	return out
}

// unclaimedShown returns the pending messages to show: pending, less one
// for each message of unclaimed (by id, found in stored) with the same text,
// oldest first. unclaimed are messages of ours that arrived on the stream
// while ours were pending and that no answer has claimed yet: most likely a
// pending message whose answer was lost, stored already. It is shown once,
// as stored, while its retry (which gets the original back) is under way;
// if it was another message after all, the retry stores and shows it.
func unclaimedShown(pending []pendingMsg, stored []tt.ChatMessage, unclaimed []string) []pendingMsg {
	if len(unclaimed) == 0 || len(pending) == 0 {
		return pending
	}
	texts := make(map[string]int, len(unclaimed))
	for _, id := range unclaimed {
		i := slices.IndexFunc(stored, func(m tt.ChatMessage) bool { return m.ID == id })
		if i >= 0 {
			texts[stored[i].Text]++
		}
	}
	out := make([]pendingMsg, 0, len(pending))
	for _, p := range pending {
		if texts[p.Text] > 0 {
			texts[p.Text]--
			continue
		}
		out = append(out, p)
	}
	return out
}
