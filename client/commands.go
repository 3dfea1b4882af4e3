package client

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	tt "tickertalk/app"
)

// SetNick chooses the person's nickname (POST /api/session): it starts a
// session when the client holds none, or renames the one it holds, and the
// cookie jar keeps the session's new token. It returns the nickname as the
// server holds it (normalised: "ａｌｉｃｅ" becomes "alice"). A nickname held by
// another session is an [*APIError] with Code [app.CodeNickTaken].
func (c *Client) SetNick(ctx context.Context, nick string) (string, error) {
	var s tt.Session
	if _, err := c.do(ctx, http.MethodPost, tt.PathSession, nil, tt.Session{Nick: nick}, &s); err != nil {
		return "", err
	}
	return s.Nick, nil
}

// Nick returns the nickname of the client's session, "" when it holds
// none (or the server forgot it).
func (c *Client) Nick(ctx context.Context) (string, error) {
	var s tt.Session
	if _, err := c.do(ctx, http.MethodGet, tt.PathSession, nil, nil, &s); err != nil {
		return "", err
	}
	return s.Nick, nil
}

// EndSession ends the client's session (DELETE /api/session), freeing its
// nickname at once.
func (c *Client) EndSession(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodDelete, tt.PathSession, nil, nil, nil)
	return err
}

// Send posts a chat message (POST /send) with the session, and returns it
// as stored: its id, the session's nick, the server's time and its
// ClientID. An empty req.ClientID gets a fresh one ([NewClientID]); a
// request sent again with the same ClientID (a retry after a lost answer)
// returns the message stored the first time and posts nothing. Without a
// session the error is an [*APIError] with Code [app.CodeNoSession].
func (c *Client) Send(ctx context.Context, req tt.SendRequest) (tt.ChatMessage, error) {
	if req.ClientID == "" {
		req.ClientID = NewClientID()
	}
	var m tt.ChatMessage
	if _, err := c.do(ctx, http.MethodPost, tt.PathSend, nil, req, &m); err != nil {
		return tt.ChatMessage{}, err
	}
	return m, nil
}

// PostEvent sends an event of a kind clients may publish (POST
// /api/events) with the session, and decodes the answer into out when out
// is not nil and the answer has a body. A kind the server does not take
// is an [*APIError] with Code [app.CodeUnknownKind]; the kind's own
// validation errors come as the same type.
func (c *Client) PostEvent(ctx context.Context, req tt.EventRequest, out any) error {
	_, err := c.do(ctx, http.MethodPost, tt.PathEvents, nil, req, out)
	return err
}

// Post is [Client.PostEvent] for a value of a declared kind: it encodes v
// as the kind's data. clientID makes a retry of a durable event
// idempotent; empty, a durable kind gets a fresh one.
func Post[T any](ctx context.Context, c *Client, k tt.Kind[T], v T, clientID string, out any) error {
	data, err := k.Encode(v)
	if err != nil {
		return err
	}
	if clientID == "" && k.Class() == tt.Durable {
		clientID = NewClientID()
	}
	return c.PostEvent(ctx, tt.EventRequest{Kind: k.Name(), Data: data, ClientID: clientID}, out)
}

// Scrollback returns a page of a room's messages, oldest first (GET
// /api/rooms/{room}/messages): the latest ones when before is "", else
// those before that id; limit 0 is the server's default (50), at most
// [app.MaxPageLimit]. More tells that older messages exist before the
// first. It is how a caller reloads a room after a resync event.
func (c *Client) Scrollback(ctx context.Context, room, before string, limit int) (tt.MessagePage, error) {
	q := url.Values{}
	if before != "" {
		q.Set(tt.QueryBefore, before)
	}
	if limit > 0 {
		q.Set(tt.QueryLimit, strconv.Itoa(limit))
	}
	if err := tt.ValidateRoom(room); err != nil {
		return tt.MessagePage{}, fmt.Errorf("tickertalk: scrollback: %w", err)
	}
	var p tt.MessagePage
	if _, err := c.do(ctx, http.MethodGet, tt.RoomMessagesPath(room), q, nil, &p); err != nil {
		return tt.MessagePage{}, err
	}
	return p, nil
}

// Rooms returns a page of the server's rooms by name (GET /api/rooms),
// starting after the name after ("" for the first page); limit 0 is the
// server's default. The page's Next is the after of the next one while
// More is true.
func (c *Client) Rooms(ctx context.Context, after string, limit int) (tt.RoomList, error) {
	q := url.Values{}
	if after != "" {
		q.Set(tt.QueryAfter, after)
	}
	if limit > 0 {
		q.Set(tt.QueryLimit, strconv.Itoa(limit))
	}
	var l tt.RoomList
	if _, err := c.do(ctx, http.MethodGet, tt.PathRooms, q, nil, &l); err != nil {
		return tt.RoomList{}, err
	}
	return l, nil
}

// NewClientID returns a random version-4 UUID, the idempotency key of one
// message or durable event.
func NewClientID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
