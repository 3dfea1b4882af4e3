// Command tickertalk is both halves of Tickertalk: compiled to WebAssembly
// it is the PWA that runs in the browser; compiled natively it is the server
// that serves that PWA and streams the ticker and the chat over SSE.
package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tickertalk/app/components"
)

func main() {
	yieldToBrowser()
	components.Routes()
	yieldToBrowser()
	// In the browser this never returns; on the server it returns at once.
	app.RunWhenOnBrowser()
	serve()
}
