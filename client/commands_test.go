package client_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/client"
	"tickertalk/internal/wait"
)

// TestSessionAndCommands: the session helpers keep the person's cookie
// (create, rename, who am I, end), a retried send posts nothing twice,
// scrollback pages what was sent, and errors come back typed.
func TestSessionAndCommands(t *testing.T) {
	n := startNode(t, nil)
	ctx := t.Context()
	c := newClient(t, n.URL)

	if _, err := c.Send(ctx, tt.SendRequest{Room: "lobby", Text: "anyone?"}); !isAPI(err, http.StatusUnauthorized, tt.CodeNoSession) {
		t.Fatalf("send without a session: %v, want 401 no_session", err)
	}
	if nick, err := c.SetNick(ctx, "ａｎｎ"); err != nil || nick != "ann" {
		t.Fatalf("SetNick = %q, %v; want the held form ann", nick, err)
	}
	if nick, err := c.SetNick(ctx, "anna"); err != nil || nick != "anna" {
		t.Fatalf("rename = %q, %v", nick, err)
	}
	if nick, err := c.Nick(ctx); err != nil || nick != "anna" {
		t.Fatalf("Nick = %q, %v; want anna", nick, err)
	}
	other := newClient(t, n.URL)
	if _, err := other.SetNick(ctx, "anna"); !isAPI(err, http.StatusConflict, tt.CodeNickTaken) {
		t.Fatalf("a second anna: %v, want 409 nick_taken", err)
	}

	first, err := c.Send(ctx, tt.SendRequest{Room: "lobby", Text: "one"})
	if err != nil || first.ID == "" || first.ClientID == "" || first.Nick != "anna" {
		t.Fatalf("Send = %+v, %v", first, err)
	}
	again, err := c.Send(ctx, tt.SendRequest{Room: "lobby", Text: "one", ClientID: first.ClientID})
	if err != nil || again.ID != first.ID {
		t.Fatalf("retry = %+v, %v; want the first message %s", again, err, first.ID)
	}
	send(t, c, "lobby", "two", "three")
	// The history index follows the log: a stored message is in scrollback
	// a moment after its 201.
	var page tt.MessagePage
	wait.ForNil(t, 10*time.Second, func() error {
		var err error
		page, err = c.Scrollback(ctx, "lobby", "", 2)
		if err != nil || len(page.Messages) != 2 || !page.More || page.Messages[0].Text != "two" || page.Messages[1].Text != "three" {
			return fmt.Errorf("Scrollback = %+v, %v; want two and three, more", page, err)
		}
		return nil
	})
	older, err := c.Scrollback(ctx, "lobby", page.Messages[0].ID, 0)
	if err != nil || len(older.Messages) != 1 || older.Messages[0].ID != first.ID || older.More {
		t.Fatalf("Scrollback before %s = %+v, %v; want only the first", page.Messages[0].ID, older, err)
	}
	if _, err := c.Scrollback(ctx, "lobby", "", 1000); !isAPI(err, http.StatusBadRequest, tt.CodeInvalidParameter) {
		t.Fatalf("a page of 1000: %v, want 400 invalid_parameter", err)
	}
	rooms, err := c.Rooms(ctx, "", 0)
	if err != nil || len(rooms.Rooms) == 0 || rooms.Rooms[0].Name != "lobby" {
		t.Fatalf("Rooms = %+v, %v", rooms, err)
	}

	// A kind the server does not take is refused with the contract's error.
	err = c.PostEvent(ctx, tt.EventRequest{Kind: "no-such-kind", Data: json.RawMessage(`{}`)}, nil)
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.StatusCode < 400 || ae.StatusCode > 499 || ae.Code == "" {
		t.Fatalf("PostEvent of an unknown kind: %v, want a 4xx APIError", err)
	}

	if err := c.EndSession(ctx); err != nil {
		t.Fatal(err)
	}
	if nick, err := c.Nick(ctx); err != nil || nick != "" {
		t.Fatalf("Nick after EndSession = %q, %v; want none", nick, err)
	}
}

func TestNewRefusesABadBaseURL(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"", "localhost:8000", "ftp://host", "http://", "http://host/?q=1"} {
		if _, err := client.New(base); err == nil {
			t.Errorf("New(%q) succeeded", base)
		}
	}
}
