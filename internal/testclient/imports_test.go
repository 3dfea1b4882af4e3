package testclient

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyTestsImportInternal: the packages under tickertalk/internal are
// test helpers. No product package may depend on them (only the e2e
// harness, itself test code, and they themselves), and neither may the
// binary or app.wasm: they would bring the testing package along, and
// net/http into the wasm.
func TestOnlyTestsImportInternal(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("this test lists packages with the go command: %v", err)
	}
	list := func(env []string, args ...string) []string {
		t.Helper()
		cmd := exec.Command(goTool, append([]string{"list"}, args...)...)
		cmd.Env = append(cmd.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			msg := ""
			if ee, ok := err.(*exec.ExitError); ok {
				msg = string(ee.Stderr)
			}
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
		}
		return strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	isInternal := func(pkg string) bool { return strings.HasPrefix(pkg, "tickertalk/internal/") }

	// Every package's dependencies, tests left out (go list's default).
	for _, line := range list(nil, "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "tickertalk/...") {
		pkg, deps, _ := strings.Cut(line, " ")
		if pkg == "tickertalk/e2e" || isInternal(pkg) {
			continue
		}
		for _, d := range strings.Fields(deps) {
			if isInternal(d) {
				t.Errorf("product package %s depends on the test helper %s", pkg, d)
			}
		}
	}
	for _, d := range list([]string{"GOOS=js", "GOARCH=wasm"}, "-deps", "tickertalk") {
		if isInternal(d) || d == "testing" {
			t.Errorf("app.wasm depends on %s", d)
		}
	}
}
