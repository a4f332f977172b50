package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeTestCA writes into dir a test CA (ca.pem) and a certificate for
// 127.0.0.1 that serves as server and client (node.pem, node-key.pem).
func writeTestCA(t *testing.T, dir string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "heron test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "heron node"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]*pem.Block{
		"ca.pem":       {Type: "CERTIFICATE", Bytes: caDER},
		"node.pem":     {Type: "CERTIFICATE", Bytes: leafDER},
		"node-key.pem": {Type: "EC PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClusterTLS runs the cluster with TLS on every NATS connection (a
// test CA) and a user and password for each node, so each role may use
// only its subjects: known-hosts through the proxy, notices from a user
// signature through the manager and the logs through the logger all
// work, and the logs equal a standalone run's. A worker with a wrong
// password is refused: it exits with status 1 and says why.
func TestClusterTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five heron processes")
	}
	trace := writeBusyTrace(t, t.TempDir(), 30)
	sig := filepath.Join(t.TempDir(), "user.sig")
	if err := os.WriteFile(sig, []byte(userSig), 0o644); err != nil {
		t.Fatal(err)
	}
	script := "policy/protocols/conn/known-hosts"
	var layoutMap map[string]any
	c := newTestClusterWith(t, trace, func(c *testCluster, l map[string]any) {
		writeTestCA(t, c.dir)
		nats := l["nats"].(map[string]any)
		nats["tls"] = map[string]any{"ca": "ca.pem", "cert": "node.pem", "key": "node-key.pem"}
		for name, n := range l["nodes"].(map[string]any) {
			n.(map[string]any)["user"] = name
			n.(map[string]any)["password"] = "secret-" + name
		}
		l["scripts"] = []string{script}
		l["signatures"] = []string{sig}
		layoutMap = l
	})
	want := standalone(t, c.bin, trace, script, "-s", sig)
	if len(want["notice.log"]) == 0 || len(want["known_hosts.log"]) == 0 {
		t.Fatalf("standalone wrote %d notices and %d known hosts", len(want["notice.log"]), len(want["known_hosts.log"]))
	}
	c.startServices()

	// A wrong password: refused at once.
	layoutMap["nodes"].(map[string]any)["worker-2"].(map[string]any)["password"] = "wrong"
	b, _ := json.Marshal(layoutMap)
	bad := filepath.Join(c.dir, "bad-layout.json")
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(c.bin, "--node", "worker-2", "--cluster", bad, "-C", "--progress", "never")
	cmd.Env = append(os.Environ(), "CLUSTER_NODE=")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 || !strings.Contains(strings.ToLower(string(out)), "authorization") {
		t.Errorf("a worker with a wrong password: %v after %v; it printed:\n%s", err, time.Since(start).Round(time.Millisecond), out)
	}

	c.runWorkers(want)
	compareWithStandalone(t, clusterRecords(t, c.logs), want)
	for _, w := range []string{"worker-1", "worker-2", "proxy-1", "manager", "logger-1"} {
		if out := c.output(w); strings.Contains(out, "ermission") {
			t.Errorf("%s was denied a subject:\n%s", w, out)
		}
	}
}

// runWorkers runs both workers to their end on services already started,
// waits for every record of want and stops the services.
func (c *testCluster) runWorkers(want map[string][]string) {
	c.t.Helper()
	c.start("worker-1")
	c.start("worker-2")
	c.wait("worker-1", 60*time.Second)
	c.wait("worker-2", 60*time.Second)
	c.waitRecords(want, 60*time.Second)
	for _, n := range []string{"proxy-1", "logger-1", "manager"} {
		c.stop(n)
	}
}
