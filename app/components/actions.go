package components

// Actions the child components post (ctx.NewActionWithValue) and the page
// handles on the UI goroutine. Each carries the value documented beside it.
const (
	actionSend  = "tt/send"  // string: the text typed in the composer
	actionOlder = "tt/older" // nil: load the page of messages before the oldest shown
	actionNick  = "tt/nick"  // string: the nickname typed in the prompt
	actionJoin  = "tt/join"  // string: the room name typed in the room form
	actionLeave = "tt/leave" // string: the joined room to leave
)
