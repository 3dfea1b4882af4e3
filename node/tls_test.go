package node

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"testing"
	"time"

	tt "tickertalk/app"
	"tickertalk/internal/testclient"
	"tickertalk/internal/testnode"
	"tickertalk/internal/wait"
)

// selfSigned writes a fresh self-signed certificate for 127.0.0.1 and its
// key as PEM files in a temporary directory, and returns their paths and a
// pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots
}

// TestTLSServesHTTP2: with --tls-cert and --tls-key a node serves HTTPS; a
// client that offers HTTP/2 gets it, for the API and for the event stream
// (which then shares the one connection), and the session cookie is Secure.
func TestTLSServesHTTP2(t *testing.T) {
	certFile, keyFile, roots := selfSigned(t)
	cfg := testnode.Config(t)
	cfg.Heartbeat = time.Second
	cfg.TLSCert, cfg.TLSKey = certFile, keyFile
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, testLogger(t), ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	base := "https://" + ln.Addr().String()

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: roots},
			ForceAttemptHTTP2: true,
		},
	}
	t.Cleanup(hc.CloseIdleConnections)
	var proto string
	wait.For(t, 15*time.Second, "node ready over HTTPS", func() bool {
		resp, err := hc.Get(base + tt.PathReady)
		if err != nil {
			return false
		}
		resp.Body.Close()
		proto = resp.Proto
		return resp.StatusCode == http.StatusOK
	})
	if proto != "HTTP/2.0" {
		t.Fatalf("GET %s over TLS answered with %s, want HTTP/2.0", tt.PathReady, proto)
	}

	sctx, scancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer scancel()
	s, err := testclient.DialStream(sctx, &http.Client{Transport: hc.Transport}, base+tt.PathEventStream, "")
	if err != nil {
		t.Fatalf("event stream over HTTP/2: %v", err)
	}
	defer s.Close()
	s.MustNextEvent(t, 10*time.Second, tt.EventUpdate)

	c := &testclient.Client{Client: hc, BaseURL: base, Origin: base}
	resp := c.Do(t, http.MethodPost, tt.PathSession, "application/json", `{"nick":"secure"}`, nil)
	if resp.Proto != "HTTP/2.0" || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: %s %d, want HTTP/2.0 201", tt.PathSession, resp.Proto, resp.StatusCode)
	}
	if ck := sessionCookieOf(resp); ck == nil || !ck.Secure {
		t.Fatalf("session cookie over TLS: %+v, want Secure", ck)
	}
}

// sessionCookieOf is the session cookie set by resp, or nil.
func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == tt.SessionCookieName {
			return c
		}
	}
	return nil
}
