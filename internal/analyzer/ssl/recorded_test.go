package ssl_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// The recorded trace (testdata/recorded, made by testdata/record/record.sh
// from real nginx and curl): TLS 1.2 and 1.3 with an RSA certificate on
// 443, with an ECDSA certificate on 8443 (found by signature), and a TLS
// 1.2 session resumed with its session id.

const recorded = "testdata/recorded"

// runRecorded runs the default-mode node over the trace and returns the
// log directory.
func runRecorded(t *testing.T) string {
	t.Helper()
	loaded, err := scripts.Load(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig()
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Trace = filepath.Join(recorded, "nginx-curl.pcap")
	cfg.Log.LogDir = t.TempDir()
	cfg.Conn.Seed = 3
	if _, err := node.Run(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Log.LogDir
}

func readLog(t *testing.T, dir, name string) []map[string]string {
	t.Helper()
	l, err := zeeklog.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return l.Records
}

// unescape undoes the ASCII writer's backslash escaping.
func unescape(s string) string { return strings.ReplaceAll(s, `\\`, `\`) }

// opensslCert is what the openssl command line reports about a
// certificate, in x509.log's terms.
type opensslCert struct {
	fingerprint, serial, subject, issuer string
	notBefore, notAfter                  string
	version, keyAlg, sigAlg, keyType     string
	keyLength, exponent, curve           string
	sanDNS, sanIP                        string
	ca, pathLen                          string
}

func opensslReport(t *testing.T, derPath string) opensslCert {
	t.Helper()
	out, err := exec.Command("openssl", "x509", "-inform", "DER", "-in", derPath, "-noout",
		"-fingerprint", "-sha256", "-serial", "-subject", "-issuer", "-nameopt", "RFC2253",
		"-startdate", "-enddate", "-text").Output()
	if err != nil {
		t.Fatalf("openssl x509 %s: %v", derPath, err)
	}
	text := string(out)
	field := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(text)
		if m == nil {
			return ""
		}
		return strings.TrimSpace(m[1])
	}
	date := func(s string) string {
		tm, err := time.Parse("Jan _2 15:04:05 2006 MST", s)
		if err != nil {
			t.Fatalf("date %q: %v", s, err)
		}
		return strconv.FormatInt(tm.Unix(), 10) + ".000000"
	}
	var c opensslCert
	c.fingerprint = strings.ToLower(strings.ReplaceAll(field(`(?m)^sha256 Fingerprint=(.*)$`), ":", ""))
	c.serial = field(`(?m)^serial=(.*)$`)
	c.subject = field(`(?m)^subject=(.*)$`)
	c.issuer = field(`(?m)^issuer=(.*)$`)
	c.notBefore = date(field(`(?m)^notBefore=(.*)$`))
	c.notAfter = date(field(`(?m)^notAfter=(.*)$`))
	c.version = field(`Version: (\d+)`)
	c.keyAlg = field(`Public Key Algorithm: (\S+)`)
	c.sigAlg = field(`Signature Algorithm: (\S+)`)
	c.keyLength = field(`Public-Key: \((\d+) bit\)`)
	c.exponent = field(`Exponent: (\d+)`)
	c.curve = field(`ASN1 OID: (\S+)`)
	switch c.keyAlg {
	case "rsaEncryption":
		c.keyType = "rsa"
	case "id-ecPublicKey":
		c.keyType = "ecdsa"
	}
	if san := field(`X509v3 Subject Alternative Name:.*\n\s*(.*)`); san != "" {
		var dns, ip []string
		for _, n := range strings.Split(san, ", ") {
			switch {
			case strings.HasPrefix(n, "DNS:"):
				dns = append(dns, n[4:])
			case strings.HasPrefix(n, "IP Address:"):
				ip = append(ip, n[11:])
			}
		}
		c.sanDNS, c.sanIP = strings.Join(dns, ","), strings.Join(ip, ",")
	}
	if bc := field(`X509v3 Basic Constraints:.*\n\s*(.*)`); bc != "" {
		c.ca = map[bool]string{true: "T", false: "F"}[strings.Contains(bc, "CA:TRUE")]
		c.pathLen = field(`pathlen:(\d+)`)
	}
	return c
}

// TestRecordedTrace checks ssl.log and x509.log of the recorded trace
// field by field: the certificate fields against what openssl reports
// for the certificates the servers used, the connection fields against
// what the recording script asked curl and nginx to do.
func TestRecordedTrace(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	if _, err := os.Stat(filepath.Join(recorded, "nginx-curl.pcap")); err != nil {
		t.Fatal(err)
	}
	dir := runRecorded(t)

	certs := map[string]opensslCert{}
	for _, name := range []string{"rsa", "ecdsa", "ca"} {
		certs[name] = opensslReport(t, filepath.Join(recorded, "certs", name+".der"))
	}

	// x509.log: one record per certificate and role (the CA is sent by
	// both servers as a chain certificate, and logged once).
	x := readLog(t, dir, "x509.log")
	if len(x) != 3 {
		t.Fatalf("x509.log has %d records, want 3", len(x))
	}
	byFP := map[string]map[string]string{}
	for _, r := range x {
		byFP[r["fingerprint"]] = r
	}
	for name, c := range certs {
		r := byFP[c.fingerprint]
		if r == nil {
			t.Errorf("%s: no x509.log record with fingerprint %s", name, c.fingerprint)
			continue
		}
		check := func(field, want string) {
			t.Helper()
			if want == "" {
				want = "-"
			}
			if got := unescape(r[field]); got != want {
				t.Errorf("%s: %s = %q, openssl says %q", name, field, got, want)
			}
		}
		check("certificate.version", c.version)
		check("certificate.serial", c.serial)
		check("certificate.subject", c.subject)
		check("certificate.issuer", c.issuer)
		check("certificate.not_valid_before", c.notBefore)
		check("certificate.not_valid_after", c.notAfter)
		check("certificate.key_alg", c.keyAlg)
		check("certificate.sig_alg", c.sigAlg)
		check("certificate.key_type", c.keyType)
		check("certificate.key_length", c.keyLength)
		check("certificate.exponent", c.exponent)
		check("certificate.curve", c.curve)
		check("san.dns", c.sanDNS)
		check("san.ip", c.sanIP)
		check("basic_constraints.ca", c.ca)
		check("basic_constraints.path_len", c.pathLen)
		check("host_cert", map[bool]string{true: "F", false: "T"}[name == "ca"])
		check("client_cert", "F")
	}

	// ssl.log, in connection order.
	s := readLog(t, dir, "ssl.log")
	sort.Slice(s, func(i, j int) bool { return s[i]["ts"] < s[j]["ts"] })
	chain := func(names ...string) string {
		var fps []string
		for _, n := range names {
			fps = append(fps, certs[n].fingerprint)
		}
		return strings.Join(fps, ",")
	}
	type want struct {
		port, version, cipher, curve, sni, resumed, alpn, history, fps, clientFps, sniMatch string
	}
	wants := []want{
		{"443", "TLSv12", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "x25519", "rsa.heron.test", "F", "http/1.1", "CsxknGIi", chain("rsa", "ca"), "(empty)", "T"},
		{"443", "TLSv13", "TLS_AES_256_GCM_SHA384", "x25519", "rsa.heron.test", "F", "-", "CsiI", "-", "-", "-"},
		{"8443", "TLSv12", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "x25519", "ecdsa.heron.test", "F", "http/1.1", "CsxknGIi", chain("ecdsa", "ca"), "(empty)", "T"},
		{"8443", "TLSv13", "TLS_AES_256_GCM_SHA384", "x25519", "ecdsa.heron.test", "F", "-", "CsiI", "-", "-", "-"},
		{"443", "TLSv12", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "x25519", "rsa.heron.test", "F", "http/1.1", "CsxknGIi", chain("rsa", "ca"), "(empty)", "T"},
		{"443", "TLSv12", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "-", "rsa.heron.test", "T", "http/1.1", "CsiI", "-", "-", "-"},
	}
	if len(s) != len(wants) {
		t.Fatalf("ssl.log has %d records, want %d", len(s), len(wants))
	}
	for i, w := range wants {
		r := s[i]
		for _, f := range []struct{ name, want string }{
			{"id.resp_p", w.port}, {"version", w.version}, {"cipher", w.cipher}, {"curve", w.curve},
			{"server_name", w.sni}, {"resumed", w.resumed}, {"next_protocol", w.alpn}, {"established", "T"},
			{"ssl_history", w.history}, {"cert_chain_fps", w.fps}, {"client_cert_chain_fps", w.clientFps},
			{"sni_matches_cert", w.sniMatch}, {"last_alert", "-"},
		} {
			if r[f.name] != f.want {
				t.Errorf("connection %d: %s = %q, want %q", i, f.name, r[f.name], f.want)
			}
		}
	}

	// conn.log: every TLS connection has service ssl, the one on 8443
	// by signature.
	n := 0
	for _, c := range readLog(t, dir, "conn.log") {
		if c["proto"] == "tcp" {
			n++
			if c["service"] != "ssl" {
				t.Errorf("conn.log %s:%s service %q", c["id.resp_h"], c["id.resp_p"], c["service"])
			}
		}
	}
	if n != len(wants) {
		t.Errorf("%d TCP connections in conn.log, want %d", n, len(wants))
	}
}
