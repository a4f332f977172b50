package smtp_test

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// runRecorded runs the default node, with hash-all-files and
// extract-all-files, over a trace recorded from real SMTP software by
// testdata/record.sh and returns the log and extraction directories.
func runRecorded(t *testing.T, trace string) (logDir, extractDir string) {
	t.Helper()
	loaded, err := scripts.Load(false, []string{"frameworks/files/hash-all-files", "frameworks/files/extract-all-files"})
	if err != nil {
		t.Fatal(err)
	}
	extractDir = filepath.Join(t.TempDir(), "extract_files")
	if err := options.Apply("FileExtract::prefix=" + extractDir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = options.Apply("FileExtract::prefix=./extract_files/") })
	cfg := node.DefaultConfig()
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Trace = trace
	cfg.Log.LogDir = t.TempDir()
	cfg.Conn.Seed = 5
	if _, err := node.Run(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Log.LogDir, extractDir
}

func readLog(t *testing.T, dir, name string) *zeeklog.Log {
	t.Helper()
	l, err := zeeklog.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestRecordedTrace checks the analysis of real SMTP traffic (aiosmtpd
// with swaks and smtplib clients), recorded once by testdata/record.sh:
// detection on a port SMTP is not registered for, every transaction logged
// with its envelope and headers, STARTTLS handed to SSL, attachments as
// files with their names and exactly their bytes.
func TestRecordedTrace(t *testing.T) { checkRecording(t, "testdata") }

// TestLiveRecording records the traffic afresh (root and record.sh's
// packages needed, else it skips) and checks it the same way.
func TestLiveRecording(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no live recording")
	}
	if os.Geteuid() != 0 {
		t.Skip("recording needs root (network namespaces)")
	}
	for _, tool := range []string{"ip", "ethtool", "tcpdump", "openssl", "swaks", "/usr/bin/python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("recording needs %s", tool)
		}
	}
	if exec.Command("/usr/bin/python3", "-c", "import aiosmtpd").Run() != nil {
		t.Skip("recording needs python3-aiosmtpd")
	}
	dir := t.TempDir()
	out, err := exec.Command("bash", filepath.Join("testdata", "record.sh"), dir).CombinedOutput()
	if err != nil {
		t.Fatalf("record.sh: %v\n%s", err, out)
	}
	checkRecording(t, dir)
}

// checkRecording analyses dir/smtp.pcap and checks the logs, with the
// attachments' sums from dir/smtp.sums.
func checkRecording(t *testing.T, dir string) {
	logDir, extractDir := runRecorded(t, filepath.Join(dir, "smtp.pcap"))
	conns := readLog(t, logDir, "conn.log")
	services := map[string][]string{}
	uidPort := map[string]string{}
	for _, c := range conns.Records {
		services[c["id.resp_p"]] = append(services[c["id.resp_p"]], c["service"])
		uidPort[c["uid"]] = c["id.resp_p"]
	}
	for port, want := range map[string][]string{"25": {"smtp"}, "587": {"smtp,ssl"}, "2525": {"smtp", "smtp"}} {
		if !slices.Equal(services[port], want) {
			t.Errorf("port %s: services %q, want %q", port, services[port], want)
		}
	}

	smtpLog := readLog(t, logDir, "smtp.log")
	if n := len(smtpLog.Records); n != 5 {
		t.Fatalf("%d smtp.log records, want 5", n)
	}
	bySubject := map[string]map[string]string{}
	for _, r := range smtpLog.Records {
		bySubject[r["subject"]] = r
	}
	check := func(subject string, want map[string]string) {
		t.Helper()
		r := bySubject[subject]
		if r == nil {
			t.Errorf("no record with subject %q", subject)
			return
		}
		for f, v := range want {
			got := r[f]
			if f == "rcptto" || f == "to" {
				parts := strings.Split(got, ",")
				slices.Sort(parts)
				got = strings.Join(parts, ",")
			}
			if got != v {
				t.Errorf("%q: %s = %q, want %q", subject, f, got, v)
			}
		}
	}
	check("quarterly report", map[string]string{
		"trans_depth": "1", "helo": "client.heron.test", "mailfrom": "alice@heron.test",
		"rcptto": "bob@heron.test,carol@heron.test", "cc": "Dave <dave@heron.test>", "user_agent": "swaks",
		"tls": "F", "last_reply": "250 2.0.0 Ok: queued as HERON0001",
	})
	check("Re: numbers", map[string]string{
		"trans_depth": "1", "rcptto": "bob@heron.test,nobody@heron.test", "reply_to": "alice+replies@heron.test",
		"in_reply_to": "<earlier@heron.test>", "x_originating_ip": "203.0.113.9", "user_agent": "heron-recorder/1.0",
		"path": "10.90.0.1,10.90.0.2,192.0.2.77,198.51.100.23",
		"to":   "\"Nobody\\x2c really\" <nobody@heron.test>,Bob <bob@heron.test>",
	})
	check("picture", map[string]string{"trans_depth": "2", "mailfrom": "alice@heron.test", "rcptto": "carol@heron.test"})
	check("pipelined", map[string]string{
		"helo": "pipeliner.heron.test", "mailfrom": "pipe@heron.test", "rcptto": "bob@heron.test,carol@heron.test",
	})
	check("-", map[string]string{"tls": "T", "last_reply": "220 Ready to start TLS", "fuids": "(empty)"})

	ssl := readLog(t, logDir, "ssl.log")
	if len(ssl.Records) != 1 || ssl.Records[0]["version"] != "TLSv12" || ssl.Records[0]["established"] != "T" ||
		uidPort[ssl.Records[0]["uid"]] != "587" {
		t.Errorf("ssl.log: %v", ssl.Records)
	}
	x509 := readLog(t, logDir, "x509.log")
	if len(x509.Records) != 1 || x509.Records[0]["certificate.subject"] != "O=Heron test,CN=mx.heron.test" {
		t.Errorf("x509.log: %v", x509.Records)
	}
	if _, err := os.Stat(filepath.Join(logDir, "weird.log")); err == nil {
		t.Errorf("weird.log written: %v", readLog(t, logDir, "weird.log").Records)
	}

	// Attachments: names, and the bytes the client sent (smtp.sums).
	sums, err := os.ReadFile(filepath.Join(dir, "smtp.sums"))
	if err != nil {
		t.Fatal(err)
	}
	wantMD5 := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		f := strings.Fields(line)
		wantMD5[f[1]] = f[0]
	}
	filesLog := readLog(t, logDir, "files.log")
	if n := len(filesLog.Records); n != 8 {
		t.Errorf("%d files, want 8", n)
	}
	fuids := map[string]bool{}
	for _, r := range smtpLog.Records {
		for _, id := range strings.Split(r["fuids"], ",") {
			fuids[id] = true
		}
	}
	named := 0
	for _, r := range filesLog.Records {
		if r["source"] != "SMTP" || !fuids[r["fuid"]] {
			t.Errorf("file %s: source %s, listed in smtp.log: %v", r["fuid"], r["source"], fuids[r["fuid"]])
		}
		b, err := os.ReadFile(filepath.Join(extractDir, r["extracted"]))
		if err != nil {
			t.Errorf("%s: %v", r["fuid"], err)
			continue
		}
		m := md5.Sum(b)
		if got := hex.EncodeToString(m[:]); got != r["md5"] {
			t.Errorf("%s: extracted bytes hash to %s, files.log says %s", r["fuid"], got, r["md5"])
		}
		if want, ok := wantMD5[r["filename"]]; ok {
			named++
			if r["md5"] != want {
				t.Errorf("%s: md5 %s, the client sent %s", r["filename"], r["md5"], want)
			}
		}
	}
	if named != 2 {
		t.Errorf("%d of the two named attachments found", named)
	}
}
