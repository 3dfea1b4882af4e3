package config

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

func TestLogger(t *testing.T) {
	tests := []struct {
		level, format string
		want          slog.Level
	}{
		{"debug", "text", slog.LevelDebug},
		{"info", "json", slog.LevelInfo},
		{"warn", "text", slog.LevelWarn},
		{"error", "json", slog.LevelError},
	}
	for _, tc := range tests {
		c := mustParse(t, []string{"--log-level=" + tc.level, "--log-format=" + tc.format}, env())
		if got := c.Level(); got != tc.want {
			t.Errorf("Level() = %v, want %v", got, tc.want)
		}
		var out bytes.Buffer
		log := c.Logger(&out)
		if log.Enabled(context.Background(), tc.want-1) || !log.Enabled(context.Background(), tc.want) {
			t.Errorf("logger at %s: enabled levels wrong", tc.level)
		}
		log.Error("boom", "k", 1)
		line := strings.TrimSpace(out.String())
		var rec map[string]any
		if isJSON := json.Unmarshal([]byte(line), &rec) == nil; isJSON != (tc.format == "json") {
			t.Errorf("format %s wrote %q", tc.format, line)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"--tick=5s"}, nil, `invalid value "5s" for --tick (env TICKERTALK_TICK), from the flag: must be from 10ms to 1s`},
		{nil, []string{"TICKERTALK_HISTORY=lots"}, `invalid value "lots" for --history (env TICKERTALK_HISTORY), from the environment: must be a whole number`},
		{nil, []string{"TICKERTALK_SYMBOLS=ACME,acme"}, `invalid value "ACME,acme" for --symbols (env TICKERTALK_SYMBOLS), from the environment: market: invalid symbol "acme": may hold only A-Z, 0-9 and '.', and must start with a letter or digit`},
	} {
		_, err := Parse(tc.args, env(tc.env...), &bytes.Buffer{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q, %q) = %v\nwant %s", tc.args, tc.env, err, tc.want)
		}
	}
}
