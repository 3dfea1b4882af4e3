// Command precompress writes brotli (.br) and gzip (.gz) copies of files
// next to them, for servers that pick a stored encoding by Accept-Encoding
// instead of compressing on every request (package pwa does this for
// app.wasm):
//
//	go run ./cmd/precompress web/app.wasm
//
// Each output is written atomically (a temporary file renamed into place)
// and skipped when it is already newer than its input. It prints the raw,
// brotli and gzip sizes.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	quality := flag.Int("brotli-quality", DefaultBrotliQuality, "brotli quality, 0 (fastest) to 11 (smallest)")
	force := flag.Bool("force", false, "rewrite outputs even when they are newer than their input")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: precompress [flags] file...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	for _, name := range flag.Args() {
		res, err := Precompress(name, Options{BrotliQuality: *quality, Force: *force})
		if err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			os.Exit(1)
		}
		fmt.Println(res)
	}
}
