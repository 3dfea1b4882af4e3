package components

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// EventSource readyState values.
const (
	esConnecting = 0
	esOpen       = 1
	esClosed     = 2
)

// sseEvent is what the UI keeps of one server-sent event, copied out of the
// JavaScript MessageEvent.
type sseEvent struct {
	Name        string
	Data        string
	LastEventID string
}

// streamHandlers receive what an [eventStream] sees, on the JavaScript
// event loop: they must copy what they need and ctx.Dispatch.
type streamHandlers struct {
	Event func(sseEvent)
	Open  func()
	// Error gets the readyState after the error: esConnecting while the
	// browser retries by itself, esClosed when it gave up.
	Error func(readyState int)
}

// eventStream is one browser EventSource and the callbacks attached to it.
// It is used from the UI goroutine only.
type eventStream struct {
	es    app.Value
	funcs []app.Func
	hide  windowListener
}

// openStream opens an EventSource on url and listens to the given event
// names. Natively it returns a stream that never fires.
func openStream(url string, events []string, h streamHandlers) *eventStream {
	ctor := app.Window().Get("EventSource")
	if !ctor.Truthy() {
		return &eventStream{}
	}
	s := &eventStream{es: ctor.New(url)}
	for _, name := range events {
		s.listen(name, func(e app.Value) {
			h.Event(sseEvent{Name: name, Data: e.Get("data").String(), LastEventID: e.Get("lastEventId").String()})
		})
	}
	s.listen("open", func(app.Value) { h.Open() })
	s.listen("error", func(app.Value) { h.Error(s.readyState()) })
	// Leaving the page may keep it alive in the back/forward cache, and
	// Chromium then keeps its stream open: the server would count the
	// person online, and feed a frozen page. Close it at once, on the
	// JavaScript event loop (a dispatched close might run only after the
	// page is frozen); the page reconnects on pageshow.
	es := s.es
	s.hide = listenWindow("pagehide", func() { es.Call("close") })
	return s
}

func (s *eventStream) listen(event string, f func(app.Value)) {
	fn := app.FuncOf(func(_ app.Value, args []app.Value) any {
		f(arg0(args))
		return nil
	})
	s.funcs = append(s.funcs, fn)
	s.es.Call("addEventListener", event, fn)
}

// readyState is the EventSource's state (esClosed for a closed stream).
func (s *eventStream) readyState() int {
	if s == nil || s.es == nil {
		return esClosed
	}
	return s.es.Get("readyState").Int()
}

// close closes the EventSource and releases every callback. It is safe on a
// nil or already closed stream.
func (s *eventStream) close() {
	if s == nil || s.es == nil {
		return
	}
	s.es.Call("close")
	s.hide.remove()
	for _, fn := range s.funcs {
		fn.Release()
	}
	s.es, s.funcs, s.hide = nil, nil, windowListener{}
}

// windowListener is one callback attached to window (online, offline ...)
// or to its document (visibilitychange).
type windowListener struct {
	target app.Value
	event  string
	fn     app.Func
}

// listenWindow attaches f to window's event; remove detaches and releases it.
func listenWindow(event string, f func()) windowListener {
	return listenOn(app.Window(), event, f)
}

// listenDocument attaches f to the document's event; remove detaches and
// releases it.
func listenDocument(event string, f func()) windowListener {
	return listenOn(app.Window().Get("document"), event, f)
}

// listenWindowEvent attaches f, which gets the event, to window's event;
// remove detaches and releases it.
func listenWindowEvent(event string, f func(app.Value)) windowListener {
	return listenOnEvent(app.Window(), event, f)
}

func listenOn(target app.Value, event string, f func()) windowListener {
	return listenOnEvent(target, event, func(app.Value) { f() })
}

func listenOnEvent(target app.Value, event string, f func(app.Value)) windowListener {
	fn := app.FuncOf(func(_ app.Value, args []app.Value) any {
		f(arg0(args))
		return nil
	})
	target.Call("addEventListener", event, fn)
	return windowListener{target: target, event: event, fn: fn}
}

func (l windowListener) remove() {
	l.target.Call("removeEventListener", l.event, l.fn)
	l.fn.Release()
}

// documentHidden reports whether the page is hidden (false natively).
func documentHidden() bool {
	if !app.IsClient {
		return false
	}
	return app.Window().Get("document").Get("visibilityState").String() == "hidden"
}

// browserOnline reports navigator.onLine (true natively).
func browserOnline() bool {
	if !app.IsClient {
		return true
	}
	return app.Window().Get("navigator").Get("onLine").Bool()
}
