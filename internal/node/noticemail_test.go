package node_test

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/frameworks/notice"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/pktsrc/pcapfile"
	"github.com/heron-nsm/heron/internal/scripts"
)

// fakeSendmail writes a sendmail stand-in (a real program run through
// /bin/sh) that stores its arguments and standard input in dir, one file
// per message, and returns its path.
func fakeSendmail(t *testing.T, dir string) string {
	t.Helper()
	prog := filepath.Join(t.TempDir(), "sendmail")
	script := "#!/bin/sh\nf=$(mktemp " + dir + "/mail.XXXXXX)\necho \"args: $*\" > \"$f\"\ncat >> \"$f\"\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return prog
}

func readMails(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "mail.*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

// runMailSample runs the sample trace with the sample signatures,
// Signatures::Sensitive_Signature in Notice::emailed_types and
// Notice::sendmail pointing at fakeSendmail. With live the trace is handed
// over as a packet source without cfg.Trace, as a live capture is.
func runMailSample(t *testing.T, live bool) (logDir string, mails []string) {
	t.Helper()
	loaded, err := scripts.Load(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	mailDir := t.TempDir()
	cfg := node.DefaultConfig()
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.SignatureFiles = []string{repoFile(t, "testdata/signatures/sample.sig")}
	cfg.Log.LogDir = t.TempDir()
	cfg.Conn.Seed = 7
	cfg.Notice.MailDest = "soc@example.org"
	cfg.Notice.EmailedTypes = []notice.Type{"Signatures::Sensitive_Signature"}
	cfg.Notice.Sendmail = fakeSendmail(t, mailDir)
	trace := repoFile(t, "testdata/sample.pcap")
	if live {
		src, err := pcapfile.Open(trace)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		if _, err := node.RunSource(cfg, src); err != nil {
			t.Fatal(err)
		}
	} else {
		cfg.Trace = trace
		if _, err := node.Run(cfg); err != nil {
			t.Fatal(err)
		}
	}
	return cfg.Log.LogDir, readMails(t, mailDir)
}

// TestNoticeMailLive: outside of trace reading, every notice of an
// emailed type goes to Notice::mail_dest through "sendmail -t -oi" with
// the text of Zeek's email_notice_to, once per notice.log record.
func TestNoticeMailLive(t *testing.T) {
	dir, mails := runMailSample(t, true)
	notices := readSigLog(t, dir, "notice.log")
	var emailed []map[string]string
	for _, r := range notices {
		if r["note"] == "Signatures::Sensitive_Signature" {
			emailed = append(emailed, r)
			if !strings.Contains(r["actions"], "Notice::ACTION_EMAIL") || r["email_dest"] != "soc@example.org" {
				t.Errorf("notice actions %q email_dest %q", r["actions"], r["email_dest"])
			}
		}
	}
	if len(emailed) == 0 || len(mails) != len(emailed) {
		t.Fatalf("%d mails for %d emailed notices", len(mails), len(emailed))
	}
	// The mail of one notice, exactly (the log escapes the payload in
	// sub; the mail has the raw bytes).
	r := emailed[0]
	want := "args: -t -oi\n" +
		"From: Zeek <zeek@localhost>\n" +
		"Subject: [Zeek] Signatures::Sensitive_Signature\n" +
		"To: soc@example.org\n" +
		"User-Agent: Heron\n" +
		"\nMessage: " + unescapeLog(r["msg"]) + "\n" +
		"Sub-message: " + unescapeLog(r["sub"]) + "\n" +
		"\n" +
		"Connection: " + r["id.orig_h"] + ":" + r["id.orig_p"] + " -> " + r["id.resp_h"] + ":" + r["id.resp_p"] + "\n" +
		"Connection uid: " + r["uid"] + "\n" +
		"\nEmail Extensions\n----------------\n" +
		"\n\n--\n[Automatically generated]\n\n"
	found := false
	for _, m := range mails {
		if m == want {
			found = true
		}
	}
	if !found {
		t.Errorf("no mail is\n%s\nfirst mail:\n%s", want, mails[0])
	}
}

// TestNoticeMailTrace: reading a trace sends no mail (Zeek's
// email_notice_to returns when reading_traces()), though the notices
// still carry ACTION_EMAIL and email_dest.
func TestNoticeMailTrace(t *testing.T) {
	dir, mails := runMailSample(t, false)
	if len(mails) != 0 {
		t.Errorf("%d mails while reading a trace, want none:\n%s", len(mails), mails[0])
	}
	n := 0
	for _, r := range readSigLog(t, dir, "notice.log") {
		if r["email_dest"] == "soc@example.org" {
			n++
		}
	}
	if n == 0 {
		t.Error("no notice has email_dest soc@example.org")
	}
}

// unescapeLog undoes the ASCII writer's \xNN escapes.
func unescapeLog(s string) string {
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
