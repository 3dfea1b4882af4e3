package config

import (
	"bytes"
	"errors"
	"flag"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// env returns a getenv over the pairs "NAME=value".
func env(pairs ...string) func(string) string {
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		k, v, _ := strings.Cut(p, "=")
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func mustParse(t *testing.T, args []string, getenv func(string) string) Config {
	t.Helper()
	var out bytes.Buffer
	c, err := Parse(args, getenv, &out)
	if err != nil {
		t.Fatalf("Parse(%q): %v", args, err)
	}
	if out.Len() != 0 {
		t.Errorf("Parse(%q) wrote %q", args, out.String())
	}
	return c
}

func TestDefaults(t *testing.T) {
	c := mustParse(t, nil, env())
	want := Config{
		Addr:         ":8000",
		DataDir:      "./data",
		NATSURL:      "",
		SendRate:     5,
		SendBurst:    20,
		History:      10000,
		Tick:         time.Second,
		Symbols:      []string{"ACME", "GLOBEX", "INITECH", "UMBRELLA", "STARK", "WAYNE", "HOOLI", "TYRELL"},
		Seed:         0,
		Heartbeat:    15 * time.Second,
		WriteTimeout: 10 * time.Second,
		QueueBytes:   1 << 20,
		SyncAlways:   false,
		WebDir:       "",
		LogLevel:     "info",
		LogFormat:    "text",
		SessionTTL:   24 * time.Hour,
		SessionRate:  10,
		SessionBurst: 20,
		MaxSessions:  100_000,

		NATSClusterName: "tickertalk",

		MaxStreamsPerIP: 500,
		BodyTimeout:     10 * time.Second,

		ReplayMax:      5000,
		ReplayMaxBytes: 8 << 20,

		HistoryCacheBytes: 64 << 20,
		MaxStoreBytes:     1 << 30,
		MaxRooms:          10000,
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if !reflect.DeepEqual(Default(), want) {
		t.Fatalf("Default() = %+v", Default())
	}
}

// everyOption sets every option to a valid value other than its default.
func everyOption() []struct {
	flag, value string
	check       func(Config) bool
} {
	return []struct {
		flag, value string
		check       func(Config) bool
	}{
		{"addr", "127.0.0.1:9000", func(c Config) bool { return c.Addr == "127.0.0.1:9000" }},
		{"data-dir", "/tmp/x", func(c Config) bool { return c.DataDir == "/tmp/x" }},
		{"nats-url", "nats://127.0.0.1:4222,127.0.0.1:4223", func(c Config) bool { return c.NATSURL == "nats://127.0.0.1:4222,127.0.0.1:4223" }},
		{"nats-listen", "127.0.0.1:4222", func(c Config) bool { return c.NATSListen == "127.0.0.1:4222" }},
		{"nats-user", "node-b", func(c Config) bool { return c.NATSUser == "node-b" }},
		{"nats-password", "pa55:w@rd", func(c Config) bool { return c.NATSPassword == "pa55:w@rd" }},
		{"nats-cluster-listen", "127.0.0.1:6222", func(c Config) bool { return c.NATSClusterListen == "127.0.0.1:6222" }},
		{"nats-routes", "nats-route://10.0.0.2:6222, 10.0.0.3:6222", func(c Config) bool {
			return reflect.DeepEqual(c.NATSRoutes, []string{"10.0.0.2:6222", "10.0.0.3:6222"})
		}},
		{"nats-cluster-name", "chat-eu_1", func(c Config) bool { return c.NATSClusterName == "chat-eu_1" }},
		{"replicas", "3", func(c Config) bool { return c.Replicas == 3 }},
		{"send-rate", "0.5", func(c Config) bool { return c.SendRate == 0.5 }},
		{"send-burst", "3", func(c Config) bool { return c.SendBurst == 3 }},
		{"history", "42", func(c Config) bool { return c.History == 42 }},
		{"tick", "250ms", func(c Config) bool { return c.Tick == 250*time.Millisecond }},
		{"symbols", "AAA, BRK.B", func(c Config) bool { return reflect.DeepEqual(c.Symbols, []string{"AAA", "BRK.B"}) }},
		{"seed", "-7", func(c Config) bool { return c.Seed == -7 }},
		{"heartbeat", "2s", func(c Config) bool { return c.Heartbeat == 2*time.Second }},
		{"write-timeout", "3s", func(c Config) bool { return c.WriteTimeout == 3*time.Second }},
		{"queue-bytes", "64KiB", func(c Config) bool { return c.QueueBytes == 64<<10 }},
		{"max-streams", "100", func(c Config) bool { return c.MaxStreams == 100 }},
		{"max-streams-per-ip", "0", func(c Config) bool { return c.MaxStreamsPerIP == 0 }},
		{"body-timeout", "3s", func(c Config) bool { return c.BodyTimeout == 3*time.Second }},
		{"allowed-origins", "HTTPS://Chat.example.com, http://127.0.0.1:8000", func(c Config) bool {
			return reflect.DeepEqual(c.AllowedOrigins, []string{"https://chat.example.com", "http://127.0.0.1:8000"})
		}},
		{"replay-max", "20000", func(c Config) bool { return c.ReplayMax == 20000 }},
		{"replay-max-bytes", "64MiB", func(c Config) bool { return c.ReplayMaxBytes == 64<<20 }},
		{"sync-always", "true", func(c Config) bool { return c.SyncAlways }},
		{"web-dir", "/srv/web", func(c Config) bool { return c.WebDir == "/srv/web" }},
		{"pprof-addr", "127.0.0.1:6060", func(c Config) bool { return c.PprofAddr == "127.0.0.1:6060" }},
		{"log-level", "DEBUG", func(c Config) bool { return c.LogLevel == "debug" }},
		{"log-format", "json", func(c Config) bool { return c.LogFormat == "json" }},
		{"session-ttl", "90m", func(c Config) bool { return c.SessionTTL == 90*time.Minute }},
		{"session-rate", "2.5", func(c Config) bool { return c.SessionRate == 2.5 }},
		{"session-burst", "4", func(c Config) bool { return c.SessionBurst == 4 }},
		{"max-sessions", "0", func(c Config) bool { return c.MaxSessions == 0 }},
		{"trusted-proxies", "10.0.0.0/8, 192.0.2.7,::1", func(c Config) bool {
			return reflect.DeepEqual(c.TrustedProxies, []netip.Prefix{
				netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("::1/128")})
		}},
		{"cookie-secure", "true", func(c Config) bool { return c.CookieSecure }},
		{"history-cache-bytes", "8MiB", func(c Config) bool { return c.HistoryCacheBytes == 8<<20 }},
		{"max-store-bytes", "0", func(c Config) bool { return c.MaxStoreBytes == 0 }},
		{"max-rooms", "50", func(c Config) bool { return c.MaxRooms == 50 }},
		{"memory-limit", "512MiB", func(c Config) bool { return c.MemoryLimit == 512<<20 }},

		{"tls-cert", "/etc/tt/cert.pem", func(c Config) bool { return c.TLSCert == "/etc/tt/cert.pem" }},
		{"tls-key", "/etc/tt/key.pem", func(c Config) bool { return c.TLSKey == "/etc/tt/key.pem" }},
	}
}

// clusterEnv is the credentials a clustered node needs.
var clusterEnv = []string{"TICKERTALK_NATS_USER=tt", "TICKERTALK_NATS_PASSWORD=secret"}

// companions are the environment a flag is valid only with: --tls-cert
// and --tls-key go together.
var companions = map[string][]string{
	"nats-cluster-listen": clusterEnv,
	"nats-routes":         append([]string{"TICKERTALK_NATS_CLUSTER_LISTEN=127.0.0.1:6222"}, clusterEnv...),
	"nats-cluster-name":   nil,
	"replicas":            {"TICKERTALK_NATS_URL=nats://127.0.0.1:4222"},
	"tls-cert":            {"TICKERTALK_TLS_KEY=/etc/tt/key.pem"},
	"tls-key":             {"TICKERTALK_TLS_CERT=/etc/tt/cert.pem"},
}

func TestEveryOptionFromFlagAndEnv(t *testing.T) {
	everything := everyOption()
	if got, want := len(everything), len(options()); got != want {
		t.Fatalf("test covers %d options, there are %d", got, want)
	}
	for _, o := range everything {
		t.Run(o.flag, func(t *testing.T) {
			if o.check(Default()) {
				t.Fatalf("%s: test value equals the default", o.flag)
			}
			for _, args := range [][]string{{"--" + o.flag + "=" + o.value}, {"-" + o.flag, o.value}} {
				if (o.flag == "sync-always" || o.flag == "cookie-secure") && len(args) == 2 {
					args = args[:1] // a bool flag stands alone
				}
				if c := mustParse(t, args, env(companions[o.flag]...)); !o.check(c) {
					t.Errorf("flag %q not applied: %+v", args, c)
				}
			}
			if c := mustParse(t, nil, env(append([]string{EnvName(o.flag) + "=" + o.value}, companions[o.flag]...)...)); !o.check(c) {
				t.Errorf("env %s=%q not applied: %+v", EnvName(o.flag), o.value, c)
			}
		})
	}
}

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  []string
		want func(Config) bool
	}{
		{"env over default", nil, []string{"TICKERTALK_ADDR=:9001"}, func(c Config) bool { return c.Addr == ":9001" }},
		{"flag over env", []string{"--addr", ":9002"}, []string{"TICKERTALK_ADDR=:9001"}, func(c Config) bool { return c.Addr == ":9002" }},
		{"flag over default", []string{"--tick=100ms"}, nil, func(c Config) bool { return c.Tick == 100*time.Millisecond }},
		{"empty env is unset", nil, []string{"TICKERTALK_ADDR="}, func(c Config) bool { return c.Addr == ":8000" }},
		{"explicit empty flag", []string{"--nats-url="}, []string{"TICKERTALK_NATS_URL=nats://127.0.0.1:4222"}, func(c Config) bool { return c.NATSURL == "" }},
		{"bool flag over env", []string{"--sync-always=false"}, []string{"TICKERTALK_SYNC_ALWAYS=1"}, func(c Config) bool { return !c.SyncAlways }},
		{"rate 0 allows burst 0", []string{"--send-rate=0", "--send-burst=0"}, nil, func(c Config) bool { return c.SendRate == 0 && c.SendBurst == 0 }},
		{"others keep defaults", []string{"--seed=5"}, []string{"TICKERTALK_HISTORY=7"}, func(c Config) bool {
			d := Default()
			d.Seed, d.History = 5, 7
			return reflect.DeepEqual(c, d)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if c := mustParse(t, tc.args, env(tc.env...)); !tc.want(c) {
				t.Fatalf("Parse(%q, %q) = %+v", tc.args, tc.env, c)
			}
		})
	}
}

func TestInvalidValues(t *testing.T) {
	bad := map[string][]string{
		"addr":                {"8000", "localhost", "host:port", ":70000", ":-1", "a b:80"},
		"data-dir":            {" "},
		"nats-url":            {"http://127.0.0.1:4222", "nats://", "nats://a:1,,nats://b:2", "nats://a b:1"},
		"nats-listen":         {"4222", "localhost", "a b:4222", ":70000"},
		"nats-user":           {"a b", " lead", strings.Repeat("u", 257)},
		"nats-password":       {"pass word", "trail ", strings.Repeat("p", 73)},
		"nats-cluster-listen": {"6222", "a b:6222", ":70000"},
		"nats-routes":         {"6222", "http://a:6222", "nats-route://u:p@a:6222", ",", ":6222", "a:x"},
		"nats-cluster-name":   {"a b", "é", strings.Repeat("n", 65)},
		"replicas":            {"-1", "6", "three"},
		"send-rate":           {"fast", "-1", "NaN", "Inf", "1e9"},
		"send-burst":          {"x", "-1", "1.5", "2000000"},
		"history":             {"0", "-5", "1000001", "lots"},
		"tick":                {"0", "5ms", "2s", "1", "-1s", "soon"},
		"symbols":             {",", "acme", "ACME,ACME", "TOOLONGSYMBOL", "AC ME"},
		"seed":                {"x", "1.5", "99999999999999999999"},
		"heartbeat":           {"0", "50ms", "16s", "15"},
		"write-timeout":       {"0", "1ms", "11m", "x"},
		"queue-bytes":         {"0", "100", "2GiB", "1TiB", "lots", "-1MiB", "1.5MiB"},
		"sync-always":         {"maybe", "2"},
		"log-level":           {"verbose", "trace", "warning"},
		"log-format":          {"xml", "logfmt"},
		"session-ttl":         {"0", "500ms", "9000h", "x"},
		"session-rate":        {"-1", "fast", "2e6"},
		"session-burst":       {"-1", "x", "2000000"},
		"max-sessions":        {"-1", "x", "1e9", "200000000"},
		"trusted-proxies":     {"10.0.0.0/33", "proxy.example", "10.0.0.1,,10.0.0.2"},
		"cookie-secure":       {"maybe"},

		"max-streams":        {"-1", "x", "10000001", "1.5"},
		"max-streams-per-ip": {"-1", "many", "10000001"},
		"body-timeout":       {"0", "500ms", "11m", "10"},
		"allowed-origins":    {"chat.example.com", "ftp://a", "https://", "https://a/path", "https://a?x=1", "https://u@a", "https://a,,https://b", "https://a#x"},

		"replay-max":       {"0", "-1", "10000001", "1.5", "all"},
		"replay-max-bytes": {"0", "100", "2TiB", "lots", "-1MiB"},

		"history-cache-bytes": {"-1", "65GiB", "lots", "1.5MiB"},
		"max-store-bytes":     {"1KiB", "-1", "2000GiB", "x"},
		"max-rooms":           {"-1", "1000001", "many"},
		"memory-limit":        {"1MiB", "-1", "2000GiB", "x"},
		"pprof-addr":          {":6060", "0.0.0.0:6060", "192.168.1.2:6060", "example.com:6060", "[::]:6060", "6060", "127.0.0.1:70000"},

		"tls-cert": {" "},
		"tls-key":  {"  "},
	}
	for _, o := range options() {
		if _, ok := bad[o.name]; !ok && o.name != "web-dir" {
			t.Errorf("no invalid values tested for --%s", o.name)
		}
	}
	valid := make(map[string]string)
	for _, o := range everyOption() {
		valid[o.flag] = o.value
	}
	for name, values := range bad {
		for _, v := range values {
			t.Run(name+"="+v, func(t *testing.T) {
				envName := EnvName(name)
				for _, src := range []struct {
					source string
					args   []string
					env    []string
				}{
					{"flag", []string{"--" + name + "=" + v}, nil},
					{"environment", nil, []string{envName + "=" + v}},
					// A bad environment value is reported even when a flag overrides it.
					{"environment", []string{"--" + name + "=" + valid[name]}, []string{envName + "=" + v}},
				} {
					var out bytes.Buffer
					_, err := Parse(src.args, env(src.env...), &out)
					var ve *ValueError
					if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
						t.Fatalf("Parse(%q, %q) = %v, want a ValueError", src.args, src.env, err)
					}
					msg := err.Error()
					for _, want := range []string{"--" + name, envName, `"` + v + `"`, src.source} {
						if !strings.Contains(msg, want) {
							t.Errorf("error %q does not mention %q", msg, want)
						}
					}
					if ve.Flag != name || ve.Value != v || ve.Source != src.source {
						t.Errorf("ValueError %+v, want flag %s value %q from %s", ve, name, v, src.source)
					}
					if out.Len() != 0 {
						t.Errorf("Parse wrote %q on error", out.String())
					}
				}
			})
		}
	}
}

func TestBurstNeedsRate(t *testing.T) {
	tests := []struct {
		args   []string
		env    []string
		source string
	}{
		{[]string{"--send-burst=0"}, nil, "flag"},
		{nil, []string{"TICKERTALK_SEND_BURST=0"}, "environment"},
		{nil, []string{"TICKERTALK_SEND_BURST=0", "TICKERTALK_SEND_RATE=2"}, "environment"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.args, env(tc.env...), &bytes.Buffer{})
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Flag != "send-burst" || ve.Source != tc.source ||
			!strings.Contains(err.Error(), "TICKERTALK_SEND_BURST") || !strings.Contains(err.Error(), "--send-rate") {
			t.Errorf("Parse(%q, %q) = %v, want a send-burst error from the %s naming --send-rate", tc.args, tc.env, err, tc.source)
		}
	}
	_, err := Parse([]string{"--session-burst=0"}, env(), &bytes.Buffer{})
	if ve := (*ValueError)(nil); !errors.As(err, &ve) || ve.Flag != "session-burst" || !strings.Contains(err.Error(), "--session-rate") {
		t.Errorf("--session-burst=0 with the default rate: %v, want a session-burst error naming --session-rate", err)
	}
	if c := mustParse(t, []string{"--session-rate=0", "--session-burst=0"}, env()); c.SessionRate != 0 || c.SessionBurst != 0 {
		t.Errorf("--session-rate=0 --session-burst=0: %+v", c)
	}
}

func TestListenNeedsEmbedded(t *testing.T) {
	tests := []struct {
		args   []string
		env    []string
		source string
	}{
		{[]string{"--nats-listen=127.0.0.1:4222", "--nats-url=nats://127.0.0.1:4223"}, nil, "flag"},
		{nil, []string{"TICKERTALK_NATS_LISTEN=127.0.0.1:4222", "TICKERTALK_NATS_URL=127.0.0.1:4223"}, "environment"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.args, env(tc.env...), &bytes.Buffer{})
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Flag != "nats-listen" || ve.Source != tc.source || !strings.Contains(err.Error(), "--nats-url") {
			t.Errorf("Parse(%q, %q) = %v, want a nats-listen error from the %s naming --nats-url", tc.args, tc.env, err, tc.source)
		}
	}
	if c := mustParse(t, []string{"--nats-listen=127.0.0.1:4222"}, env()); c.NATSListen != "127.0.0.1:4222" || c.NATSURL != "" {
		t.Errorf("--nats-listen alone: %+v", c)
	}
}

// TestClusterFlagsGoTogether: each impossible combination of the
// clustering flags is refused with an error naming the flag at fault and
// what it needs; a full cluster configuration is accepted and resolves its
// replicas.
func TestClusterFlagsGoTogether(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		flag  string // "" for a valid configuration
		needs string
	}{
		{"cluster with nats-url", []string{"--nats-cluster-listen=127.0.0.1:6222", "--nats-url=127.0.0.1:4222", "--nats-user=u", "--nats-password=p"}, "nats-cluster-listen", "--nats-url"},
		{"routes alone", []string{"--nats-routes=127.0.0.1:6223"}, "nats-routes", "--nats-cluster-listen"},
		{"cluster without credentials", []string{"--nats-cluster-listen=127.0.0.1:6222"}, "nats-password", "--nats-user"},
		{"cluster without password", []string{"--nats-cluster-listen=127.0.0.1:6222", "--nats-user=u"}, "nats-password", "--nats-user"},
		{"replicas alone", []string{"--replicas=3"}, "replicas", "--nats-cluster-listen"},
		{"replicas 1 alone", []string{"--replicas=1"}, "", ""},
		{"full cluster", []string{"--nats-cluster-listen=127.0.0.1:6222", "--nats-routes=127.0.0.1:6223,127.0.0.1:6224", "--nats-user=u", "--nats-password=p"}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.args, env(), &bytes.Buffer{})
			if tc.flag == "" {
				if err != nil {
					t.Fatalf("Parse(%q) = %v, want valid", tc.args, err)
				}
				return
			}
			var ve *ValueError
			if !errors.As(err, &ve) || ve.Flag != tc.flag || !strings.Contains(err.Error(), tc.needs) {
				t.Fatalf("Parse(%q) = %v, want a %s error naming %s", tc.args, err, tc.flag, tc.needs)
			}
		})
	}
}

func TestStoreReplicas(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want int
	}{
		{"alone", Config{}, 1},
		{"explicit", Config{Replicas: 5, NATSURL: "nats://a:4222"}, 5},
		{"cluster of two", Config{NATSClusterListen: ":6222", NATSRoutes: []string{"b:6222"}}, 1},
		{"cluster of three", Config{NATSClusterListen: ":6222", NATSRoutes: []string{"b:6222", "c:6222"}}, 3},
		{"one external server", Config{NATSURL: "nats://a:4222"}, 1},
		{"three external servers", Config{NATSURL: "nats://a:4222,nats://b:4222,nats://c:4222"}, 3},
	}
	for _, tc := range tests {
		if got := tc.cfg.StoreReplicas(); got != tc.want {
			t.Errorf("%s: StoreReplicas() = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestTLSNeedsCertAndKey(t *testing.T) {
	tests := []struct {
		args    []string
		env     []string
		missing string
	}{
		{[]string{"--tls-cert=cert.pem"}, nil, "tls-key"},
		{nil, []string{"TICKERTALK_TLS_KEY=key.pem"}, "tls-cert"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.args, env(tc.env...), &bytes.Buffer{})
		var ve *ValueError
		if !errors.As(err, &ve) || ve.Flag != tc.missing || !strings.Contains(err.Error(), EnvName(tc.missing)) {
			t.Errorf("Parse(%q, %q) = %v, want a %s error", tc.args, tc.env, err, tc.missing)
		}
	}
	c := mustParse(t, []string{"--tls-cert=cert.pem", "--tls-key=key.pem"}, env())
	if !c.TLS() || Default().TLS() {
		t.Errorf("TLS() = %v with both, %v by default", c.TLS(), Default().TLS())
	}
}

func TestCommandLineErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--nope"},
		{"--addr"},
		{"serve"},
		{"--addr", ":1", "extra"},
	} {
		var out bytes.Buffer
		_, err := Parse(args, env(), &out)
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "--help") {
			t.Errorf("Parse(%q) = %v, want ErrUsage pointing at --help", args, err)
		}
		if out.Len() != 0 {
			t.Errorf("Parse(%q) wrote %q", args, out.String())
		}
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "-help"} {
		var out bytes.Buffer
		_, err := Parse([]string{"--tick=1s", arg}, env(), &out)
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("Parse(%s) = %v, want flag.ErrHelp", arg, err)
		}
		usage := out.String()
		for _, o := range options() {
			for _, want := range []string{"--" + o.name, EnvName(o.name), "default " + o.show(Default()), o.usage} {
				if !strings.Contains(usage, want) {
					t.Errorf("usage does not mention %q", want)
				}
			}
		}
		if arg == "--help" {
			t.Logf("usage:\n%s", usage)
		}
	}
}

func TestEnvName(t *testing.T) {
	for flag, want := range map[string]string{"addr": "TICKERTALK_ADDR", "send-rate": "TICKERTALK_SEND_RATE", "write-timeout": "TICKERTALK_WRITE_TIMEOUT"} {
		if got := EnvName(flag); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", flag, got, want)
		}
	}
}
