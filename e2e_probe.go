//go:build !wasm && e2e

package main

import (
	"context"

	tt "tickertalk/app"
	"tickertalk/node"
	"tickertalk/server"
)

// appOptions, in a build for the browser tests (-tags e2e), takes the
// test-only kind [tt.KindProbe] from clients and publishes it: the e2e
// tests see it arrive typed in the page.
func appOptions() []node.Option {
	return []node.Option{node.WithServer(func(s *server.Server) {
		server.On(s, tt.KindProbe, func(ctx context.Context, c server.Command, v tt.Probe) error {
			v.Nick = c.Nick
			_, err := server.Publish(ctx, s, tt.KindProbe, v, c.From())
			return err
		})
	})}
}
