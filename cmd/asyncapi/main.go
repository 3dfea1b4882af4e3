// Command asyncapi writes the AsyncAPI 3.0 document of the Tickertalk
// protocol, generated from the event registry: every kind the server
// declares is a message of the event stream, with its payload's JSON
// Schema derived from its Go type (described by the doc comments of the
// source, so it runs inside the module) and its delivery class.
//
//	go run ./cmd/asyncapi -o docs/asyncapi.json   (make docs)
//
// Without -o it writes to standard output. The document's test fails when
// docs/asyncapi.json differs from what this command writes.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	tt "tickertalk/app"
	// Every kind the server binary declares, wherever it is declared.
	_ "tickertalk/node"
)

func main() {
	out := flag.String("o", "", "write the document to this file instead of standard output")
	flag.Parse()
	src, err := newComments()
	var data []byte
	if err == nil {
		data, err = Encode(Document(tt.Kinds(), src))
	}
	if err == nil {
		if *out == "" {
			_, err = os.Stdout.Write(data)
		} else {
			err = os.WriteFile(*out, data, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "asyncapi:", err)
		os.Exit(1)
	}
}

// Encode returns doc as indented JSON ending in a newline; object keys are
// sorted, so the same document gives the same bytes.
func Encode(doc map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode the AsyncAPI document: %w", err)
	}
	return buf.Bytes(), nil
}
