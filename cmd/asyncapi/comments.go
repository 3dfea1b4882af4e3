package main

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// comments reads the doc comments of the module's struct types and their
// fields from the source, for the schemas' descriptions. It reads each
// package once; it is used by one goroutine.
type comments struct {
	root, module string
	pkgs         map[string]map[string]typeDoc // package path -> type name -> docs
}

// typeDoc is what the source says about one struct type.
type typeDoc struct {
	doc    string
	fields map[string]string // Go field name -> its comment
}

// newComments finds the module that holds the working directory (go.mod
// in it or above it).
func newComments() (*comments, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if m, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
					return &comments{root: dir, module: strings.TrimSpace(m), pkgs: map[string]map[string]typeDoc{}}, nil
				}
			}
			return nil, fmt.Errorf("%s/go.mod names no module", dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, errors.New("no go.mod in the working directory or above it: run from the module")
		}
		dir = parent
	}
}

// of returns the docs of the named type t; nothing for a type outside the
// module.
func (c *comments) of(t reflect.Type) typeDoc {
	if c == nil || t.Name() == "" {
		return typeDoc{}
	}
	pkg := t.PkgPath()
	rel, ok := strings.CutPrefix(pkg, c.module)
	if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) {
		return typeDoc{}
	}
	types, ok := c.pkgs[pkg]
	if !ok {
		types = parseTypes(filepath.Join(c.root, filepath.FromSlash(rel)))
		c.pkgs[pkg] = types
	}
	return types[t.Name()]
}

// parseTypes reads the struct types of the package in dir, its tests left
// out; a file that does not parse is skipped (the compiler has said why).
func parseTypes(dir string) map[string]typeDoc {
	types := map[string]typeDoc{}
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			continue
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				doc := ts.Doc
				if doc == nil && len(gen.Specs) == 1 {
					doc = gen.Doc
				}
				td := typeDoc{doc: clean(doc), fields: map[string]string{}}
				for _, field := range st.Fields.List {
					text := clean(field.Doc)
					if text == "" {
						text = clean(field.Comment)
					}
					for _, n := range field.Names {
						td.fields[n.Name] = text
					}
				}
				types[ts.Name.Name] = td
			}
		}
	}
	return types
}

// clean is a comment as one paragraph of text.
func clean(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	return strings.Join(strings.Fields(g.Text()), " ")
}
