package app

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"
)

// Class is how the framework delivers the events of a kind. The class, not
// the kind's name, decides whether an event is stored, whether it carries
// an SSE id and whether a resume replays it.
type Class uint8

const (
	// Durable events are stored in the room's log before the publisher is
	// acknowledged, carry the log position as their SSE id, are replayed on
	// resume and paged by scrollback, and are deduplicated by the sender's
	// client id. Their payload names its room.
	Durable Class = iota + 1
	// State events carry a latest value: a connection gets the current one
	// when it opens and then every change. They are never stored per event
	// and never carry an SSE id. A state of a room names its room; one that
	// names none belongs to every connection (the ticker).
	State
	// Signal events go to the room's current listeners and are forgotten:
	// never stored, never replayed, no SSE id. Their payload names its room.
	Signal
	// Control events are made by the server for one connection (resync):
	// never published, stored or replayed.
	Control
)

// String is the class's name in the protocol documents.
func (c Class) String() string {
	switch c {
	case Durable:
		return "durable"
	case State:
		return "state"
	case Signal:
		return "signal"
	case Control:
		return "control"
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// HasID reports whether events of the class carry an SSE id: only durable
// ones do, and a client resumes after the last id it saw.
func (c Class) HasID() bool { return c == Durable }

// Validator is implemented by payload types that check a value sent by a
// client; the server answers 400 with the error's text when Validate fails,
// and stores or forwards nothing.
type Validator interface {
	Validate() error
}

// Roomed is implemented by payload types that belong to one room. Durable
// and signal payloads must implement it; a state payload that does is
// delivered to the room's connections only.
type Roomed interface {
	EventRoom() string
}

// KindInfo describes one declared kind, without its Go type parameter: what
// the stream, the server and the documents need. Its fields are set by
// [Declare] and never change.
type KindInfo struct {
	// Name is the SSE event name: lowercase letters, digits and '-'.
	Name string
	// Class is how events of the kind are delivered.
	Class Class
	// Doc is one sentence for the protocol documents.
	Doc string
	// Type is the Go type of the payload (a struct).
	Type reflect.Type
}

// New returns a pointer to a new zero payload of the kind, for decoding.
func (k *KindInfo) New() any { return reflect.New(k.Type).Interface() }

// Decode parses an event's data into a new payload and returns it (a
// pointer to the kind's type); it fails on data that is not the type's
// JSON.
func (k *KindInfo) Decode(data []byte) (any, error) {
	v := k.New()
	if err := json.Unmarshal(data, v); err != nil {
		return nil, fmt.Errorf("decode %s event: %w", k.Name, err)
	}
	return v, nil
}

// Kind is a declared event kind whose payload is T. It is a small value,
// safe to copy and to use from any goroutine.
type Kind[T any] struct{ info *KindInfo }

// Declare declares the event kind name with payload type T and class c, for
// package-level variables: the kind is then known to the server, the page's
// one EventSource, the Go client and the protocol documents. It panics on a
// name already declared, a malformed name, a T that is not a struct, or a
// durable or signal T that does not implement [Roomed].
//
// The registry is written only while packages initialise; reading it
// afterwards ([Kinds], [LookupKind]) is safe from any goroutine.
func Declare[T any](name string, c Class, doc string) Kind[T] {
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		panic(fmt.Sprintf("app.Declare(%q): payload %v is not a struct", name, t))
	}
	if !validKindName(name) {
		panic(fmt.Sprintf("app.Declare(%q): a kind name is 1-32 of a-z, 0-9 and '-'", name))
	}
	if c < Durable || c > Control {
		panic(fmt.Sprintf("app.Declare(%q): unknown class %v", name, c))
	}
	if (c == Durable || c == Signal) && !t.Implements(reflect.TypeFor[Roomed]()) {
		panic(fmt.Sprintf("app.Declare(%q): a %v payload must implement Roomed", name, c))
	}
	info := &KindInfo{Name: name, Class: c, Doc: doc, Type: t}
	kinds.add(info)
	return Kind[T]{info: info}
}

// Info describes the kind.
func (k Kind[T]) Info() *KindInfo { return k.info }

// Name is the kind's SSE event name.
func (k Kind[T]) Name() string { return k.info.Name }

// Class is the kind's delivery class.
func (k Kind[T]) Class() Class { return k.info.Class }

// Encode returns the event data of v: one line of JSON.
func (k Kind[T]) Encode(v T) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", k.info.Name, err)
	}
	return data, nil
}

// Decode parses event data of the kind.
func (k Kind[T]) Decode(data []byte) (T, error) {
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("decode %s event: %w", k.info.Name, err)
	}
	return v, nil
}

// Kinds returns every declared kind, sorted by name.
func Kinds() []*KindInfo { return kinds.list() }

// LookupKind returns the kind named name, if one is declared.
func LookupKind(name string) (*KindInfo, bool) { return kinds.lookup(name) }

// KindNames returns the names of every declared kind, sorted: the events
// an EventSource must listen to.
func KindNames() []string {
	list := kinds.list()
	names := make([]string, len(list))
	for i, k := range list {
		names[i] = k.Name
	}
	return names
}

// registry holds the declared kinds. Declarations run while packages
// initialise, one goroutine at a time; the lock keeps a late declaration
// (in a test) safe too.
type registry struct {
	mu     sync.RWMutex
	byName map[string]*KindInfo
}

// kinds is written only by Declare, from package-level variable
// declarations: like encoding/gob's type registry, it is the one place a
// type is made known to every part at once.
var kinds = &registry{byName: make(map[string]*KindInfo)}

func (r *registry) add(k *KindInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.byName[k.Name]; dup {
		panic(fmt.Sprintf("app.Declare(%q): declared twice", k.Name))
	}
	r.byName[k.Name] = k
}

func (r *registry) lookup(name string) (*KindInfo, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.byName[name]
	return k, ok
}

func (r *registry) list() []*KindInfo {
	r.mu.RLock()
	defer r.mu.RUnlock()
	// Sorted by name through the names: slices.Sort of strings is in every
	// binary already, a SortFunc of *KindInfo would add its own copy of
	// the sort to app.wasm.
	names := make([]string, 0, len(r.byName))
	for name := range r.byName {
		names = append(names, name)
	}
	slices.Sort(names)
	list := make([]*KindInfo, len(names))
	for i, name := range names {
		list[i] = r.byName[name]
	}
	return list
}

func validKindName(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
