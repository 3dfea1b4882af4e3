package store

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
)

// credentialsFile holds the generated NATS credentials under DataDir.
const credentialsFile = "nats-credentials"

// generatedUser is the user name of generated credentials.
const generatedUser = "tickertalk"

// credentials are the user and password clients of the embedded server's
// TCP listener must present.
type credentials struct {
	User     string `json:"user"`
	Password string `json:"password"`
}

// listenerCredentials returns cfg's credentials, or when both are empty the
// ones stored in DataDir/nats-credentials, generated (and stored, mode
// 0600) on first use, so that other nodes keep theirs across restarts.
// generated reports that they came from the file.
func listenerCredentials(cfg Config) (c credentials, generated bool, err error) {
	if cfg.User != "" {
		return credentials{cfg.User, cfg.Password}, false, nil
	}
	path := filepath.Join(cfg.DataDir, credentialsFile)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &c); err != nil || c.User == "" || c.Password == "" {
			return credentials{}, false, fmt.Errorf("store: %s is not a credentials file (remove it to generate new ones)", path)
		}
		// Tighten a file copied or restored with looser permissions.
		if err := os.Chmod(path, 0o600); err != nil {
			return credentials{}, false, fmt.Errorf("store: credentials: %w", err)
		}
		return c, true, nil
	case !errors.Is(err, fs.ErrNotExist):
		return credentials{}, false, fmt.Errorf("store: credentials: %w", err)
	}
	c = credentials{User: generatedUser, Password: rand.Text()}
	if data, err = json.Marshal(c); err != nil {
		return credentials{}, false, fmt.Errorf("store: credentials: %w", err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return credentials{}, false, fmt.Errorf("store: credentials: %w", err)
	}
	tmp, err := os.CreateTemp(cfg.DataDir, credentialsFile+".*")
	if err != nil {
		return credentials{}, false, fmt.Errorf("store: credentials: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return credentials{}, false, fmt.Errorf("store: credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return credentials{}, false, fmt.Errorf("store: credentials: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return credentials{}, false, fmt.Errorf("store: credentials: %w", err)
	}
	return c, true, nil
}

// withCredentials returns rawURL with c as its user information.
func withCredentials(rawURL string, c credentials) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	u.User = url.UserPassword(c.User, c.Password)
	return u.String()
}
