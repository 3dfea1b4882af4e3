package main

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// schemaRefPrefix is where the document keeps the schemas of named types.
const schemaRefPrefix = "#/components/schemas/"

// schemas derives JSON Schemas (draft 07, the dialect AsyncAPI 3.0 embeds)
// from Go types as encoding/json encodes them. A named struct becomes one
// entry of components.schemas, referred to by $ref wherever it is used;
// everything else is inlined. It is used by one goroutine.
type schemas struct {
	defs  map[string]any          // components.schemas
	names map[reflect.Type]string // named struct -> its key in defs
	src   *comments               // descriptions from the doc comments; nil: none
}

func newSchemas(src *comments) *schemas {
	return &schemas{defs: make(map[string]any), names: make(map[reflect.Type]string), src: src}
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
	textType      = reflect.TypeFor[encoding.TextMarshaler]()
)

// of returns the schema of a value of type t.
func (s *schemas) of(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{"description": "any JSON value"}
	case t.Kind() == reflect.Pointer:
		// A nil pointer encodes as null.
		return map[string]any{"anyOf": []any{s.of(t.Elem()), map[string]any{"type": "null"}}}
	case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
		return map[string]any{"description": "any JSON value (" + t.String() + " encodes itself)"}
	case t.Implements(textType) || reflect.PointerTo(t).Implements(textType):
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": []any{"string", "null"}, "contentEncoding": "base64"}
		}
		// A nil slice encodes as null.
		return map[string]any{"type": []any{"array", "null"}, "items": s.of(t.Elem())}
	case reflect.Array:
		return map[string]any{"type": "array", "items": s.of(t.Elem()),
			"minItems": t.Len(), "maxItems": t.Len()}
	case reflect.Map:
		// A nil map encodes as null; keys are strings (or encode to them).
		return map[string]any{"type": []any{"object", "null"}, "additionalProperties": s.of(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return s.object(t)
		}
		return map[string]any{"$ref": schemaRefPrefix + s.define(t)}
	case reflect.Interface:
		return map[string]any{"description": "any JSON value"}
	}
	panic(fmt.Sprintf("asyncapi: no JSON schema for %v: encoding/json cannot encode it", t))
}

// define adds the named struct t to defs, once, and returns its key: the
// type's name, qualified by its package's when two packages use it.
func (s *schemas) define(t reflect.Type) string {
	if name, ok := s.names[t]; ok {
		return name
	}
	name := t.Name()
	if _, taken := s.defs[name]; taken {
		pkg := t.PkgPath()
		name = pkg[strings.LastIndex(pkg, "/")+1:] + "." + name
	}
	s.names[t] = name
	s.defs[name] = nil // reserved: a recursive type refers to itself
	s.defs[name] = s.object(t)
	return name
}

// object is the schema of the struct t: one property per field encoding/json
// writes, required unless omitempty or omitzero may leave it out. Fields
// of embedded structs are lifted, as encoding/json does.
func (s *schemas) object(t reflect.Type) map[string]any {
	props := make(map[string]any)
	var required []any
	s.fields(t, props, &required)
	obj := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if d := s.src.of(t).doc; d != "" {
		obj["description"] = d
	}
	if len(required) > 0 {
		obj["required"] = required
	}
	return obj
}

func (s *schemas) fields(t reflect.Type, props map[string]any, required *[]any) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				s.fields(ft, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		var schema map[string]any
		if hasOpt(opts, "string") && isScalar(f.Type) {
			schema = map[string]any{"type": "string"}
		} else {
			schema = s.of(f.Type)
		}
		if d := s.src.of(t).fields[f.Name]; d != "" {
			schema = describe(schema, d)
		}
		props[name] = schema
		if !hasOpt(opts, "omitempty") && !hasOpt(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
}

func hasOpt(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// isScalar reports whether the ",string" option applies to t.
func isScalar(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// describe adds the description d to schema; a reference is wrapped, since
// draft 07 ignores the keywords beside a $ref.
func describe(schema map[string]any, d string) map[string]any {
	if _, isRef := schema["$ref"]; isRef {
		return map[string]any{"description": d, "allOf": []any{schema}}
	}
	schema["description"] = d
	return schema
}
