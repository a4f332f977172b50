package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	netmail "net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// startSMTPServer runs the mail package's test SMTP server (a real
// aiosmtpd) on a free port and returns the port and the directory it
// stores messages in (msgNNN.eml). It skips without aiosmtpd.
func startSMTPServer(t *testing.T) (int, string) {
	t.Helper()
	py := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import aiosmtpd").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("no python3 with aiosmtpd (Debian: apt-get install python3-aiosmtpd); skipping the notice mail test")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir := t.TempDir()
	script, _ := filepath.Abs("../../internal/control/mail/testdata/smtpd.py")
	cmd := exec.Command(py, script, "--port", strconv.Itoa(port), "--dir", dir)
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
				io.Copy(io.Discard, out)
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
	return port, dir
}

// TestClusterNoticeMail: two workers see the same signature matches; the
// emailed notice (Notice::emailed_types) is suppressed cluster-wide to one,
// and the manager, not a worker, mails it once to the layout's SMTP
// server (a real aiosmtpd), composed as Zeek's email_notice_to does with
// the layout's From, subject prefix and To. The notice is an alarm too
// (Notice::alarmed_types): when the manager stops, it mails the alarm
// summary of pp-alarms.zeek to alarms_to. The layout's sendmail program
// (which would record any use) is never run: with an SMTP server the
// manager delivers itself, and workers do not mail.
func TestClusterNoticeMail(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five heron processes")
	}
	port, smtpDir := startSMTPServer(t)
	sendmailDir := t.TempDir()
	fake := filepath.Join(t.TempDir(), "sendmail")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\ncat > $(mktemp "+sendmailDir+"/mail.XXXXXX)\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const requests = 30
	trace := writeBusyTrace(t, t.TempDir(), requests)
	c := newTestClusterWith(t, trace, func(c *testCluster, l map[string]any) {
		if err := os.WriteFile(filepath.Join(c.dir, "user.sig"), []byte(userSig), 0o644); err != nil {
			t.Fatal(err)
		}
		l["signatures"] = []string{"user.sig"}
		opts, _ := l["options"].([]any)
		l["options"] = append(opts, "Heron::signature_notice_identifier=sig_id",
			"Notice::emailed_types={Signatures::Sensitive_Signature}", "Notice::alarmed_types={Signatures::Sensitive_Signature}")
		l["mail"] = map[string]any{
			"to": "soc@example.org", "from": "Heron <heron@example.org>", "subject_prefix": "[Heron]",
			"alarms_to": "alarms@example.org", "alarms_interval": 3600,
			"sendmail": fake,
			"smtp":     map[string]any{"server": "127.0.0.1", "port": port},
		}
		for _, w := range []string{"worker-1", "worker-2"} {
			delete(l["nodes"].(map[string]any)[w].(map[string]any), "shard")
		}
	})
	c.runToEnd(map[string][]string{"notice.log": make([]string, 1)})

	nl, err := zeeklog.ReadFile(filepath.Join(c.logs, "notice.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(nl.Records) != 1 {
		t.Fatalf("notice.log has %d records, want 1", len(nl.Records))
	}
	r := nl.Records[0]
	if r["email_dest"] != "soc@example.org" || !strings.Contains(r["actions"], "Notice::ACTION_EMAIL") {
		t.Errorf("notice actions %q email_dest %q", r["actions"], r["email_dest"])
	}
	// The manager drained its queue when it stopped; allow a moment for
	// the server to store the message.
	var msgs []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		msgs, _ = filepath.Glob(filepath.Join(smtpDir, "msg*.eml"))
		if len(msgs) > 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	msgs, _ = filepath.Glob(filepath.Join(smtpDir, "msg*.eml"))
	if len(msgs) != 2 {
		t.Fatalf("the SMTP server received %d messages, want 2 (the notice, the alarm summary)\n%s", len(msgs), c.outputs())
	}
	checkAlarmSummary(t, msgs[1], r)
	if used, _ := filepath.Glob(filepath.Join(sendmailDir, "mail.*")); len(used) != 0 {
		t.Errorf("sendmail ran %d times; with an SMTP server it must not", len(used))
	}
	b, err := os.ReadFile(msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	m, err := netmail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for h, want := range map[string]string{
		"X-Envelope-From": "heron@example.org",
		"X-Envelope-To":   "soc@example.org",
		"From":            "Heron <heron@example.org>",
		"To":              "soc@example.org",
		"Subject":         "[Heron] Signatures::Sensitive_Signature",
		"User-Agent":      "Heron",
	} {
		if got := m.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	body, _ := io.ReadAll(m.Body)
	// The log escapes the payload in sub; the mail has its bytes, with
	// SMTP's line ends.
	wantBody := "Message: " + r["msg"] + "\r\n" +
		"Sub-message: " + crlf(unescapeLogValue(r["sub"])) + "\r\n" +
		"\r\n" +
		"Connection: " + r["id.orig_h"] + ":" + r["id.orig_p"] + " -> " + r["id.resp_h"] + ":" + r["id.resp_p"] + "\r\n" +
		"Connection uid: " + r["uid"] + "\r\n" +
		"\r\nEmail Extensions\r\n----------------\r\n" +
		"\r\n\r\n--\r\n[Automatically generated]\r\n\r\n"
	if string(body) != wantBody {
		t.Errorf("body:\n%q\nwant\n%q", body, wantBody)
	}
}

// unescapeLogValue undoes the ASCII writer's \xNN escapes.
func unescapeLogValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// crlf writes every line break as SMTP carries it.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// checkAlarmSummary checks the stored summary mail file against notice
// record r.
func checkAlarmSummary(t *testing.T, file string, r map[string]string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m, err := netmail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if to, subj := m.Header.Get("X-Envelope-To"), m.Header.Get("Subject"); to != "alarms@example.org" || !strings.HasPrefix(subj, "[Heron] Alarm summary from ") {
		t.Errorf("summary to %q subject %q", to, subj)
	}
	body, _ := io.ReadAll(m.Body)
	text := strings.ReplaceAll(string(body), "\r\n", "\n")
	// The node's description, or "local" when the notice has none.
	pd := r["peer_descr"]
	if pd == "-" {
		pd = "local"
	}
	want := " Signatures::Sensitive_Signature " + r["id.orig_h"] + ":" + r["id.orig_p"] + "/tcp -> " + r["id.resp_h"] + ":" + r["id.resp_p"] + "/tcp (uid " + r["uid"] + ")\n" +
		"   <" + pd + "> " + r["msg"] + "\n" +
		"   GET /item/"
	if !strings.HasPrefix(text, ">  ") || !strings.Contains(text, want) || !strings.Contains(text, "   # "+r["id.orig_h"]+" = ") ||
		!strings.HasSuffix(text, "\n\n--\n[Automatically generated]\n\n") || strings.Count(text, "Sensitive_Signature") != 1 {
		t.Errorf("summary body:\n%s\nwant an entry with %q", text, want)
	}
}
