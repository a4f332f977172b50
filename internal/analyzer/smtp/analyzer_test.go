package smtp

import (
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const greeting = "220 mx.example.com ESMTP ready\r\n"

const ehloReply = "250-mx.example.com Hello\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n"

// attachment is a binary file, base64-encoded in 76-character lines.
var attachment = func() string {
	b := make([]byte, 600)
	for i := range b {
		b[i] = byte(i*7 + i/13)
	}
	return base64.StdEncoding.EncodeToString(b)
}()

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	return b.String() + s + "\r\n"
}

const headers = "Received: from relay.example.net (relay.example.net [192.0.2.10]) by mx.example.com\r\n" +
	"Received: from client (unknown [198.51.100.7])\r\n\tby relay.example.net; Mon, 1 Jan 2024 00:00:00 +0000\r\n" +
	"From: \"Alice A.\" <alice@example.org>\r\n" +
	"To: Bob <bob@example.com>, \"Carol, C\" <carol@example.com>\r\n" +
	"Cc: dave@example.com\r\n" +
	"Reply-To: replies@example.org\r\n" +
	"Subject: quarterly numbers\r\n" +
	"Date: Mon, 1 Jan 2024 00:00:01 +0000\r\n" +
	"Message-ID: <msg-1@example.org>\r\n" +
	"In-Reply-To: <msg-0@example.org>\r\n" +
	"X-Originating-IP: [203.0.113.5]\r\n" +
	"X-Mailer: testmailer 1.0\r\n"

// conversations are the scripted exchanges every test plays; each has a
// golden file with what the analyzer logs.
var conversations = []struct {
	name   string
	script []at.Chunk
}{
	{name: "basic", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("EHLO client.example.org\r\n"),
		at.Resp(ehloReply),
		at.Orig("MAIL FROM:<alice@example.org> SIZE=100\r\n"),
		at.Resp("250 2.1.0 Ok\r\n"),
		at.Orig("RCPT TO:<bob@example.com>\r\n"),
		at.Resp("250 2.1.5 Ok\r\n"),
		at.Orig("RCPT TO:<carol@example.com> ORCPT=rfc822;carol@example.com\r\n"),
		at.Resp("250 2.1.5 Ok\r\n"),
		at.Orig("DATA\r\n"),
		at.Resp("354 End data with <CR><LF>.<CR><LF>\r\n"),
		at.Orig(headers + "\r\nHello Bob,\r\n..a stuffed dot\r\nbye\r\n.\r\n"),
		at.Resp("250 2.0.0 Ok: queued as 1234\r\n"),
		at.Orig("QUIT\r\n"),
		at.Resp("221 2.0.0 Bye\r\n"),
		at.End(true), at.End(false),
	}},
	{name: "multipart", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("HELO client\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"),
		at.Resp("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		at.Orig("From: a@example.org\r\nTo: b@example.com\r\nSubject: files\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n" +
			"preamble\r\n--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
			"Gr=C3=BC=C3=9Fe, this is the body text of the message.=\r\n continued\r\n" +
			"--XYZ\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n" +
			"Content-Disposition: attachment; filename=\"report%20final.bin\"\r\n\r\n" + wrap76(attachment) +
			"--XYZ\r\nContent-Type: text/plain; name*=utf-8''notes.txt\r\n\r\nsome notes that are long enough to sniff\r\n" +
			"--XYZ--\r\nepilogue\r\n.\r\n"),
		at.Resp("250 queued\r\n"),
		at.Orig("QUIT\r\n"),
		at.Resp("221 bye\r\n"),
		at.End(true), at.End(false),
	}},
	{name: "two-messages", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("EHLO c\r\n"),
		at.Resp(ehloReply),
		at.Orig("MAIL FROM:<one@example.org>\r\nRCPT TO:<x@example.com>\r\nRCPT TO:<nobody@example.com>\r\nDATA\r\n"),
		at.Resp("250 ok\r\n250 ok\r\n550 no such user\r\n354 go\r\n"),
		at.Orig("Subject: first\r\n\r\nfirst body line\r\n.\r\n"),
		at.Resp("250 first queued\r\n"),
		at.Orig("RSET\r\n"),
		at.Resp("250 reset\r\n"),
		at.Orig("MAIL FROM:<two@example.org>\r\nRCPT TO:<y@example.com>\r\nDATA\r\n"),
		at.Resp("250 ok\r\n250 ok\r\n354 go\r\n"),
		at.Orig("Subject: second\r\nUser-Agent: SquirrelMail/1.4\r\n\r\nsecond body line\r\n.\r\n"),
		at.Resp("250 second queued\r\n"),
		at.Orig("NOOP\r\nVRFY bob\r\nQUIT\r\n"),
		at.Resp("250 ok\r\n252 maybe\r\n221 bye\r\n"),
		at.End(true), at.End(false),
	}},
	{name: "starttls", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("EHLO c\r\n"),
		at.Resp("250-mx\r\n250 STARTTLS\r\n"),
		at.Orig("STARTTLS\r\n"),
		at.Resp("220 2.0.0 Ready to start TLS\r\n"),
		at.Orig("\x16\x03\x01\x00\x05hello\r\nnot a line"),
		at.Resp("\x16\x03\x03\x00\x02hi"),
		at.End(true), at.End(false),
	}},
	{name: "auth", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("EHLO c\r\n"),
		at.Resp("250-mx\r\n250 AUTH LOGIN PLAIN\r\n"),
		at.Orig("AUTH LOGIN\r\n"),
		at.Resp("334 VXNlcm5hbWU6\r\n"),
		at.Orig("dXNlcg==\r\n"),
		at.Resp("334 UGFzc3dvcmQ6\r\n"),
		at.Orig("cGFzcw==\r\n"),
		at.Resp("235 2.7.0 Authentication successful\r\n"),
		at.Orig("MAIL FROM:<u@example.org>\r\n"),
		at.Resp("250 ok\r\n"),
		at.Orig("QUIT\r\n"),
		at.Resp("221 bye\r\n"),
		at.End(true), at.End(false),
	}},
	{name: "bdat", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("EHLO c\r\n"),
		at.Resp(ehloReply),
		at.Orig("MAIL FROM:<b@example.org>\r\nRCPT TO:<r@example.com>\r\n"),
		at.Resp("250 ok\r\n250 ok\r\n"),
		at.Orig(bdat("Subject: chunked\r\nFrom: b@exam", false)),
		at.Resp("250 30 octets\r\n"),
		at.Orig(bdat("ple.org\r\nX-Lf: only\n\r\nbody line one\r\nlast line\r", true)),
		at.Resp("250 message queued\r\n"),
		at.Orig("QUIT\r\n"),
		at.Resp("221 bye\r\n"),
		at.End(true), at.End(false),
	}},
	{name: "bdat-0-last", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("EHLO c\r\nMAIL FROM:<b@example.org>\r\nRCPT TO:<r@example.com>\r\n"),
		at.Resp("250 mx\r\n250 ok\r\n250 ok\r\n"),
		at.Orig(bdat("Subject: empty end\r\n", false)),
		at.Resp("250 ok\r\n"),
		at.Orig("BDAT 0 LAST\r\n"),
		at.Resp("250 queued\r\n"),
		at.Orig("QUIT\r\n"),
		at.Resp("221 bye\r\n"),
		at.End(true), at.End(false),
	}},
	{name: "bdat-bad", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("EHLO c\r\nMAIL FROM:<b@example.org>\r\nRCPT TO:<r@example.com>\r\n"),
		at.Resp("250 mx\r\n250 ok\r\n250 ok\r\n"),
		at.Orig("BDAT 12 SCRAMBLE\r\nBDAT x\r\nBDAT\r\nBDAT 99999999999999999999 LAST\r\nBDAT 18446744073709551615\r\n"),
		at.Resp("501 syntax\r\n501 syntax\r\n501 syntax\r\n501 syntax\r\n552 too big\r\n"),
		at.Orig("BDAT 5\r\nabcde"),
		at.Resp("250 ok\r\n"),
		at.Orig("QUIT\r\n"),
		at.Resp("221 bye\r\n"),
		at.End(true), at.End(false),
	}},
	{name: "invalid-transactions", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("HELO c\r\nRCPT TO:<r@example.com>\r\nDATA\r\n"),
		at.Resp("250 mx\r\n503 need mail\r\n503 need rcpt\r\n"),
		at.Orig("WHAT is this\r\nMAIL FROM:<m@example.org>\r\n"),
		at.Resp("500 unknown\r\n250 ok\r\n"),
		at.Orig("QUIT\r\n"),
		at.Resp("221 bye\r\n"),
		at.End(true), at.End(false),
	}},
	{name: "bad-reply", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("EHLO c\r\n"),
		at.Resp("this is not smtp\r\n"),
		at.End(true), at.End(false),
	}},
	{name: "turn", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("HELO a\r\nTURN\r\n"),
		at.Resp("250 mx\r\n250 roles swap\r\n"),
		at.Resp("HELO b\r\nMAIL FROM:<turned@example.com>\r\n"),
		at.Orig("250 ok\r\n250 ok\r\n"),
		at.End(true), at.End(false),
	}},
	{name: "line-ends", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("EHLO c\r\r\nMAIL FROM:<x@example.org>\nRCPT TO:<y@example.com>\r\nDATA\r\n"),
		at.Resp("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		at.Orig("Subject: nul\x00 here\r\n\r\nline\rmore\r\n.\r\n"),
		at.Resp("250 ok\r\n"),
		at.Orig("QUIT"),
		at.End(true), at.End(false),
	}},
	{name: "partial-data-at-end", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("EHLO c\r\nMAIL FROM:<x@example.org>\r\nRCPT TO:<y@example.com>\r\nDATA\r\n"),
		at.Resp("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		at.Orig("Subject: cut off\r\n\r\nthe connection ends in the mid"),
		at.End(true), at.End(false),
	}},
	{name: "gap-in-data", script: []at.Chunk{
		at.Resp(greeting),
		at.Orig("EHLO c\r\nMAIL FROM:<x@example.org>\r\nRCPT TO:<y@example.com>\r\nDATA\r\n"),
		at.Resp("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		at.Orig("Subject: gap\r\n\r\nsome text before the gap\r\n"),
		at.Gap(true, 500),
		at.Orig("after the gap\r\n.\r\n"),
		at.Resp("250 ok\r\n"),
		at.Orig("MAIL FROM:<z@example.org>\r\nRCPT TO:<y@example.com>\r\nDATA\r\n"),
		at.Resp("250 ok\r\n250 ok\r\n354 go\r\n"),
		at.Orig("Subject: after\r\n\r\nfine\r\n.\r\n"),
		at.Resp("250 ok\r\n"),
		at.End(true), at.End(false),
	}},
}

// bdat is a BDAT command with its chunk.
func bdat(chunk string, last bool) string {
	cmd := "BDAT " + strconv.Itoa(len(chunk))
	if last {
		cmd += " LAST"
	}
	return cmd + "\r\n" + chunk
}

func goldenPath(name string) string { return filepath.Join("testdata", "golden", name+".txt") }

// checkGolden compares lines with a golden file (or writes it with
// -update).
func checkGolden(t *testing.T, name string, got []string) {
	t.Helper()
	text := strings.Join(got, "\n") + "\n"
	path := goldenPath(name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != text {
		t.Errorf("%s differs from %s:\n got:\n%s\n want:\n%s", name, path, text, want)
	}
}

// TestConversations plays every conversation cut at every byte and
// compares the result with its golden file.
func TestConversations(t *testing.T) {
	for _, c := range conversations {
		t.Run(c.name, func(t *testing.T) {
			got := at.SplitEvery(t, c.script, newRig, (*rig).summary)
			checkGolden(t, c.name, got)
		})
	}
}
