package smtp

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	at "github.com/heron-nsm/heron/internal/analyzer/analyzertest"
)

// setVar sets a package option for one test.
func setVar[T any](t *testing.T, p *T, v T) {
	old := *p
	*p = v
	t.Cleanup(func() { *p = old })
}

func playRig(script []at.Chunk) *rig {
	r := newRig()
	at.Play(r, script)
	r.Done()
	return r
}

var oneMessage = []at.Chunk{
	at.Resp(greeting),
	at.Orig("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"),
	at.Resp("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
	at.Orig("Subject: s\r\nUser-Agent: SquirrelMail/1.4\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nfirst part, plain text.\r\n" +
		"--b\r\nContent-Disposition: attachment; filename=x.txt\r\n\r\nsecond part, an attachment.\r\n--b--\r\n.\r\n"),
	at.Resp("250 queued\r\n"),
	at.Orig("QUIT\r\n"),
	at.Resp("221 bye\r\n"),
	at.End(true), at.End(false),
}

// TestRFC822Files: with SMTP::enable_rfc822_msg_file_analysis the whole
// message is a message/rfc822 file, first in fuids, and the parent of
// the entities' files.
func TestRFC822Files(t *testing.T) {
	setVar(t, &enableRFC822, true)
	r := playRig(oneMessage)
	if len(r.h.logs) != 1 {
		t.Fatalf("%d smtp records", len(r.h.logs))
	}
	rec := r.h.logs[0]
	if len(rec.FUIDs) != 3 {
		t.Fatalf("fuids %v, want the message and the two parts (the multipart entity has no content)", rec.FUIDs)
	}
	byID := map[string]int{}
	for i, f := range r.h.FileLogs {
		byID[f.FUID] = i
	}
	msg := r.h.FileLogs[byID[rec.FUIDs[0]]]
	if msg.MIMEType.V != "message/rfc822" || msg.ParentFUID.Set {
		t.Errorf("message file: %s", fileString(&msg))
	}
	body := oneMessage[3].Data
	if want := uint64(len(body)) - 3; msg.SeenBytes != want { // the final ".\r\n" is not part of it
		t.Errorf("message file has %d bytes, want %d", msg.SeenBytes, want)
	}
	for _, id := range rec.FUIDs[1:] {
		f := r.h.FileLogs[byID[id]]
		if !f.ParentFUID.Set || f.ParentFUID.V != rec.FUIDs[0] {
			t.Errorf("entity file %s has parent %v", id, f.ParentFUID)
		}
	}
}

// TestWebmail: with policy/protocols/smtp/software a webmail User-Agent
// sets is_webmail.
func TestWebmailColumn(t *testing.T) {
	r := playRig(oneMessage)
	if r.h.logs[0].IsWebmail {
		t.Error("is_webmail set without policy/protocols/smtp/software")
	}
	setVar(t, &softwareLoaded, true)
	r = playRig(oneMessage)
	if !r.h.logs[0].IsWebmail {
		t.Error("is_webmail not set for SquirrelMail")
	}
}

// TestDisableAfterInvalidTransactions: past
// SMTP::max_invalid_mail_transactions the analyzer stops, after the
// delivery at hand, and the record under way is still logged at the end.
func TestDisableAfterInvalidTransactions(t *testing.T) {
	setVar(t, &maxInvalidMailTransactions, 1)
	r := playRig([]at.Chunk{
		at.Resp(greeting),
		at.Orig("HELO c\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\n"),
		at.Resp("250 mx\r\n503 no\r\n503 no\r\n503 no\r\n"),
		at.Orig("MAIL FROM:<late@example.org>\r\n"),
		at.Resp("250 ok\r\n"),
		at.End(true), at.End(false),
	})
	want := []string{
		"smtp_mail_transaction_invalid|rcpt to missing mail from|SMTP",
		"smtp_mail_transaction_invalid|rcpt to missing mail from|SMTP",
		"smtp_excessive_invalid_mail_transactions|2 > 1|SMTP",
		"smtp_mail_transaction_invalid|rcpt to missing mail from|SMTP",
	}
	if !slices.Equal(r.h.Weirds, want) {
		t.Errorf("weirds %q, want %q", r.h.Weirds, want)
	}
	if r.h.Limits != 1 {
		t.Errorf("history X marked %d times", r.h.Limits)
	}
	if len(r.h.logs) != 1 || len(r.h.logs[0].RcptTo.V) != 3 || r.h.logs[0].MailFrom.Set {
		t.Errorf("records %v: want the one of the three RCPTs, without the MAIL FROM sent after the disabling", r.h.logs)
	}
}

// TestAddressLimits: the scripts' limits cap the sets with a weird.
func TestAddressLimits(t *testing.T) {
	setVar(t, &maxRcptToAddresses, 2)
	setVar(t, &maxToAddresses, 1)
	setVar(t, &maxPathLength, 3)
	r := playRig([]at.Chunk{
		at.Resp(greeting),
		at.Orig("HELO c\r\nMAIL FROM:<m@x>\r\nRCPT TO:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<a@x>\r\nRCPT TO:<c@x>\r\nDATA\r\n"),
		at.Resp("250 mx\r\n250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		at.Orig("To: a@x, b@x\r\nReceived: from a ([192.0.2.1])\r\nReceived: from b ([192.0.2.2])\r\n\r\nx\r\n.\r\n"),
		at.Resp("250 ok\r\n"),
		at.End(true), at.End(false),
	})
	rec := r.h.logs[0]
	if len(rec.RcptTo.V) != 2 || len(rec.To.V) != 1 || len(rec.Path.V) != 3 {
		t.Errorf("rcptto %v to %v path %v", rec.RcptTo.V, rec.To.V, rec.Path.V)
	}
	want := []string{
		"smtp_too_many_rcptto_addresses||", "smtp_too_many_rcptto_addresses||",
		"smtp_too_many_to_addresses||", "smtp_max_path_length_exceeded||",
	}
	if !slices.Equal(r.h.Weirds, want) {
		t.Errorf("weirds %q, want %q", r.h.Weirds, want)
	}
}

// TestPendingCommandsBounded: commands without replies are bounded, with
// Zeek's weird when the queue overflows.
func TestPendingCommandsBounded(t *testing.T) {
	r := newRig()
	r.DeliverStream([]byte(greeting), false)
	line := []byte("NOOP\r\n")
	for i := 0; i < 5000; i++ {
		r.DeliverStream(line, true)
	}
	if n := len(r.queue) - r.qHead; n > maxPendingCmds {
		t.Errorf("%d commands pending", n)
	}
	if cap(r.queue) > 2*maxPendingCmds {
		t.Errorf("the queue grew to %d", cap(r.queue))
	}
	// Replies and commands in step keep it small.
	for i := 0; i < 5000; i++ {
		r.DeliverStream(line, true)
		r.DeliverStream([]byte("250 ok\r\n"), false)
	}
	if cap(r.queue) > 2*maxPendingCmds {
		t.Errorf("the queue grew to %d", cap(r.queue))
	}
	r.Done()
	n := 0
	for _, w := range r.h.Weirds {
		if strings.HasPrefix(w, "smtp_excessive_pending_cmds|") {
			n++
		}
	}
	if n == 0 {
		t.Error("no smtp_excessive_pending_cmds weird")
	}
}

// TestPartialConnection: as in Zeek, a connection whose handshake was
// not seen is not analysed.
func TestPartialConnection(t *testing.T) {
	h := newTestHost()
	h.IsPartial = true
	r := &rig{Analyzer: newSMTP(h), h: h}
	at.Play(r, oneMessage)
	r.Done()
	if len(h.logs) != 0 || h.Confirms != 0 {
		t.Errorf("partial connection analysed: %v", r.summary())
	}
}

// TestUnlimitedSetsStayBounded: with a script limit switched off (0),
// Heron's own bound still holds the set.
func TestUnlimitedSetsStayBounded(t *testing.T) {
	setVar(t, &maxRcptToAddresses, 0)
	r := newRig()
	r.DeliverStream([]byte(greeting+"250 mx\r\n250 ok\r\n"), false)
	r.DeliverStream([]byte("HELO c\r\nMAIL FROM:<m@x>\r\n"), true)
	var b strings.Builder
	for i := 0; i < maxSetSize+100; i++ {
		b.WriteString("RCPT TO:<u")
		b.WriteString(strconv.Itoa(i))
		b.WriteString("@example.com>\r\n")
	}
	r.DeliverStream([]byte(b.String()), true)
	if n := len(r.s.cur.info.RcptTo.V); n != maxSetSize {
		t.Errorf("%d addresses kept, want %d", n, maxSetSize)
	}
	r.Done()
	if len(r.h.logs) != 1 || !slices.Contains(r.h.Weirds, "smtp_too_many_rcptto_addresses||") {
		t.Errorf("%d records, weirds %q", len(r.h.logs), r.h.Weirds[:min(3, len(r.h.Weirds))])
	}
}
