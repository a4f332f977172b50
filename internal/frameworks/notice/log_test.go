package notice

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
	"github.com/heron-nsm/heron/internal/zeek"
)

var noticeTestType = RegisterType("NoticeTestType")

// runLogs raises notices through a framework whose logs go to real
// streams in a temporary directory, and returns that directory.
func runLogs(t *testing.T, cfg Config, exts []string, raise func(f *Framework)) string {
	t.Helper()
	dir := t.TempDir()
	lc := logging.DefaultConfig()
	lc.LogDir = dir
	lc.Extensions = exts
	lc.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	m, err := logging.NewManager(lc)
	if err != nil {
		t.Fatal(err)
	}
	nl, al, err := NewStreams(m)
	if err != nil {
		t.Fatal(err)
	}
	f := New(cfg, Writer(nl), Writer(al))
	raise(f)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

var (
	tsField    = regexp.MustCompile(`^\d+\.\d{6}\t`)
	btestMasks = regexp.MustCompile(`^#(open|close)[ \t].*$`)
)

// normalize makes a log comparable with a btest baseline: no btest
// banner, #open and #close without their dates, and, when maskTS, the
// record timestamps masked as btest masks them.
func normalize(s string, maskTS bool) string {
	var out []string
	for line := range strings.SplitSeq(strings.TrimRight(s, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "### "):
			continue
		case btestMasks.MatchString(line):
			line = btestMasks.ReplaceAllString(line, "#$1")
		case maskTS && !strings.HasPrefix(line, "#"):
			line = tsField.ReplaceAllString(line, "XXXXXXXXXX.XXXXXX\t")
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from Heron's output")

// zeekRef names Zeek's own record of an expected output: a btest baseline
// in Zeek's source tree (btest != "") or a log of the shared corpus.
type zeekRef struct {
	btest  string // testing/btest/Baseline/<btest>
	corpus string // zeek-corpus/baselines/<corpus>
}

// read returns Zeek's expected output, or "" with the reason it is not
// available here.
func (z zeekRef) read(t *testing.T) (string, string) {
	t.Helper()
	var path string
	switch {
	case z.btest != "":
		src := refdata.ZeekSourceDir()
		if src == "" {
			return "", "no Zeek source tree (HERON_ZEEK_SRC)"
		}
		path = filepath.Join(src, "testing", "btest", "Baseline", z.btest)
	default:
		sh := refdata.SharedDir()
		if sh == "" {
			return "", "../shared is absent"
		}
		path = filepath.Join(sh, "zeek-corpus", "baselines", z.corpus)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), ""
}

// checkOutput compares Heron's output (already normalized) with its golden
// file testdata/golden/<name>.golden (rewritten with -update) and, when Zeek's own
// record of it is available, with that.
func checkOutput(t *testing.T, name, got string, ref zeekRef, maskTS bool) {
	t.Helper()
	golden := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.TrimRight(string(want), "\n"); got != w {
		t.Errorf("%s differs from its golden file\n--- got\n%s\n--- want\n%s", name, got, w)
	}
	z, why := ref.read(t)
	if why != "" {
		t.Logf("not compared with Zeek: %s", why)
		return
	}
	if w := strings.TrimRight(normalize(z, maskTS), "\n"); got != w {
		t.Errorf("%s differs from Zeek's\n--- got\n%s\n--- Zeek\n%s", name, got, w)
	}
}

// TestZeekBaselines raises the notices of Zeek's notice framework tests and
// compares notice.log with Heron's golden files and, where available, with
// Zeek's baselines of those tests.
func TestZeekBaselines(t *testing.T) {
	geo := []string{ExtGeoData}
	const nb = "scripts.base.frameworks.notice."
	cases := []struct {
		baseline string
		zeek     zeekRef
		exts     []string // extensions: add-geodata when the test loads base/frameworks/notice
		maskTS   bool
		cfg      func(*Config)
		raise    func(f *Framework)
	}{
		// scripts/base/frameworks/notice/suppression.zeek: three notices with
		// the same identifier, the last 1 ms later; only the first is logged.
		{"suppression.notice.log", zeekRef{btest: nb + "suppression/notice.log"}, geo, true, nil, func(f *Framework) {
			f.Notice(0, Info{Note: testNotice, Msg: zeek.Some("test"), Identifier: zeek.Some("static")})
			f.Notice(0, Info{Note: testNotice, Msg: zeek.Some("test again"), Identifier: zeek.Some("static")})
			f.Notice(zeek.Time(zeek.Millisecond), Info{Note: testNotice, Msg: zeek.Some("another test"), Identifier: zeek.Some("static")})
		}},
		// action-email-admin.zeek: ACTION_EMAIL_ADMIN added by a policy,
		// administrators from Site::local_admins.
		{"action-email-admin.notice.log", zeekRef{btest: nb + "action-email-admin/notice.log"}, geo, true, emailAdminConfig, func(f *Framework) {
			f.Notice(0, Info{Note: testNotice, Msg: zeek.Some("test"), Identifier: zeek.Some("static"),
				Src: zeek.Some(netip.MustParseAddr("1.1.1.1")), Dst: zeek.Some(netip.MustParseAddr("2.2.2.2"))})
		}},
		// cluster.zeek: a notice raised on worker-1, logged by the manager.
		{"cluster.manager.notice.log", zeekRef{btest: nb + "cluster/manager.notice.log"}, geo, true, func(c *Config) { c.Node = "worker-1" }, func(f *Framework) {
			f.Notice(0, Info{Note: testNotice, Msg: zeek.Some("test notice!")})
		}},
		// file-info-no-conns.zeek (loads base/frameworks/notice/main only).
		{"file-info-no-conns.notice.log", zeekRef{btest: nb + "file-info-no-conns/notice.log"}, nil, true, nil, func(f *Framework) {
			f.Notice(0, Info{Note: noticeTestType, Msg: zeek.Some("test"), File: zeek.Some(FileInfo{
				FUID: "F6EpcI3V7f021PQMmh", Desc: "", Mime: zeek.Some("application/pdf")})})
		}},
		// file-info-multiple-conns.zeek.
		{"file-info-multiple-conns.notice.log", zeekRef{btest: nb + "file-info-multiple-conns/notice.log"}, nil, true, nil, func(f *Framework) {
			lo := netip.MustParseAddr("127.0.0.1")
			f.Notice(0, Info{Note: noticeTestType, Msg: zeek.Some("test"), File: zeek.Some(FileInfo{
				FUID: "FDXrtA2UOyNDs2wzk8", Desc: "http://localhost:8080:8080/zeek.txt", Mime: zeek.Some("text/plain"),
				CID: zeek.Some(tcpID(lo, 48770, lo, 8080)), CUID: zeek.Some("ClEkJM2Vm5giqnMf4h")})})
		}},
		// Zeek's default mode on ieee80211.15.4.pcap: the packet filter
		// framework's notice at time 0 (unmasked).
		{"default-ieee80211.notice.log", zeekRef{corpus: "default/ieee80211.15.4.pcap/notice.log"}, geo, false, nil, func(f *Framework) {
			f.Notice(0, Info{Note: RegisterType("PacketFilter::Install_Failure"),
				Msg: zeek.Some("Installing packet filter failed"), Sub: zeek.Some("ip or not ip")})
		}},
	}
	for _, c := range cases {
		t.Run(c.baseline, func(t *testing.T) {
			cfg := DefaultConfig()
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			dir := runLogs(t, cfg, c.exts, c.raise)
			got, err := os.ReadFile(filepath.Join(dir, "notice.log"))
			if err != nil {
				t.Fatal(err)
			}
			checkOutput(t, c.baseline, normalize(string(got), c.maskTS), c.zeek, c.maskTS)
			if _, err := os.Stat(filepath.Join(dir, "notice_alarm.log")); err == nil {
				t.Error("notice_alarm.log written without ACTION_ALARM")
			}
		})
	}
}

func emailAdminConfig(c *Config) {
	c.MailDest = "user@example.net"
	c.AdminEmails = func(a zeek.Addr) string {
		switch {
		case netip.MustParsePrefix("1.0.0.0/8").Contains(a):
			return "postmaster@the.cloud, cloudflare@example.net"
		case netip.MustParsePrefix("2.0.0.0/8").Contains(a):
			return "2_dot@example.net"
		}
		return ""
	}
	c.Policy = []PolicyFunc{func(n *Info) bool { n.AddAction(ActionEmailAdmin); return true }}
}

func TestAlarmLog(t *testing.T) {
	cfg := DefaultConfig()
	cfg.AlarmedTypes = []Type{otherType}
	lo := netip.MustParseAddr("141.42.64.125")
	dst := netip.MustParseAddr("125.190.109.199")
	dir := runLogs(t, cfg, []string{ExtGeoData}, func(f *Framework) {
		f.Notice(1128727435*sec, Info{Note: testNotice, Msg: zeek.Some("plain")})
		f.Notice(1128727435*sec+sec/2, Info{Note: otherType, Msg: zeek.Some("alarming"),
			Conn: zeek.Some(Conn{UID: "ClEkJM2Vm5giqnMf4h", ID: tcpID(lo, 56730, dst, 80)}), N: zeek.Some(uint64(3))})
	})
	nl, err := zeeklog.ReadFile(filepath.Join(dir, "notice.log"))
	if err != nil {
		t.Fatal(err)
	}
	al, err := zeeklog.ReadFile(filepath.Join(dir, "notice_alarm.log"))
	if err != nil {
		t.Fatal(err)
	}
	if al.Path != "notice_alarm" || len(al.Records) != 1 || len(nl.Records) != 2 {
		t.Fatalf("alarm log %q with %d records, notice log %d records", al.Path, len(al.Records), len(nl.Records))
	}
	if strings.Join(al.Fields, " ") != strings.Join(nl.Fields, " ") || strings.Join(al.Types, " ") != strings.Join(nl.Types, " ") {
		t.Errorf("alarm log columns differ:\n%v\n%v", al.Fields, nl.Fields)
	}
	want := map[string]string{
		"ts": "1128727435.500000", "uid": "ClEkJM2Vm5giqnMf4h", "id.orig_h": "141.42.64.125", "id.orig_p": "56730",
		"id.resp_h": "125.190.109.199", "id.resp_p": "80", "proto": "tcp", "note": "Test::Other", "msg": "alarming",
		"sub": "-", "src": "141.42.64.125", "dst": "125.190.109.199", "p": "80", "n": "3", "peer_descr": "-",
		"actions": "Notice::ACTION_ALARM,Notice::ACTION_LOG", "email_dest": "(empty)", "suppress_for": "3600.000000",
		"remote_location.country_code": "-", "remote_location.longitude": "-",
	}
	for k, v := range want {
		if got := al.Records[0][k]; got != v {
			t.Errorf("notice_alarm.log %s = %q, want %q", k, got, v)
		}
		if got := nl.Records[1][k]; got != v {
			t.Errorf("notice.log %s = %q, want %q", k, got, v)
		}
	}
	if nl.Records[0]["actions"] != "Notice::ACTION_LOG" || nl.Records[0]["id.orig_h"] != "-" || nl.Records[0]["proto"] != "-" {
		t.Errorf("first record %v", nl.Records[0])
	}
}

// TestEmailBaselines composes the mails of Zeek's action-email and
// action-email-admin tests and compares them with what Zeek piped into
// sendmail.
func TestEmailBaselines(t *testing.T) {
	const nb = "scripts.base.frameworks.notice."
	cases := []struct {
		baseline string
		zeek     zeekRef
		cfg      func(*Config)
		n        Info
	}{
		{"action-email.sendmail.out", zeekRef{btest: nb + "action-email/sendmail.out"}, func(c *Config) {
			c.MailDest = "user@example.net"
			c.Policy = []PolicyFunc{func(n *Info) bool { n.AddAction(ActionEmail); return true }}
		}, Info{Note: testNotice, Msg: zeek.Some("test"), Identifier: zeek.Some("static")}},
		{"action-email-admin.sendmail.out", zeekRef{btest: nb + "action-email-admin/sendmail.out"}, emailAdminConfig, Info{Note: testNotice, Msg: zeek.Some("test"),
			Identifier: zeek.Some("static"), Src: zeek.Some(netip.MustParseAddr("1.1.1.1")), Dst: zeek.Some(netip.MustParseAddr("2.2.2.2"))}},
	}
	for _, c := range cases {
		t.Run(c.baseline, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.UserAgent = "Zeek/$zeek_version()"
			c.cfg(&cfg)
			mail := &mailRec{}
			cfg.Mailer = mail
			New(cfg, nil, nil).Notice(0, c.n)
			var got strings.Builder
			for _, m := range mail.msgs {
				got.WriteString("------- cmdline args -----------\n-t -oi\n----------- stdin --------------\n")
				got.WriteString(m)
			}
			checkOutput(t, c.baseline, strings.TrimRight(got.String(), "\n"), c.zeek, false)
		})
	}
}

func TestEmailText(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ReplyTo = "noc@example.net"
	f := New(cfg, nil, nil)
	n := &Info{Note: testNotice, Msg: zeek.Some("m"), Sub: zeek.Some("s"), FileDesc: zeek.Some("http://x/y"),
		FileMimeType: zeek.Some("text/html"), UID: zeek.Some("Cx"), ID: zeek.Some(tcpID(a1, 1, netip.MustParseAddr("2001:db8::1"), 443)),
		EmailBodySections: []string{"one", "two"}}
	want := "From: Zeek <zeek@localhost>\nSubject: [Zeek] Test_Notice\nTo: d@example.net\nUser-Agent: Heron\nReply-To: noc@example.net\n" +
		"\nMessage: m\nSub-message: s\n\nFile Description: http://x/y\nFile MIME Type: text/html\n\n" +
		"Connection: 10.0.0.1:1 -> 2001:db8::1:443\nConnection uid: Cx\n" +
		"\nEmail Extensions\n----------------\none\ntwo\n\n\n--\n[Automatically generated]\n\n"
	if got := string(f.EmailText(n, "d@example.net", true)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Without extension: no "Email Extensions" part.
	if got := string(f.EmailText(n, "d", false)); strings.Contains(got, "Email Extensions") {
		t.Errorf("extension in %q", got)
	}
}
