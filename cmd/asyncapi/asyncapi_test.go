package main

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	tt "tickertalk/app"
)

// docPath is the generated document, checked in.
const docPath = "../../docs/asyncapi.json"

// specPath is the official AsyncAPI 3.0.0 JSON Schema, bundled (every
// definition inlined under its $id), from asyncapi/spec-json-schemas
// schemas/3.0.0.json.
const specPath = "testdata/asyncapi-3.0.0.json"

// TestDocumentUpToDate regenerates the document from every kind declared
// now and compares it with docs/asyncapi.json.
func TestDocumentUpToDate(t *testing.T) {
	want, err := Encode(Document(tt.Kinds(), source(t)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v: run make docs", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("docs/asyncapi.json is out of date with the event registry: run make docs\n%s", firstDiff(got, want))
	}
}

// source is the module's source, for the descriptions.
func source(t *testing.T) *comments {
	t.Helper()
	src, err := newComments()
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n  file:      " + gl + "\n  generated: " + wl
		}
	}
	return ""
}

// specSchema compiles the vendored AsyncAPI 3.0.0 schema.
func specSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	spec := readJSON(t, specPath)
	c := jsonschema.NewCompiler()
	const url = "http://asyncapi.com/definitions/3.0.0/asyncapi.json"
	if err := c.AddResource(url, spec); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile the AsyncAPI 3.0.0 schema: %v", err)
	}
	return sch
}

func readJSON(t *testing.T, path string) any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// generic turns doc into what the validator takes (JSON's own types).
func generic(t *testing.T, doc map[string]any) any {
	t.Helper()
	data, err := Encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDocumentValidates checks the generated document, and the checked-in
// one, against the AsyncAPI 3.0.0 schema; documents broken on purpose must
// fail it, so that a validator that accepts anything cannot pass.
func TestDocumentValidates(t *testing.T) {
	sch := specSchema(t)
	if err := sch.Validate(readJSON(t, docPath)); err != nil {
		t.Errorf("docs/asyncapi.json is not a valid AsyncAPI 3.0.0 document:\n%v", err)
	}
	kinds := append(tt.Kinds(), testKinds()...)
	if err := sch.Validate(generic(t, Document(kinds, source(t)))); err != nil {
		t.Errorf("the document with the test kinds is not valid AsyncAPI 3.0.0:\n%v", err)
	}

	broken := []struct {
		name   string
		break_ func(doc map[string]any)
	}{
		{"no info", func(d map[string]any) { delete(d, "info") }},
		{"AsyncAPI 2", func(d map[string]any) { d["asyncapi"] = "2.6.0" }},
		{"an operation action", func(d map[string]any) {
			op(d, "streamEvents")["action"] = "publish"
		}},
		{"a message field", func(d map[string]any) {
			msgs(d)["message"].(map[string]any)["class"] = "durable"
		}},
		{"an extension name", func(d map[string]any) {
			m := msgs(d)["message"].(map[string]any)
			m["tickertalk-class"] = m[ExtClass]
		}},
		{"an HTTP method", func(d map[string]any) {
			op(d, "sendMessage")["bindings"].(map[string]any)["http"].(map[string]any)["method"] = "FETCH"
		}},
	}
	for _, tc := range broken {
		t.Run(tc.name, func(t *testing.T) {
			d := Document(tt.Kinds(), source(t))
			tc.break_(d)
			if err := sch.Validate(generic(t, d)); err == nil {
				t.Fatal("the AsyncAPI schema accepted a broken document")
			}
		})
	}
}

func op(d map[string]any, name string) map[string]any {
	return d["operations"].(map[string]any)[name].(map[string]any)
}

func msgs(d map[string]any) map[string]any {
	return d["components"].(map[string]any)["messages"].(map[string]any)
}

// TestDocumentMatchesRegistry checks that every kind, the declared ones
// and test kinds of every shape, is a message of the stream with its class,
// and that its payload schema accepts what encoding/json makes of a value
// of its type and refuses an unknown or missing field.
func TestDocumentMatchesRegistry(t *testing.T) {
	kinds := append(tt.Kinds(), testKinds()...)
	doc := Document(kinds, source(t))
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	const base = "file:///asyncapi.json"
	if err := c.AddResource(base, generic(t, doc)); err != nil {
		t.Fatal(err)
	}
	stream := doc["channels"].(map[string]any)[chanStream].(map[string]any)["messages"].(map[string]any)
	streamOps := op(doc, "streamEvents")["messages"].([]any)
	for i, k := range kinds {
		t.Run(k.Name, func(t *testing.T) {
			m, ok := msgs(doc)[k.Name].(map[string]any)
			if !ok {
				t.Fatalf("no message %q", k.Name)
			}
			if m["name"] != k.Name || m[ExtClass] != k.Class.String() || m[ExtSSEID] != k.Class.HasID() {
				t.Errorf("message %q: name %v, class %v, sse id %v; want %s, %v, %v",
					k.Name, m["name"], m[ExtClass], m[ExtSSEID], k.Name, k.Class, k.Class.HasID())
			}
			if stream[k.Name] == nil {
				t.Errorf("the stream channel does not list %q", k.Name)
			}
			if got := streamOps[i].(map[string]any)["$ref"]; got != "#/channels/"+chanStream+"/messages/"+k.Name {
				t.Errorf("streamEvents message %d is %v, want %s", i, got, k.Name)
			}
			sch, err := c.Compile(base + "#/components/messages/" + k.Name + "/payload")
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range []any{reflect.New(k.Type).Elem().Interface(), filled(k.Type).Interface()} {
				inst := instance(t, v)
				if err := sch.Validate(inst); err != nil {
					t.Errorf("the schema of %q refuses %s:\n%v", k.Name, mustJSON(v), err)
				}
				obj := inst.(map[string]any)
				obj["notAField"] = 1
				if sch.Validate(obj) == nil {
					t.Errorf("the schema of %q accepts an unknown field", k.Name)
				}
				delete(obj, "notAField")
				for name := range obj {
					if !isRequired(k.Type, name) {
						continue
					}
					saved := obj[name]
					delete(obj, name)
					if sch.Validate(obj) == nil {
						t.Errorf("the schema of %q accepts a value without %q", k.Name, name)
					}
					obj[name] = saved
				}
			}
		})
	}
}

// isRequired reports whether encoding/json always writes the field name of
// struct t (no omitempty), looking into embedded structs.
func isRequired(t reflect.Type, name string) bool {
	s := newSchemas(nil)
	var req []any
	s.fields(t, map[string]any{}, &req)
	for _, r := range req {
		if r == name {
			return true
		}
	}
	return false
}

func instance(t *testing.T, v any) any {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(mustJSON(v)))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// filled returns a value of t with every field set to something that is
// not its zero value, so that omitempty leaves nothing out; a recursive
// type is filled three levels deep.
func filled(t reflect.Type) reflect.Value { return fill(t, 0) }

func fill(t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	if depth > 3 {
		return v
	}
	switch {
	case t == timeType:
		v.Set(reflect.ValueOf(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)))
		return v
	case t == rawType:
		v.Set(reflect.ValueOf(json.RawMessage(`{"any":[1,"x"]}`)))
		return v
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(-7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.String:
		v.SetString("x")
	case reflect.Pointer:
		v.Set(fill(t.Elem(), depth+1).Addr())
	case reflect.Slice:
		v.Set(reflect.Append(reflect.MakeSlice(t, 0, 1), fill(t.Elem(), depth+1)))
	case reflect.Array:
		for i := 0; i < t.Len(); i++ {
			v.Index(i).Set(fill(t.Elem(), depth+1))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(t))
		v.SetMapIndex(fill(t.Key(), depth+1), fill(t.Elem(), depth+1))
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() || f.Anonymous {
				if v.Field(i).CanSet() {
					v.Field(i).Set(fill(f.Type, depth+1))
				}
			}
		}
	}
	return v
}

// Test kinds of every shape the schema derivation handles. They are
// described by hand, not declared, so that the registry (and the checked-in
// document) stays the server's.
type (
	testPoll struct {
		Room     string            `json:"room"`
		Question string            `json:"question"`
		Options  []testOption      `json:"options"`
		Votes    map[string]int    `json:"votes,omitempty"`
		Closes   *time.Time        `json:"closes,omitempty"`
		Meta     json.RawMessage   `json:"meta,omitempty"`
		Count    int64             `json:"count,string"`
		Flags    [2]bool           `json:"flags"`
		Tags     map[string]string `json:"tags"`
		Owner    *testOption       `json:"owner"`
		Secret   string            `json:"-"`
		internal int
		testEmbedded
	}
	testOption struct {
		Label string  `json:"label"`
		Score float64 `json:"score,omitzero"`
		Next  *testOption
	}
	testEmbedded struct {
		Seq  uint32 `json:"seq"`
		Note string `json:"note,omitempty"`
	}
	testSignal struct {
		Room string `json:"room"`
	}
)

func (p testPoll) EventRoom() string   { return p.Room }
func (p testPoll) Validate() error     { return nil }
func (s testSignal) EventRoom() string { return s.Room }

func testKinds() []*tt.KindInfo {
	_ = testPoll{}.internal
	return []*tt.KindInfo{
		{Name: "test-poll", Class: tt.Durable, Doc: "A poll.", Type: reflect.TypeFor[testPoll]()},
		{Name: "test-signal", Class: tt.Signal, Doc: "A signal.", Type: reflect.TypeFor[testSignal]()},
	}
}

// TestDescriptionsFromComments checks that a payload's schema and its
// fields are described by their doc comments in the source.
func TestDescriptionsFromComments(t *testing.T) {
	schemas := Document(tt.Kinds(), source(t))["components"].(map[string]any)["schemas"].(map[string]any)
	msg := schemas["ChatMessage"].(map[string]any)
	if d, _ := msg["description"].(string); !strings.HasPrefix(d, "ChatMessage is ") {
		t.Errorf("ChatMessage's description is %q, want its doc comment", d)
	}
	field := msg["properties"].(map[string]any)["clientId"].(map[string]any)
	if d, _ := field["description"].(string); !strings.HasPrefix(d, "ClientID is ") {
		t.Errorf("ChatMessage.clientId's description is %q, want its doc comment", d)
	}
	if _, ok := Document(tt.Kinds(), nil)["components"].(map[string]any)["schemas"].(map[string]any)["ChatMessage"].(map[string]any)["description"]; ok {
		t.Error("a document without the source has descriptions")
	}
}
