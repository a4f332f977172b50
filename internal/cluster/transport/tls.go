package transport

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
)

// tlsFiles returns the TLS files of node: the layout's nats.tls with the
// node's own non-empty fields taking precedence, relative names resolved
// against the layout file's directory. It returns nil when neither gives
// TLS.
func tlsFiles(l *layout.Layout, n *layout.Node) *layout.TLS {
	if l.NATS.TLS == nil && n.TLS == nil {
		return nil
	}
	var t layout.TLS
	if l.NATS.TLS != nil {
		t = *l.NATS.TLS
	}
	if n.TLS != nil {
		if n.TLS.CA != "" {
			t.CA = n.TLS.CA
		}
		if n.TLS.Cert != "" {
			t.Cert = n.TLS.Cert
		}
		if n.TLS.Key != "" {
			t.Key = n.TLS.Key
		}
	}
	dir := "."
	if l.File != "" {
		dir = filepath.Dir(l.File)
	}
	abs := func(f string) string {
		if f == "" || filepath.IsAbs(f) {
			return f
		}
		return filepath.Join(dir, f)
	}
	t.CA, t.Cert, t.Key = abs(t.CA), abs(t.Cert), abs(t.Key)
	return &t
}

// ClientTLS returns the TLS configuration node uses to reach the NATS
// servers, or nil when the layout asks for no TLS. The CA verifies the
// servers; the node's certificate and key, when given, authenticate the
// node to servers that verify clients (the embedded server does).
func ClientTLS(l *layout.Layout, node string) (*tls.Config, error) {
	n, err := l.Node(node)
	if err != nil {
		return nil, err
	}
	t := tlsFiles(l, n)
	if t == nil {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CA != "" {
		pool, err := loadCA(t.CA)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if t.Cert != "" || t.Key != "" {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, fmt.Errorf("transport: node %s: certificate %s and key %s: %w", node, t.Cert, t.Key, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// serverTLS returns the TLS configuration of a server run for node (the
// manager): the node's certificate, and the CA to verify every client's.
func serverTLS(l *layout.Layout, n *layout.Node) (*tls.Config, error) {
	t := tlsFiles(l, n)
	if t == nil {
		return nil, nil
	}
	if t.Cert == "" || t.Key == "" || t.CA == "" {
		return nil, fmt.Errorf("transport: node %s: a TLS server needs ca, cert and key", n.Name)
	}
	cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
	if err != nil {
		return nil, fmt.Errorf("transport: node %s: certificate %s and key %s: %w", n.Name, t.Cert, t.Key, err)
	}
	pool, err := loadCA(t.CA)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	}, nil
}

func loadCA(file string) (*x509.CertPool, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("transport: CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("transport: CA %s: no PEM certificate in it", file)
	}
	return pool, nil
}

// probeTLS checks whether the NATS server at u accepts the client
// certificate of cfg: it reads the server's INFO line, makes the TLS
// handshake and waits briefly for the server's verdict, which under TLS
// 1.3 arrives after the handshake as an alert. It sends nothing after the
// handshake, so the alert cannot be lost to a reset. It returns nil when
// the server said nothing (the certificate was accepted) or could not be
// reached, and the TLS error otherwise.
func probeTLS(u string, cfg *tls.Config) error {
	pu, err := url.Parse(u)
	if err != nil || pu.Host == "" {
		return nil
	}
	host := pu.Host
	if pu.Port() == "" {
		host = net.JoinHostPort(pu.Hostname(), "4222")
	}
	conn, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		return nil
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	br := bufio.NewReaderSize(conn, 4096)
	line, err := br.ReadSlice('\n')
	if err != nil || !bytes.HasPrefix(line, []byte("INFO ")) || br.Buffered() > 0 {
		return nil
	}
	c := cfg.Clone()
	if c.ServerName == "" {
		c.ServerName = pu.Hostname()
	}
	tc := tls.Client(conn, c)
	if err := tc.Handshake(); err != nil {
		return err
	}
	tc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	var b [1]byte
	_, err = tc.Read(b[:])
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
