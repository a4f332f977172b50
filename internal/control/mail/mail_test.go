package mail

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"mime"
	"net"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/control/config"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) }

func testConfig() Config {
	return Config{
		From:          "Heron <heron@sensor.example.org>",
		To:            "soc@example.org",
		SubjectPrefix: "[Heron]",
		UserAgent:     "heronctl 0.1",
		Now:           fixedNow,
	}
}

func TestMessage(t *testing.T) {
	cfg := testConfig()
	cfg.ReplyTo = "noc@example.org"
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	msg := m.Message("a@example.org, b@example.org", "Crash report from worker-1", "line one\nline two")
	parsed, err := netmail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"From":       "Heron <heron@sensor.example.org>",
		"To":         "a@example.org, b@example.org",
		"Subject":    "[Heron] Crash report from worker-1",
		"User-Agent": "heronctl 0.1",
		"Reply-To":   "noc@example.org",
		"Date":       "Fri, 27 Nov 2026 08:00:00 +0000",
	}
	for k, v := range want {
		if got := parsed.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if id := parsed.Header.Get("Message-Id"); !strings.HasSuffix(id, "@sensor.example.org>") {
		t.Errorf("Message-ID %q", id)
	}
	body, _ := io.ReadAll(parsed.Body)
	if want := "line one\nline two\n\n--\n[Automatically generated.]\n\n"; string(body) != want {
		t.Errorf("body %q, want %q", body, want)
	}
	// Header order as zeekctl's send-mail writes them.
	order := []string{"From:", "Subject:", "To:", "User-Agent:", "Reply-To:"}
	last := -1
	for _, h := range order {
		i := bytes.Index(msg, []byte("\n"+h))
		if h == "From:" {
			i = bytes.Index(msg, []byte(h))
		}
		if i <= last {
			t.Errorf("header %s out of order", h)
		}
		last = i
	}
}

func TestMessageHeaderSafety(t *testing.T) {
	m, _ := New(testConfig())
	msg := m.Message("x@example.org\nBcc: evil@example.org", "hi\r\nBcc: evil@example.org", "body")
	parsed, err := netmail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	if b := parsed.Header.Get("Bcc"); b != "" {
		t.Errorf("a value added a Bcc header: %q", b)
	}
	m2, _ := New(testConfig())
	msg = m2.Message("x@example.org", "Festplatte voll – 97 %", "Grüße")
	parsed, _ = netmail.ReadMessage(bytes.NewReader(msg))
	raw := parsed.Header.Get("Subject")
	if !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("non-ASCII subject not encoded: %q", raw)
	}
	dec, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil || dec != "[Heron] Festplatte voll – 97 %" {
		t.Errorf("subject decodes to %q, %v", dec, err)
	}
	if parsed.Header.Get("Content-Transfer-Encoding") != "8bit" {
		t.Errorf("8-bit body not declared")
	}
}

func TestRecipients(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a@x.org", "a@x.org"},
		{"A <a@x.org>, b@y.org", "a@x.org b@y.org"},
		{"root", "root"},
		{"root admin", "root admin"},
		{"root, a@x.org", "root a@x.org"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := strings.Join(Recipients(tc.in), " "); got != tc.want {
			t.Errorf("Recipients(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseTLSMode(t *testing.T) {
	for in, want := range map[string]TLSMode{"": NoTLS, "none": NoTLS, "STARTTLS": StartTLS, "tls": ImplicitTLS, "smtps": ImplicitTLS} {
		if got, err := ParseTLSMode(in); err != nil || got != want {
			t.Errorf("ParseTLSMode(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseTLSMode("maybe"); err == nil {
		t.Errorf("bad mode accepted")
	}
}

func TestDisabled(t *testing.T) {
	m, _ := New(testConfig())
	if m.Enabled() {
		t.Fatal("enabled without server or sendmail")
	}
	if err := m.Send(context.Background(), "x", "y"); err != nil {
		t.Errorf("disabled mailer: %v", err)
	}
}

func TestCrashBody(t *testing.T) {
	c := Crash{Node: "worker-1", Host: "sensor-2", Time: fixedNow(), Status: "killed by signal 9 (SIGKILL)",
		Restarted: true, Stderr: []string{"panic: boom", "goroutine 1 [running]:"}, ReportDir: "/opt/heron/spool/crash/worker-1"}
	body := c.Body()
	for _, want := range []string{"Node worker-1 on host sensor-2 stopped unexpectedly at 2026-11-27 08:00:00 UTC.",
		"Cause: killed by signal 9 (SIGKILL).", "It has been started again.", "==== stderr (last lines)\npanic: boom\n",
		"/opt/heron/spool/crash/worker-1", "no stack trace"} {
		if !strings.Contains(body, want) {
			t.Errorf("crash body lacks %q:\n%s", want, body)
		}
	}
	if got := CronSubject("\nDisk space low on sensor:/ - 97.0% used.\nmore"); got != "cron: Disk space low on sensor:/ - 97.0% used." {
		t.Errorf("CronSubject = %q", got)
	}
}

// A fake sendmail records how it was called: the arguments and the
// message zeekctl's send-mail pipes to "sendmail -t -oi".
func TestSendmailArgs(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "sendmail")
	os.WriteFile(script, []byte("#!/bin/sh\necho \"$@\" > \""+dir+"/args\"\ncat > \""+dir+"/msg\"\n"), 0o755)
	cfg := testConfig()
	cfg.SendMail = script
	m, _ := New(cfg)
	if err := m.Send(context.Background(), "test", "hello"); err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	if strings.TrimSpace(string(args)) != "-t -oi" {
		t.Errorf("sendmail called with %q", args)
	}
	msg, _ := os.ReadFile(filepath.Join(dir, "msg"))
	if !bytes.HasPrefix(msg, []byte("From: Heron <heron@sensor.example.org>\nSubject: [Heron] test\nTo: soc@example.org\n")) {
		t.Errorf("sendmail got:\n%s", msg)
	}
	// A failing program is an error with its output.
	os.WriteFile(script, []byte("#!/bin/sh\necho 'sendmail: relay refused' >&2\nexit 75\n"), 0o755)
	if err := m.Send(context.Background(), "t", "b"); err == nil || !strings.Contains(err.Error(), "relay refused") {
		t.Errorf("failing sendmail: %v", err)
	}
	cfg.SendMail = filepath.Join(dir, "missing")
	m, _ = New(cfg)
	if err := m.Send(context.Background(), "t", "b"); err == nil || !strings.HasPrefix(err.Error(), "mail: ") {
		t.Errorf("missing sendmail: %v", err)
	}
}

// --- Tests against a real SMTP server (aiosmtpd). ---

// python finds a Python 3 with aiosmtpd, or skips.
func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import aiosmtpd").Run() == nil {
			return p
		}
	}
	t.Skip("no python3 with aiosmtpd (Debian: apt-get install python3-aiosmtpd); skipping the SMTP server tests")
	return ""
}

type server struct {
	port int
	dir  string
}

// startServer runs testdata/smtpd.py with args and waits until it is up.
func startServer(t *testing.T, args ...string) server {
	t.Helper()
	py := python(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	script, _ := filepath.Abs("testdata/smtpd.py")
	cmd := exec.Command(py, append([]string{script, "--port", strconv.Itoa(port), "--dir", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "READY" {
				ready <- true
				return
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("smtpd.py did not start: %s", stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("smtpd.py did not start in 30 s: %s", stderr.String())
	}
	return server{port: port, dir: dir}
}

// received waits for the n-th message the server stored.
func (s server) received(t *testing.T, n int) *netmail.Message {
	t.Helper()
	name := filepath.Join(s.dir, "msg"+leftPad(n)+".eml")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(name)
		if err == nil {
			m, err := netmail.ReadMessage(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message %d received", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func leftPad(n int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", 3-len(s)) + s
}

// selfSigned writes a certificate for 127.0.0.1 and returns its files and
// a pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "heron test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func checkReceived(t *testing.T, got *netmail.Message, subject, bodyPart string) {
	t.Helper()
	want := map[string]string{
		"X-Envelope-From": "heron@sensor.example.org",
		"X-Envelope-To":   "soc@example.org,oncall@example.org",
		"From":            "Heron <heron@sensor.example.org>",
		"To":              "soc@example.org, oncall@example.org",
		"Subject":         "[Heron] " + subject,
		"User-Agent":      "heronctl 0.1",
	}
	for k, v := range want {
		if g := got.Header.Get(k); g != v {
			t.Errorf("%s: %q, want %q", k, g, v)
		}
	}
	body, _ := io.ReadAll(got.Body)
	b := strings.ReplaceAll(string(body), "\r\n", "\n")
	if !strings.Contains(b, bodyPart) || !strings.HasSuffix(b, "\n--\n[Automatically generated.]\n\n") {
		t.Errorf("body:\n%s", b)
	}
}

func TestSMTP(t *testing.T) {
	python(t)
	certFile, keyFile, pool := selfSigned(t)
	crash := Crash{Node: "worker-1", Host: "sensor-2", Status: "killed by signal 9 (SIGKILL)", Restarted: true,
		Stderr: []string{"last words"}}
	tests := []struct {
		name    string
		args    []string
		mode    TLSMode
		user    string
		pass    string
		wantErr string
	}{
		{name: "plain", mode: NoTLS},
		{name: "plain with auth to localhost", args: []string{"--auth", "heron:secret"}, user: "heron", pass: "secret"},
		{name: "starttls with auth", args: []string{"--cert", certFile, "--key", keyFile, "--auth", "heron:secret"}, mode: StartTLS, user: "heron", pass: "secret"},
		{name: "implicit tls", args: []string{"--cert", certFile, "--key", keyFile, "--smtps"}, mode: ImplicitTLS},
		{name: "wrong password", args: []string{"--cert", certFile, "--key", keyFile, "--auth", "heron:secret"}, mode: StartTLS, user: "heron", pass: "wrong", wantErr: "authentication as heron"},
		{name: "starttls not offered", mode: StartTLS, wantErr: "does not offer STARTTLS"},
		{name: "auth required but not given", args: []string{"--auth", "heron:secret"}, wantErr: "MAIL FROM"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, tc.args...)
			cfg := testConfig()
			cfg.To = "soc@example.org, oncall@example.org"
			cfg.SMTPServer, cfg.SMTPPort, cfg.TLS = "127.0.0.1", srv.port, tc.mode
			cfg.TLSConfig = &tls.Config{RootCAs: pool}
			cfg.Username, cfg.Password = tc.user, tc.pass
			cfg.Timeout = 20 * time.Second
			if tc.wantErr != "" {
				cfg.Timeout = 4 * time.Second
			}
			m, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = m.SendCrash(context.Background(), crash)
			if tc.wantErr != "" {
				t.Logf("error: %v", err)
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "mail: ") {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkReceived(t, srv.received(t, 1), "Crash report from worker-1", "Cause: killed by signal 9 (SIGKILL).\nIt has been started again.\n")
			// A second mail on the same server: a disk alarm from cron.
			if err := m.SendCron(context.Background(), "Disk space low on sensor-1:/ - 96.3% used.\n"); err != nil {
				t.Fatal(err)
			}
			checkReceived(t, srv.received(t, 2), "cron: Disk space low on sensor-1:/ - 96.3% used.", "96.3% used.")
		})
	}
}

// The sendmail path with a real sendmail: Debian's msmtp relaying to the
// test server.
func TestSendmailMSMTP(t *testing.T) {
	msmtp, err := exec.LookPath("msmtp")
	if err != nil {
		t.Skip("msmtp not installed (Debian: apt-get install msmtp); skipping the sendmail delivery test")
	}
	srv := startServer(t)
	dir := t.TempDir()
	rc := filepath.Join(dir, "msmtprc")
	os.WriteFile(rc, []byte("account default\nhost 127.0.0.1\nport "+strconv.Itoa(srv.port)+"\nfrom heron@sensor.example.org\ntls off\nauth off\n"), 0o600)
	wrapper := filepath.Join(dir, "sendmail")
	os.WriteFile(wrapper, []byte("#!/bin/sh\nexec "+msmtp+" -C "+rc+" \"$@\"\n"), 0o755)
	cfg := testConfig()
	cfg.To = "soc@example.org, oncall@example.org"
	cfg.SendMail = wrapper
	m, _ := New(cfg)
	if err := m.Send(context.Background(), "Crash report from worker-2", "through sendmail"); err != nil {
		t.Fatal(err)
	}
	checkReceived(t, srv.received(t, 1), "Crash report from worker-2", "through sendmail\n")
}

func FuzzMessage(f *testing.F) {
	f.Add("Crash report from worker-1", "soc@example.org", "body\n")
	f.Add("x\r\nBcc: a@b", "a@b\nCc: c@d", "\r\n.\r\n")
	f.Add("Grüße", "root", "")
	f.Fuzz(func(t *testing.T, subject, to, body string) {
		m, _ := New(testConfig())
		msg := m.Message(to, subject, body)
		parsed, err := netmail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatalf("unparseable message: %v\n%q", err, msg)
		}
		for k := range parsed.Header {
			switch k {
			case "From", "Subject", "To", "User-Agent", "Date", "Message-Id", "Mime-Version", "Content-Type", "Content-Transfer-Encoding":
			default:
				t.Fatalf("unexpected header %q from subject %q, to %q", k, subject, to)
			}
		}
	})
}

func TestFromSettings(t *testing.T) {
	s, _, err := config.ReadSettings(strings.NewReader("MailTo = soc@example.org\nMailReplyTo = noc@example.org\nMailSubjectPrefix = [Sensor]\n"),
		"heronctl.cfg", config.Builtins{Prefix: "/opt/heron", User: "root", Hostname: "sensor"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := FromSettings(s, "0.1")
	if err != nil {
		t.Fatal(err)
	}
	if c.To != "soc@example.org" || c.ReplyTo != "noc@example.org" || c.SubjectPrefix != "[Sensor]" ||
		c.From != "Heron <heron@sensor>" || c.SendMail != "/usr/sbin/sendmail" || c.UserAgent != "heronctl 0.1" ||
		c.SMTPServer != "" || c.TLS != NoTLS {
		t.Errorf("FromSettings = %+v", c)
	}
}
