package testcert_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"leakwatch/internal/testcert"
)

// A certificate verifies against the authority's pool for its names and
// for nothing else, and not against the system's roots.
func TestServerCertificate(t *testing.T) {
	ca, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Server("t.me", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	get := func(name string, pool *x509.CertPool) error {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: name}}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get("t.me", ca.Pool); err != nil {
		t.Errorf("t.me: %v", err)
	}
	if err := get("", ca.Pool); err != nil {
		t.Errorf("127.0.0.1: %v", err)
	}
	var host x509.HostnameError
	if err := get("telegram.org", ca.Pool); !errors.As(err, &host) {
		t.Errorf("another name: %v, want a hostname error", err)
	}
	var unknown x509.UnknownAuthorityError
	if err := get("t.me", nil); !errors.As(err, &unknown) {
		t.Errorf("system roots: %v, want an unknown authority", err)
	}
}
