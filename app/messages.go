package app

import (
	"encoding/json"
	"time"
)

// Quote is the state of one symbol at one tick.
type Quote struct {
	Symbol    string    `json:"symbol"`
	Price     float64   `json:"price"`
	Open      float64   `json:"open"`
	Change    float64   `json:"change"`
	ChangePct float64   `json:"changePct"`
	Time      time.Time `json:"time"`
}

// TickerUpdate is the payload of an [EventUpdate] event: the quotes of every
// symbol, in the market's symbol order. The first update a connection
// receives also carries History, the recent prices of each symbol (oldest
// first) for sparklines; later updates leave it empty.
type TickerUpdate struct {
	Quotes  []Quote              `json:"quotes"`
	History map[string][]float64 `json:"history,omitempty"`
}

// ChatMessage is one stored chat message, the payload of an [EventMessage]
// event. ID is the decimal JetStream sequence assigned by the server: ids
// increase, survive restarts and are the same on every node.
type ChatMessage struct {
	ID   string    `json:"id"`
	Room string    `json:"room"`
	Nick string    `json:"nick"`
	Text string    `json:"text"`
	Time time.Time `json:"time"`
	// ClientID is the sender's idempotency key ([SendRequest]). The server
	// sends it only in the answer to the sender's POST /send, never on the
	// stream or in scrollback.
	ClientID string `json:"clientId,omitempty"`
	// Sender is the server's id of the sending session, which keys the
	// idempotency of sends across renames. The chat log keeps it; it is
	// never encoded for a client.
	Sender string `json:"-"`
}

// Presence is the payload of an [EventPresence] event: who is online in a
// room. Online is sorted and capped at [PresenceListCap] names; Count is
// always the full number.
type Presence struct {
	Room   string   `json:"room"`
	Online []string `json:"online"`
	Count  int      `json:"count"`
}

// Session is the body of POST /api/session and the answer of GET.
type Session struct {
	Nick string `json:"nick"`
}

// SendRequest is the body of POST /send. ClientID is made by the client
// (a UUID) and makes retries idempotent within a session.
type SendRequest struct {
	Room     string `json:"room"`
	Text     string `json:"text"`
	ClientID string `json:"clientId"`
}

// Resync is the payload of an [EventResync] event.
type Resync struct {
	Room   string `json:"room"`
	Reason string `json:"reason"`
}

// RoomInfo is one entry of GET /api/rooms.
type RoomInfo struct {
	Name          string     `json:"name"`
	Online        int        `json:"online"`
	LastMessageAt *time.Time `json:"lastMessageAt,omitempty"`
}

// RoomList is the answer of GET /api/rooms?limit=&after=: a page of rooms
// by name. More tells that rooms follow; Next is then the after of the next
// page.
type RoomList struct {
	Rooms []RoomInfo `json:"rooms"`
	More  bool       `json:"more"`
	Next  string     `json:"next,omitempty"`
}

// MessagePage is the answer of GET /api/rooms/{room}/messages: messages
// oldest first, and More when older ones exist before the first. Events
// are the events of the other durable kinds in the page's id range, in id
// order: from the first message (from the room's oldest entry when More is
// false) up to the page's before, so that consecutive pages hold each
// event once.
type MessagePage struct {
	Messages []ChatMessage `json:"messages"`
	More     bool          `json:"more"`
	Events   []StoredEvent `json:"events,omitempty"`
}

// StoredEvent is one event of a durable kind other than message, as
// scrollback returns it: Data is the payload of an SSE event named Kind
// with id ID.
type StoredEvent struct {
	Kind string          `json:"kind"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

// APIError is the body of every 4xx answer: a sentence for people and a
// stable code for programs.
type APIError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// EventReply is the answer of POST [PathEvents]: the id of the durable
// event the request stored (201; 200 when it was stored already), or
// nothing (202) for one that stores nothing.
type EventReply struct {
	ID string `json:"id,omitempty"`
}

// EventRequest is the body of POST [PathEvents]: an event of Kind with its
// payload Data. ClientID makes a retry of a durable event idempotent within
// a session, as for [SendRequest].
type EventRequest struct {
	Kind     string          `json:"kind"`
	Data     json.RawMessage `json:"data"`
	ClientID string          `json:"clientId,omitempty"`
}
