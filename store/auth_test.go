package store

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestListenerRefusesClientsWithoutCredentials: the embedded server's TCP
// listener accepts only clients that present its credentials, configured
// or generated; the in-process connection keeps working.
func TestListenerRefusesClientsWithoutCredentials(t *testing.T) {
	tests := []struct {
		name           string
		user, password string
	}{
		{"generated", "", ""},
		{"configured", "node", "s3cret-pass"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.ListenAddr, cfg.User, cfg.Password = "127.0.0.1:0", tc.user, tc.password
			s := openTest(t, cfg)
			withCreds, err := url.Parse(s.ClientURL())
			if err != nil || withCreds.User == nil {
				t.Fatalf("ClientURL %q: want a URL with credentials (%v)", s.ClientURL(), err)
			}
			if tc.user != "" {
				if p, _ := withCreds.User.Password(); withCreds.User.Username() != tc.user || p != tc.password {
					t.Fatalf("ClientURL credentials %v, want the configured ones", withCreds.User)
				}
			}
			bare := *withCreds
			bare.User = nil
			wrong := bare
			wrong.User = url.UserPassword(withCreds.User.Username(), "not-the-password")
			for _, u := range []string{bare.String(), wrong.String()} {
				nc, err := nats.Connect(u, nats.MaxReconnects(0), nats.Timeout(5*time.Second))
				if err == nil {
					nc.Close()
					t.Fatalf("connected to %s: want an authorization error", u)
				}
				if !errors.Is(err, nats.ErrAuthorization) {
					t.Errorf("connect to %s: %v, want %v", u, err, nats.ErrAuthorization)
				}
			}
			nc, err := nats.Connect(withCreds.String(), nats.MaxReconnects(0), nats.Timeout(5*time.Second))
			if err != nil {
				t.Fatalf("connect with the credentials: %v", err)
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			if _, err := js.Stream(ctx, streamName); err != nil {
				t.Errorf("stream %s with the credentials: %v", streamName, err)
			}
			if err := s.Ready(); err != nil {
				t.Errorf("the in-process connection: Ready() = %v", err)
			}
			_, statErr := os.Stat(filepath.Join(cfg.DataDir, credentialsFile))
			if got, want := s.CredentialsGenerated(), tc.user == ""; got != want || (statErr == nil) != want {
				t.Errorf("CredentialsGenerated %v, file present %v: want %v", got, statErr == nil, want)
			}
		})
	}
}

// TestGeneratedCredentialsArePrivateAndKept: generated credentials are
// stored readable by their owner only, and a restart keeps them, so the
// other nodes need not be reconfigured.
func TestGeneratedCredentialsArePrivateAndKept(t *testing.T) {
	cfg := testConfig(t)
	cfg.ListenAddr = "127.0.0.1:0"
	first, err := url.Parse(openStore(t, cfg).ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(cfg.DataDir, credentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("%s mode %v, want 0600", credentialsFile, got)
	}
	second, err := url.Parse(openStore(t, cfg).ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	if first.User.String() != second.User.String() {
		t.Errorf("credentials after a restart %v, want the first ones %v", second.User, first.User)
	}
}

// openStore opens a Store on cfg and closes it at once.
func openStore(t *testing.T, cfg Config) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return s
}
