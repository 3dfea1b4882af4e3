//go:build !e2e

package components

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// testView is nothing outside the builds for the browser tests (see
// probe_e2e.go).
func testView(*eventBus, string) app.UI { return nil }
