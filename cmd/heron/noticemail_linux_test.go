package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// TestStandaloneNoticeMail: a standalone heron capturing live (a VXLAN
// mirror on a UDP socket in a network namespace) mails every notice of
// Notice::emailed_types to Notice::mail_dest by running Notice::sendmail
// (a real program that stores what it gets) as "sendmail -t -oi", as Zeek
// does; the same traffic read from a trace mails nothing, as Zeek's
// email_notice_to returns when reading_traces().
func TestStandaloneNoticeMail(t *testing.T) {
	dir := t.TempDir()
	mailDir := filepath.Join(dir, "mail")
	os.Mkdir(mailDir, 0o755)
	fake := filepath.Join(dir, "sendmail")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nf=$(mktemp "+mailDir+"/mail.XXXXXX)\necho \"args: $*\" > \"$f\"\ncat >> \"$f\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	sig := filepath.Join(dir, "user.sig")
	if err := os.WriteFile(sig, []byte(userSig), 0o644); err != nil {
		t.Fatal(err)
	}
	const requests = 4
	trace := writeBusyTrace(t, dir, requests)
	args := []string{"-s", sig, "Notice::emailed_types={Signatures::Sensitive_Signature}",
		"Notice::mail_dest=soc@example.org", "Notice::mail_subject_prefix=[IDS]", "Notice::sendmail=" + fake}
	mails := func() []string {
		names, _ := filepath.Glob(filepath.Join(mailDir, "mail.*"))
		var out []string
		for _, n := range names {
			b, _ := os.ReadFile(n)
			out = append(out, string(b))
			os.Remove(n)
		}
		return out
	}

	// From a trace: notices with email_dest, no mail.
	tdir := filepath.Join(dir, "trace")
	if code, _, errOut := runCLI(append([]string{"-C", "-r", trace, "--logdir", tdir}, args...)...); code != 0 {
		t.Fatalf("heron -r: exit %d: %s", code, errOut)
	}
	if m := mails(); len(m) != 0 {
		t.Errorf("reading a trace sent %d mails:\n%s", len(m), m[0])
	}

	// Live: one mail per emailed notice.
	logDir, _ := mirrorRun(t, vxlanTunnel, mirrorFrames(t, trace), fixedPort, args...)
	l, err := zeeklog.ReadFile(filepath.Join(logDir, "notice.log"))
	if err != nil {
		t.Fatal(err)
	}
	got := mails()
	if len(l.Records) != requests || len(got) != requests {
		t.Fatalf("%d notices, %d mails; want %d of each", len(l.Records), len(got), requests)
	}
	for _, r := range l.Records {
		want := "args: -t -oi\n" +
			"From: Zeek <zeek@localhost>\n" +
			"Subject: [IDS] Signatures::Sensitive_Signature\n" +
			"To: soc@example.org\n" +
			"User-Agent: Heron\n" +
			"\nMessage: " + r["msg"] + "\n" +
			"Sub-message: " + unescapeLogValue(r["sub"]) + "\n" +
			"\n" +
			"Connection: " + r["id.orig_h"] + ":" + r["id.orig_p"] + " -> " + r["id.resp_h"] + ":" + r["id.resp_p"] + "\n" +
			"Connection uid: " + r["uid"] + "\n" +
			"\nEmail Extensions\n----------------\n" +
			"\n\n--\n[Automatically generated]\n\n"
		found := false
		for _, m := range got {
			found = found || m == want
		}
		if !found {
			t.Errorf("no mail is\n%q\nmails:\n%q", want, got)
		}
	}
}
