package config

import (
	"fmt"
	"io"
	"strings"
)

// writeUsage writes the --help text: every flag with its value kind, its
// meaning, its environment variable and its default.
func writeUsage(w io.Writer, opts []option) {
	def := Default()
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: %s [flags]\n\n", Program)
	b.WriteString("Tickertalk serves a live market ticker and a multi-room chat over Server-Sent Events.\n\n")
	fmt.Fprintf(&b, "Every flag --foo-bar can also be set with the environment variable %sFOO_BAR;\n", EnvPrefix)
	b.WriteString("a flag on the command line wins over the environment, which wins over the default.\n\n")
	b.WriteString("Flags:\n")
	for _, o := range opts {
		fmt.Fprintf(&b, "  --%s", o.name)
		if o.arg != "" {
			fmt.Fprintf(&b, " %s", o.arg)
		}
		fmt.Fprintf(&b, "\n      %s\n      env %s, default %s\n", o.usage, EnvName(o.name), o.show(def))
	}
	b.WriteString("  -h, --help\n      show this help\n")
	io.WriteString(w, b.String())
}
