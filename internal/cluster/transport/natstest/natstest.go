package natstest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/cluster/layout"
	"github.com/heron-nsm/heron/internal/cluster/transport"
)

// CA is a throw-away certificate authority for tests.
type CA struct {
	// File is the CA certificate (PEM).
	File string
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// NewCA makes a CA whose files live in dir.
func NewCA(t testing.TB, dir string) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "heron test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &CA{File: filepath.Join(dir, "ca.pem"), dir: dir, cert: cert, key: key}
	writePEM(t, ca.File, "CERTIFICATE", der)
	return ca
}

// Issue makes a certificate and key for name, valid for servers and
// clients at 127.0.0.1 and localhost, and returns their files.
func (ca *CA) Issue(t testing.TB, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile = filepath.Join(ca.dir, name+".pem")
	keyFile = filepath.Join(ca.dir, name+"-key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kb)
	return certFile, keyFile
}

func writePEM(t testing.TB, name, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// childEnv names the environment variable that makes the test binary a
// NATS server (its value is the server's configuration, JSON).
const childEnv = "HERON_NATSTEST_SERVER"

type childConfig struct {
	Layout   string   `json:"layout"`
	Node     string   `json:"node"`
	Listen   string   `json:"listen"`
	Store    string   `json:"store"`
	Name     string   `json:"name"`
	Cluster  string   `json:"cluster"`
	RouteAt  string   `json:"route_at"`
	Routes   []string `json:"routes"`
	LogToErr bool     `json:"log"`
}

// Child runs a NATS server and exits when the test binary was started
// as one by StartCluster; otherwise it returns at once. Call it first in
// TestMain.
func Child() {
	v := os.Getenv(childEnv)
	if v == "" {
		return
	}
	var cc childConfig
	if err := json.Unmarshal([]byte(v), &cc); err != nil {
		fmt.Fprintln(os.Stderr, "natstest:", err)
		os.Exit(2)
	}
	l, err := layout.Read(cc.Layout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "natstest:", err)
		os.Exit(2)
	}
	srv, err := transport.RunServer(l, cc.Node, &transport.ServerOptions{
		Listen: cc.Listen, StoreDir: cc.Store, Name: cc.Name,
		ClusterName: cc.Cluster, ClusterListen: cc.RouteAt, Routes: cc.Routes, Log: cc.LogToErr,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "natstest:", err)
		os.Exit(2)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	srv.Shutdown()
	os.Exit(0)
}

// Cluster is a NATS cluster of servers in child processes.
type Cluster struct {
	// URLs are the servers' client URLs.
	URLs  []string
	t     testing.TB
	cfgs  []childConfig
	procs []*exec.Cmd
}

// StartCluster starts n NATS servers with JetStream, clustered over
// loopback routes, configured from l as its manager's embedded server
// would be (users, permissions, TLS), with their stores under dir. It
// waits until JetStream answers. The servers are stopped at the end of
// the test.
func StartCluster(t testing.TB, l *layout.Layout, dir string, n int) *Cluster {
	t.Helper()
	lf := filepath.Join(dir, "cluster-layout.json")
	if err := WriteLayout(l, lf); err != nil {
		t.Fatal(err)
	}
	c := &Cluster{t: t}
	var routes []string
	ports := make([][2]int, n)
	for i := range ports {
		ports[i] = [2]int{FreePort(t), FreePort(t)}
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[i][1]))
	}
	for i := 0; i < n; i++ {
		cc := childConfig{
			Layout: lf, Node: l.Manager().Name,
			Listen:  fmt.Sprintf("127.0.0.1:%d", ports[i][0]),
			Store:   filepath.Join(dir, fmt.Sprintf("nats-%d", i)),
			Name:    fmt.Sprintf("n%d", i),
			Cluster: "heron-test",
			RouteAt: fmt.Sprintf("127.0.0.1:%d", ports[i][1]),
			Routes:  routes,
		}
		c.cfgs = append(c.cfgs, cc)
		c.URLs = append(c.URLs, "nats://"+cc.Listen)
		c.procs = append(c.procs, nil)
	}
	for i := range c.cfgs {
		c.Start(i)
	}
	t.Cleanup(c.Close)
	c.WaitReady(l, 30*time.Second)
	return c
}

// Start starts server i (again).
func (c *Cluster) Start(i int) {
	c.t.Helper()
	b, _ := json.Marshal(c.cfgs[i])
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(b))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.procs[i] = cmd
}

// Kill stops server i at once (SIGKILL).
func (c *Cluster) Kill(i int) {
	if p := c.procs[i]; p != nil {
		p.Process.Kill()
		p.Wait()
		c.procs[i] = nil
	}
}

// Close stops every server.
func (c *Cluster) Close() {
	for i, p := range c.procs {
		if p != nil {
			p.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { p.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				p.Process.Kill()
				<-done
			}
			c.procs[i] = nil
		}
	}
}

// WaitReady waits until JetStream answers through every server, as the
// manager of l.
func (c *Cluster) WaitReady(l *layout.Layout, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for _, u := range c.URLs {
		conn, err := transport.Connect(l, l.Manager().Name, &transport.Options{URLs: []string{u}, Warn: func(string) {}})
		if err != nil {
			c.t.Fatal(err)
		}
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := conn.JetStream().AccountInfo(ctx)
			cancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				conn.Close()
				c.t.Fatalf("natstest: JetStream at %s not ready: %v", u, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		conn.Close()
	}
}

// WriteLayout writes l as a layout file.
func WriteLayout(l *layout.Layout, file string) error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}

// ParseLayout parses a layout for a test and sets its File to
// dir/cluster-layout.json (written there), so that relative names
// resolve in dir.
func ParseLayout(t testing.TB, dir, text string) *layout.Layout {
	t.Helper()
	l, err := layout.Parse([]byte(text))
	if err != nil {
		t.Fatalf("layout: %v\n%s", err, text)
	}
	l.File = filepath.Join(dir, "cluster-layout.json")
	if err := WriteLayout(l, l.File); err != nil {
		t.Fatal(err)
	}
	return l
}

// Quote returns s as a JSON string, for building layouts.
func Quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// JoinQuoted returns the JSON strings of ss separated by commas.
func JoinQuoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = Quote(s)
	}
	return strings.Join(q, ",")
}
