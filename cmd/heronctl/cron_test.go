package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCronSwitch: cron enable, disable and ?, text and JSON against
// golden files; a disabled cron does nothing.
func TestCronSwitch(t *testing.T) {
	prefix := policyPrefix(t, nil)
	steps := []struct {
		name string
		args []string
	}{
		{"cron-query", []string{"cron", "?"}},
		{"cron-disable", []string{"cron", "disable"}},
		{"cron-query-disabled", []string{"cron", "?"}},
		{"cron-disabled-run", []string{"cron"}},
		{"cron-enable", []string{"cron", "enable"}},
	}
	for _, s := range steps {
		goldenTextAndJSON(t, s.name, append([]string{"--prefix", prefix}, s.args...), prefixFix(prefix))
	}
	b, err := os.ReadFile(filepath.Join(prefix, "spool", "cron-state.json"))
	if err != nil || strings.Contains(string(b), "disabled") {
		t.Errorf("state after enable: %v\n%s", err, b)
	}
}

// TestCronNotInstalled: before install, cron stays quiet, as zeekctl's.
func TestCronNotInstalled(t *testing.T) {
	prefix := policyPrefix(t, map[string]string{"etc/node.cfg": "[heron]\ntype=standalone\nhost=localhost\ninterface=eth0\n"})
	out, errOut, status := heronctl(t, "--prefix", prefix, "cron")
	if status != 0 || out != "" || errOut != "" {
		t.Errorf("status %d %q %q", status, out, errOut)
	}
}

// TestCronHousekeeping installs a cluster (its nodes not started) with
// heronctl's binaries, serves the workers' metrics from real HTTP servers
// and runs cron twice: the first run reports the full disks (MinDiskSpace
// 100) and the interface that sees no packets, in one mail through a
// sendmail program; expires back-dated archives (not KeepLogs'), crash
// reports and stats entries; writes stats.log and meta.dat under
// StatsDir; runs CronCmd. The second run reports nothing new and mails
// nothing.
func TestCronHousekeeping(t *testing.T) {
	base := freePorts(t, 5)
	prefix := testPrefix(t, map[string]string{
		"etc/node.cfg": "[logger]\ntype=logger\nhost=localhost\n[manager]\ntype=manager\nhost=localhost\n[proxy]\ntype=proxy\nhost=localhost\n" +
			"[worker-1]\ntype=worker\nhost=localhost\ninterface=eth0\n[worker-2]\ntype=worker\nhost=localhost\ninterface=eth1\n",
		"etc/networks.cfg":  "10.0.0.0/8\n",
		"bin/fake-sendmail": "#!/bin/sh\n# Keeps each mail it is given, for the test.\ncat >> \"$(dirname \"$0\")/../mail.txt\"\necho '=== end' >> \"$(dirname \"$0\")/../mail.txt\"\n",
	})
	os.Chmod(filepath.Join(prefix, "bin", "fake-sendmail"), 0o755)
	cfg := fmt.Sprintf(`ZeekPort = %d
MetricsPort = %d
SitePolicyScripts =
SendMail = %[3]s/bin/fake-sendmail
MailTo = noc@example.org
MinDiskSpace = 100
LogDir = %[3]s/logs
LogExpireInterval = 1 day
KeepLogs = dns.*
CrashExpireInterval = 1
StatsLogExpireInterval = 1
CronCmd = touch %[3]s/croncmd-ran
`, freePort(t), base, prefix)
	os.WriteFile(filepath.Join(prefix, "etc", "heronctl.cfg"), []byte(cfg), 0o644)
	// worker-1 gets packets, worker-2 none (its counters stand still).
	serveMetrics(t, prefix, func(node string, n int) string {
		switch node {
		case "worker-1":
			return fmt.Sprintf("heron_net_received_packets_total %d\nheron_net_received_bytes_total %d\n", n*1000, n*64000)
		case "worker-2":
			return "heron_net_received_packets_total 42\nheron_net_received_bytes_total 4200\n"
		}
		return "heron_version_info 1\n"
	})
	killLeftovers(t, filepath.Join(prefix, "spool"))
	mustCtl(t, prefix, "install")

	old := time.Now().Add(-72 * time.Hour)
	write := func(rel, text string, mtime time.Time) string {
		p := filepath.Join(prefix, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, mtime, mtime)
		return p
	}
	oldConn := write("logs/2020-01-01/conn.00:00:00-01:00:00.log.gz", "x", old)
	oldDNS := write("logs/2020-01-01/dns.00:00:00-01:00:00.log.gz", "x", old)
	newConn := write("logs/"+time.Now().Format("2006-01-02")+"/conn.00:00:00-01:00:00.log.gz", "x", time.Now())
	oldCrash := filepath.Dir(write("spool/crash/worker-1/2020-01-01T00:00:00.000Z/report.json", "{}", old))
	write("logs/stats/stats.log", "1000.000000 worker-1 parent pid 1\n", old)

	out, errOut, status := ctl(t, prefix, "cron")
	if status != 0 || out != "" {
		t.Fatalf("cron: status %d\n%s--- stderr\n%s", status, out, errOut)
	}
	for p, want := range map[string]bool{oldConn: false, oldDNS: true, newConn: true, oldCrash: false, filepath.Join(prefix, "croncmd-ran"): true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", p, err == nil, want)
		}
	}
	mailText, _ := os.ReadFile(filepath.Join(prefix, "mail.txt"))
	mails := strings.Count(string(mailText), "=== end")
	m := string(mailText)
	if mails != 1 || !strings.Contains(m, "Subject: [Heron] cron: localhost is not seeing any packets on interface eth1") ||
		!regexp.MustCompile(`(?m)^Disk space low on localhost:\S+ - [0-9.]+% used\.\r?$`).MatchString(m) ||
		!strings.Contains(m, "localhost is not seeing any packets on interface eth1") || strings.Contains(m, "interface eth0") {
		t.Errorf("%d mails:\n%s", mails, m)
	}
	stats, _ := os.ReadFile(filepath.Join(prefix, "logs", "stats", "stats.log"))
	st := string(stats)
	if strings.Contains(st, "1000.000000 ") || !regexp.MustCompile(`(?m)^\d+\.\d{6} logger error error not running$`).MatchString(st) {
		t.Errorf("stats.log:\n%s", st)
	}
	if _, err := os.Stat(filepath.Join(prefix, "spool", "stats.log")); err == nil {
		t.Error("StatsLog was not moved to StatsDir")
	}
	meta, _ := os.ReadFile(filepath.Join(prefix, "logs", "stats", "meta.dat"))
	if !strings.HasPrefix(string(meta), "node logger logger localhost\nnode manager manager localhost\n") || !strings.Contains(string(meta), "\nversion ") {
		t.Errorf("meta.dat:\n%s", meta)
	}

	out, errOut, status = ctl(t, prefix, "cron", "--json")
	var res struct {
		Cron cronResult `json:"cron"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || status != 0 {
		t.Fatalf("cron --json: status %d, %v\n%s%s", status, err, out, errOut)
	}
	if c := res.Cron; !c.Ran || c.Output != "" || c.Mailed || len(c.Alarms) != 0 || len(c.HostsDown) != 0 || len(c.Disk["localhost"]) == 0 {
		t.Errorf("second run: %+v", c)
	}
	mailText, _ = os.ReadFile(filepath.Join(prefix, "mail.txt"))
	if n := strings.Count(string(mailText), "=== end"); n != 1 {
		t.Errorf("%d mails after the second run, want still 1", n)
	}
}

// TestExpire: _expire's work on this host: archives past the age but
// KeepLogs' patterns, crash reports past theirs; wrong options are errors.
func TestExpire(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-48 * time.Hour)
	files := map[string]bool{ // path -> kept
		"logs/2020-01-01/conn.00:00:00-01:00:00.log.gz":                                   false,
		"logs/2020-01-01/notice.00:00:00-01:00:00.log.gz":                                 true,
		"logs/current-ish/conn.log":                                                       true, // not a dated directory
		"crash/w/2020-01-01T00:00:00.000Z/report.json":                                    false,
		"crash/w/" + time.Now().UTC().Format("2006-01-02T15:04:05.000Z") + "/report.json": true,
	}
	for p := range files {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte("x"), 0o644)
		os.Chtimes(full, old, old)
	}
	r, err := expire([]string{"--logs", filepath.Join(dir, "logs"), "--max-age", "86400", "--keep", "notice.*",
		"--crash", filepath.Join(dir, "crash"), "--crash-age", "86400"})
	if err != nil || len(r.Logs) != 1 || len(r.Crashes) != 1 {
		t.Fatalf("expire: %+v, %v", r, err)
	}
	for p, kept := range files {
		if _, err := os.Stat(filepath.Join(dir, p)); (err == nil) != kept {
			t.Errorf("%s: exists %v, want %v", p, err == nil, kept)
		}
	}
	for _, args := range [][]string{{"--logs"}, {"--max-age", "soon"}, {"--frob", "1"}} {
		if _, err := expire(args); err == nil {
			t.Errorf("expire(%q) accepted", args)
		}
	}
}

func TestExpireStats(t *testing.T) {
	p := filepath.Join(t.TempDir(), "stats.log")
	os.WriteFile(p, []byte("1000.000000 w parent pid 1\n2000.500000 w parent pid 2\n3000.000000 w parent pid 3\n"), 0o644)
	if err := expireStats(p, time.Unix(2000, 600_000_000)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "3000.000000 w parent pid 3\n" {
		t.Errorf("got %q", b)
	}
}
