package main

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
)

// TestSendPublishesInIDOrder: messages posted to the bare server reach a
// subscriber as message events, numbered from 1 in the order posted.
func TestSendPublishesInIDOrder(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	addrs := make(chan net.Addr, 1)
	go run(ctx, "127.0.0.1:0", time.Second, func(a net.Addr) { addrs <- a })
	base := "http://" + (<-addrs).String()
	s := testclient.OpenStream(t, base+tt.PathEventStream, "")
	// `:ok` goes before r3labs registers the subscriber, and bare r3labs
	// replays nothing: a ticker update proves the stream is registered.
	s.MustNextUpdate(t, 10*time.Second)
	c := testclient.NewSession(t, base, "bare")
	for i := 1; i <= 3; i++ {
		if m := c.Send(t, "lobby", "m"+strconv.Itoa(i), testclient.NewClientID()); m.ID != strconv.Itoa(i) {
			t.Fatalf("message %d answered with id %q", i, m.ID)
		}
	}
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	for i := 1; i <= 3; i++ {
		ev, err := s.NextEvent(rctx, tt.EventMessage)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		var m tt.ChatMessage
		if err := json.Unmarshal([]byte(ev.Data), &m); err != nil || ev.ID != strconv.Itoa(i) || m.Text != "m"+strconv.Itoa(i) {
			t.Fatalf("event %d: id %q data %s (%v)", i, ev.ID, ev.Data, err)
		}
	}
}
