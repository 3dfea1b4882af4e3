package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os/signal"
	"syscall"

	tt "tickertalk/app"
	"tickertalk/client"
)

// A bot that follows two rooms, answers "ping" in them, and reloads a
// room's latest messages when the server says it cannot resume it. It
// needs a running server, so it is compiled but not run by go test (the
// tests of this package run the same calls against a real node).
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	c, err := client.New("http://localhost:8000")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if _, err := c.SetNick(ctx, "pingbot"); err != nil {
		log.Fatal(err)
	}

	stream := c.Stream([]string{"lobby", "dev"})
	for ev, err := range stream.Events(ctx) {
		if errors.Is(err, client.ErrBadEvent) {
			continue // one event this program cannot read; the stream goes on
		}
		if err != nil {
			log.Fatal(err) // not an event stream, or a room the server refuses
		}
		if m, ok := client.As(ev, tt.KindMessage); ok && m.Text == "ping" {
			if _, err := c.Send(ctx, tt.SendRequest{Room: m.Room, Text: "pong @" + m.Nick}); err != nil {
				log.Print(err)
			}
		}
		if r, ok := client.As(ev, tt.KindResync); ok {
			page, err := c.Scrollback(ctx, r.Room, "", 50)
			if err == nil {
				fmt.Printf("%s: reloaded %d messages\n", r.Room, len(page.Messages))
			}
		}
	}
	// ctx ended (Ctrl-C): the stream is closed; resume later from here.
	fmt.Println("stopped after", stream.LastEventID())
}
