package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/testutil/heronbin"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// The multi-host test's network: three "hosts" on one LAN, each a network
// namespace plugged into a bridge that lives in a namespace of its own
// (the switch); the control host is the test's own namespace. The LAN's
// /24 depends on the test process, so that two runs at once do not meet.
var (
	mhSubnet  = fmt.Sprintf("10.213.%d.", os.Getpid()%250+1)
	mhCtlAddr = mhSubnet + "1" // the control host (this namespace)
	mhHostA   = mhSubnet + "2" // logger, manager, proxy
	mhHostB   = mhSubnet + "3" // the workers
)

// The hosts' SSH port and the control host's SMTP port.
const (
	mhSSHPort  = 2222
	mhSMTPPort = 2525
)

// mhHost is one host of the multi-host test: a network namespace with its
// own sshd, started in a mount namespace of its own where a tmpfs covers
// the prefix.
type mhHost struct {
	name string // the namespace
	addr string
	sshd int // sshd's pid: /proc/PID/root is the host's file system
}

// root returns path as the host sees it, through sshd's root.
func (h *mhHost) root(path string) string {
	return filepath.Join(fmt.Sprintf("/proc/%d/root", h.sshd), path)
}

// mhRun runs a command that must succeed.
func mhRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// mhNeed skips the test unless it runs as root with the programs it uses.
func mhNeed(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the multi-host test makes network namespaces and runs sshd (it is not root)")
	}
	for _, p := range []struct{ prog, pkg string }{
		{"/usr/sbin/sshd", "openssh-server"}, {"ssh-keygen", "openssh-client"}, {"ip", "iproute2"},
		{"unshare", "util-linux"}, {"tcpreplay", "tcpreplay"}, {"msmtp", "msmtp"},
	} {
		if _, err := exec.LookPath(p.prog); err != nil {
			t.Skipf("the multi-host test needs %s (Debian's %s): %v", p.prog, p.pkg, err)
		}
	}
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(py, "-c", "import aiosmtpd").Run() == nil {
			return py
		}
	}
	t.Skip("the multi-host test needs a python3 with aiosmtpd (Debian's python3-aiosmtpd)")
	return ""
}

// nsInode returns the inode of a network namespace file ("" on error).
func nsInode(path string) string {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return ""
	}
	return strconv.FormatUint(st.Ino, 10)
}

// procsIn returns the pids and command names of the processes in the
// network namespace ns (a name under /run/netns).
func procsIn(ns string) map[int]string {
	want := nsInode("/run/netns/" + ns)
	out := map[int]string{}
	if want == "" {
		return out
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if nsInode(fmt.Sprintf("/proc/%d/ns/net", pid)) != want {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		out[pid] = strings.TrimSpace(string(comm))
	}
	return out
}

// mhNetwork makes the namespaces and links: the switch's bridge, a veth
// from it to each host and to this namespace, and on host B a veth pair
// cap0/feed0, the capture interface and where tcpreplay sends. At the end
// of the test every process left in the namespaces is killed (they are
// all the test's) and the namespaces go.
func mhNetwork(t *testing.T) (ctlIf string, a, b *mhHost) {
	t.Helper()
	tag := fmt.Sprintf("hmh%d", os.Getpid()%100000)
	sw := tag + "-sw"
	a = &mhHost{name: tag + "-a", addr: mhHostA}
	b = &mhHost{name: tag + "-b", addr: mhHostB}
	ctlIf = tag + "c"
	for _, ns := range []string{sw, a.name, b.name} {
		exec.Command("ip", "netns", "del", ns).Run() // a leftover of a killed run
	}
	exec.Command("ip", "link", "del", ctlIf).Run()
	t.Cleanup(func() {
		for _, ns := range []string{a.name, b.name, sw} {
			for pid := range procsIn(ns) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(100 * time.Millisecond)
		for _, ns := range []string{a.name, b.name, sw} {
			exec.Command("ip", "netns", "del", ns).Run()
		}
		exec.Command("ip", "link", "del", ctlIf).Run()
	})
	for _, ns := range []string{sw, a.name, b.name} {
		mhRun(t, "ip", "netns", "add", ns)
		mhRun(t, "ip", "-n", ns, "link", "set", "lo", "up")
	}
	mhRun(t, "ip", "-n", sw, "link", "add", "name", "br0", "type", "bridge")
	mhRun(t, "ip", "-n", sw, "link", "set", "br0", "up")
	mhRun(t, "ip", "-n", sw, "link", "add", "name", "port-a", "type", "veth", "peer", "name", "eth0", "netns", a.name)
	mhRun(t, "ip", "-n", sw, "link", "add", "name", "port-b", "type", "veth", "peer", "name", "eth0", "netns", b.name)
	mhRun(t, "ip", "link", "add", "name", ctlIf, "type", "veth", "peer", "name", "port-c", "netns", sw)
	for _, port := range []string{"port-a", "port-b", "port-c"} {
		mhRun(t, "ip", "-n", sw, "link", "set", port, "master", "br0", "up")
	}
	for _, h := range []*mhHost{a, b} {
		mhRun(t, "ip", "-n", h.name, "addr", "add", h.addr+"/24", "dev", "eth0")
		mhRun(t, "ip", "-n", h.name, "link", "set", "eth0", "up")
	}
	mhRun(t, "ip", "addr", "add", mhCtlAddr+"/24", "dev", ctlIf)
	mhRun(t, "ip", "link", "set", ctlIf, "up")
	// The capture link: no IPv6 on it, so that the kernel sends nothing
	// of its own (router solicitations, MLD) that the workers would see.
	mhRun(t, "ip", "-n", b.name, "link", "add", "name", "cap0", "type", "veth", "peer", "name", "feed0")
	for _, l := range []string{"cap0", "feed0"} {
		mhRun(t, "ip", "netns", "exec", b.name, "sysctl", "-q", "-w", "net.ipv6.conf."+l+".disable_ipv6=1")
		mhRun(t, "ip", "-n", b.name, "link", "set", l, "up")
	}
	return ctlIf, a, b
}

// mhSSHD starts sshd on h: in h's network namespace and a new mount
// namespace in which a tmpfs covers prefix, so that the host shares no
// file under the prefix with the control host or the other hosts. keys
// holds user_key.pub; the host key is made here and added to
// known_hosts.
func mhSSHD(t *testing.T, h *mhHost, prefix, keys, knownHosts string) {
	t.Helper()
	dir := filepath.Join(keys, h.name)
	os.MkdirAll(dir, 0o700)
	mhRun(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", h.name, "-f", filepath.Join(dir, "host_key"))
	cfg := fmt.Sprintf(`Port %d
ListenAddress %s
HostKey %s
AuthorizedKeysFile %s
PidFile %s
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
LogLevel ERROR
`, mhSSHPort, h.addr, filepath.Join(dir, "host_key"), filepath.Join(keys, "user_key.pub"), filepath.Join(dir, "sshd.pid"))
	os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(cfg), 0o600)
	os.MkdirAll("/run/sshd", 0o755)
	script := fmt.Sprintf("mount -t tmpfs heron-%s %s && exec /usr/sbin/sshd -D -e -f %s", h.name, prefix, filepath.Join(dir, "sshd_config"))
	cmd := exec.Command("ip", "netns", "exec", h.name, "unshare", "--mount", "--propagation", "private", "sh", "-c", script)
	logf, _ := os.Create(filepath.Join(dir, "sshd.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.sshd = cmd.Process.Pid // ip, unshare and sh exec: this is sshd
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})
	waitListen(t, "sshd on "+h.name, net.JoinHostPort(h.addr, strconv.Itoa(mhSSHPort)), filepath.Join(dir, "sshd.log"))
	pub, _ := os.ReadFile(filepath.Join(dir, "host_key.pub"))
	f := strings.Fields(string(pub))
	kh, _ := os.OpenFile(knownHosts, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	fmt.Fprintf(kh, "[%s]:%d %s %s\n", h.addr, mhSSHPort, f[0], f[1])
	kh.Close()
}

// waitListen waits up to 10 s until addr accepts TCP connections.
func waitListen(t *testing.T, what, addr, logFile string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logFile)
			t.Fatalf("%s does not listen on %s: %v\n%s", what, addr, err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mhSMTP starts aiosmtpd on the control host's address, storing every
// message in a maildir, and returns the maildir's "new" directory.
func mhSMTP(t *testing.T, py string) string {
	t.Helper()
	dir := t.TempDir()
	maildir := filepath.Join(dir, "maildir")
	cmd := exec.Command(py, "-m", "aiosmtpd", "-n", "-l", net.JoinHostPort(mhCtlAddr, strconv.Itoa(mhSMTPPort)),
		"-c", "aiosmtpd.handlers.Mailbox", maildir)
	logf, _ := os.Create(filepath.Join(dir, "smtpd.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})
	waitListen(t, "aiosmtpd", net.JoinHostPort(mhCtlAddr, strconv.Itoa(mhSMTPPort)), filepath.Join(dir, "smtpd.log"))
	return filepath.Join(maildir, "new")
}

// waitMail waits up to limit for a message in maildir (aiosmtpd's
// Mailbox) that holds every one of want, and returns it.
func waitMail(t *testing.T, maildir string, limit time.Duration, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ents, _ := os.ReadDir(maildir)
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(maildir, e.Name()))
			if err != nil {
				continue
			}
			ok := true
			for _, w := range want {
				ok = ok && bytes.Contains(b, []byte(w))
			}
			if ok {
				return string(b)
			}
		}
		if time.Now().After(deadline) {
			var all []string
			for _, e := range ents {
				b, _ := os.ReadFile(filepath.Join(maildir, e.Name()))
				all = append(all, string(b))
			}
			t.Fatalf("no mail with %q within %v; the server has %d:\n%s", want, limit, len(ents), strings.Join(all, "\n----\n"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// mhConfig writes heronctl.cfg with the given mail settings.
func mhConfig(t *testing.T, prefix, keys, knownHosts, mail string) {
	t.Helper()
	cfg := fmt.Sprintf(`# the multi-host test
ZeekPort = 27760
MetricsPort = 9991
StopTimeout = 5
SitePolicyScripts =
PrivateAddressSpaceIsLocal = 1
SSHUser = root
SSHPort = %d
SSHKeyFile = %s
SSHKnownHosts = %s
MailTo = soc@example.org
MailFrom = Heron <heron@sensor.example.org>
%s`, mhSSHPort, filepath.Join(keys, "user_key"), knownHosts, mail)
	if err := os.WriteFile(filepath.Join(prefix, "etc", "heronctl.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mhKill kills node's process (SIGKILL) and waits up to 10 s until its
// supervisor has started it again; it returns the new state.
func mhKill(t *testing.T, prefix, node string) nodeJSON {
	t.Helper()
	var pid int
	for _, n := range getStatus(t, prefix).Nodes {
		if n.Name == node {
			pid = n.Pid
		}
	}
	if pid == 0 {
		t.Fatalf("%s does not run", node)
	}
	killed := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for {
		for _, n := range getStatus(t, prefix).Nodes {
			if n.Name == node && n.Status == "running" && n.Pid > 0 && n.Pid != pid {
				t.Logf("%s (pid %d) killed; running again as pid %d after %v", node, pid, n.Pid, time.Since(killed).Round(time.Millisecond))
				return n
			}
		}
		if time.Since(killed) > 10*time.Second {
			diag, _, _ := ctl(t, prefix, "diag", node)
			t.Fatalf("%s not restarted within 10 s after SIGKILL:\n%s", node, diag)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mhArchiveName is zeekctl's name of an archived log, relative to LogDir.
var mhArchiveName = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}/([a-z_]+)\.[0-9]{2}:[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?\.log\.gz$`)

// mhIgnored are the conn.log fields a live replay through a cluster may
// change: times, and the uids each run draws anew.
var mhIgnored = map[string]bool{"ts": true, "duration": true, "uid": true, "tunnel_parents": true}

// connRows returns a log's records as lines of the fields that are not
// ignored.
func connRows(l *zeeklog.Log) []string {
	var rows []string
	for _, r := range l.Records {
		var b strings.Builder
		for _, f := range l.Fields {
			if !mhIgnored[f] {
				b.WriteString(f + "=" + r[f] + " ")
			}
		}
		rows = append(rows, b.String())
	}
	return rows
}

// archivedConns reads every conn.log archive under logDir; it checks that
// every file under it has zeekctl's archive name and returns the
// archives' names too.
func archivedConns(t *testing.T, logDir string) (rows, names []string) {
	t.Helper()
	err := filepath.WalkDir(logDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&os.ModeSymlink != 0 {
			return err
		}
		rel, _ := filepath.Rel(logDir, p)
		m := mhArchiveName.FindStringSubmatch(filepath.ToSlash(rel))
		if m == nil {
			t.Errorf("%s under LogDir does not have zeekctl's archive name", rel)
			return nil
		}
		names = append(names, rel)
		if m[1] != "conn" {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		l, err := zeeklog.Parse(zr)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		if l.Close == "" {
			t.Errorf("%s has no #close line", rel)
		}
		rows = append(rows, connRows(l)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, names
}

// TestMultiHost is issue 10's multi-host test. Three hosts on one LAN,
// each a network namespace: this one, the control host, runs heronctl
// and an SMTP server (aiosmtpd); host A and host B each run OpenSSH's
// sshd, in a mount namespace of their own where a tmpfs covers the
// prefix. heronctl deploy installs over SSH and starts logger, manager
// and proxy on A and two AF_PACKET workers (lb_procs=2) on B capturing
// from a veth that tcpreplay feeds with the project's sample trace.
// status shows every node running; a worker killed with SIGKILL runs
// again within 10 s and its crash report is mailed, over SMTP, and then
// (after install and start with SendMail = an msmtp relaying to the same
// server) through the sendmail path; netstats shows each worker's
// packets; stop leaves no heron process on any host; the logs are
// archived on A under LogDir with zeekctl's names and hold every
// connection of a standalone heron -r of the trace.
func TestMultiHost(t *testing.T) {
	py := mhNeed(t)
	trace := repoFile(t, "testdata/sample.pcap")
	began := time.Now()
	prefix := testPrefix(t, nil)
	t.Logf("binaries built in %v", time.Since(began).Round(time.Millisecond))
	_, a, b := mhNetwork(t)

	keys := t.TempDir() // outside the prefix: every host sees it
	mhRun(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "heronctl", "-f", filepath.Join(keys, "user_key"))
	knownHosts := filepath.Join(keys, "known_hosts")
	mhSSHD(t, a, prefix, keys, knownHosts)
	mhSSHD(t, b, prefix, keys, knownHosts)
	maildir := mhSMTP(t, py)

	os.MkdirAll(filepath.Join(prefix, "etc"), 0o755)
	mhConfig(t, prefix, keys, knownHosts, fmt.Sprintf("SendMail =\nMailSMTPServer = %s\nMailSMTPPort = %d\n", mhCtlAddr, mhSMTPPort))
	// The trace has a UDP datagram in three IP fragments followed by a
	// second datagram of the same flow: the kernel's fanout hash puts
	// fragments by their addresses alone, so without defragmentation in
	// the kernel the flow would be split between the two workers.
	nodeCfg := fmt.Sprintf(`[logger]
type=logger
host=%[1]s

[manager]
type=manager
host=%[1]s

[proxy]
type=proxy
host=%[1]s

[worker]
type=worker
host=%[2]s
interface=cap0
lb_method=af_packet
lb_procs=2
af_packet_enable_defrag=T
`, a.addr, b.addr)
	os.WriteFile(filepath.Join(prefix, "etc", "node.cfg"), []byte(nodeCfg), 0o644)
	os.WriteFile(filepath.Join(prefix, "etc", "networks.cfg"), []byte("10.88.0.0/16  the sample's networks\n"), 0o644)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			ctl(t, prefix, "stop")
		}
	})

	// deploy: check, install over SSH on both hosts, start.
	out, errOut, status := ctl(t, prefix, "deploy")
	if status != 0 {
		diag, _, _ := ctl(t, prefix, "diag")
		t.Fatalf("deploy: %d\n%s%s\n%s", status, out, errOut, diag)
	}
	t.Logf("deploy:\n%s%s", out, errOut)
	for _, want := range []string{"installing on " + a.addr + ": ", "installing on " + b.addr + ": ",
		"starting logger ...\nstarting manager ...\nstarting proxy ...\nstarting workers ...\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q", want)
		}
	}
	for _, h := range []*mhHost{a, b} {
		if _, err := os.Stat(h.root(filepath.Join(prefix, "spool", "installed-scripts-do-not-touch", "cluster-layout.json"))); err != nil {
			t.Errorf("not installed on %s: %v", h.name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(prefix, "spool", "installed-scripts-do-not-touch")); err == nil {
		t.Error("install wrote to the control host's prefix")
	}
	// Each host's nodes work in that host's prefix only.
	waitFile := func(p string) error {
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := os.Stat(p)
			if err == nil || time.Now().After(deadline) {
				return err
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, c := range []struct {
		h         *mhHost
		has, hasn string
	}{{a, "logger", "worker-1"}, {b, "worker-1", "logger"}} {
		if err := waitFile(c.h.root(filepath.Join(prefix, "spool", c.has))); err != nil {
			t.Errorf("%s: %v", c.h.name, err)
		}
		if _, err := os.Stat(c.h.root(filepath.Join(prefix, "spool", c.hasn))); err == nil {
			t.Errorf("%s has %s's spool directory", c.h.name, c.hasn)
		}
	}

	// status, as JSON and as text: every node runs, on its host.
	hostOf := map[string]string{"logger": a.addr, "manager": a.addr, "proxy": a.addr, "worker-1": b.addr, "worker-2": b.addr}
	st := getStatus(t, prefix)
	if len(st.Nodes) != 5 {
		t.Fatalf("status --json: %+v", st)
	}
	pids := map[string]int{}
	for _, n := range st.Nodes {
		pids[n.Name] = n.Pid
		if n.Status != "running" || n.Pid == 0 || n.Host != hostOf[n.Name] {
			t.Errorf("status --json after deploy: %+v", n)
		}
	}
	text := mustCtl(t, prefix, "status")
	t.Logf("status:\n%s", text)
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 6 || lines[0] != "Name         Type    Host             Status    Pid    Started" {
		t.Errorf("status text:\n%s", text)
	} else {
		for i, name := range []string{"logger", "manager", "proxy", "worker-1", "worker-2"} {
			typ, _, _ := strings.Cut(name, "-")
			want := fmt.Sprintf("%-12s %-7s %-16s running   %-6d ", name, typ, hostOf[name], pids[name])
			if !strings.HasPrefix(lines[i+1], want) {
				t.Errorf("status line %q, want it to start %q", lines[i+1], want)
			}
		}
	}
	// The nodes run in their hosts' network namespaces.
	inB := procsIn(b.name)
	for _, w := range []string{"worker-1", "worker-2"} {
		if inB[pids[w]] != "heron" {
			t.Errorf("%s (pid %d) is not a heron process on host B: %v", w, pids[w], inB)
		}
	}
	if procsIn(a.name)[pids["manager"]] != "heron" {
		t.Errorf("the manager (pid %d) does not run on host A", pids["manager"])
	}

	// A worker killed runs again within 10 s, and its crash report is
	// mailed over SMTP.
	w1 := mhKill(t, prefix, "worker-1")
	if w1.Restarts != 1 || w1.LastExit != "killed by signal 9 (killed)" {
		t.Errorf("worker-1 after the kill: %+v", w1)
	}
	msg := waitMail(t, maildir, 15*time.Second, "Subject: [Heron] Crash report from worker-1", "killed by signal 9")
	if !strings.Contains(msg, "X-MailFrom: heron@sensor.example.org") || !strings.Contains(msg, "To: soc@example.org") || !strings.Contains(msg, b.addr) {
		t.Errorf("the crash mail over SMTP:\n%s", msg)
	}

	// The sendmail path: msmtp, relaying to the same server with an
	// envelope sender of its own. install puts the new plan on the hosts
	// and start has the running supervisors read it.
	rc := filepath.Join(keys, "msmtprc")
	os.WriteFile(rc, fmt.Appendf(nil, "account default\nhost %s\nport %d\nfrom relay@msmtp.example.org\ntls off\nauth off\n", mhCtlAddr, mhSMTPPort), 0o600)
	msmtp, _ := exec.LookPath("msmtp")
	sendmail := filepath.Join(keys, "sendmail")
	os.WriteFile(sendmail, fmt.Appendf(nil, "#!/bin/sh\nexec %s -C %s \"$@\"\n", msmtp, rc), 0o755)
	mhConfig(t, prefix, keys, knownHosts, "SendMail = "+sendmail+"\nMailSMTPServer =\n")
	mustCtl(t, prefix, "install")
	mustCtl(t, prefix, "start")
	mhKill(t, prefix, "worker-2")
	msg = waitMail(t, maildir, 15*time.Second, "Subject: [Heron] Crash report from worker-2", "killed by signal 9")
	if !strings.Contains(msg, "X-MailFrom: relay@msmtp.example.org") || !strings.Contains(msg, "To: soc@example.org") {
		t.Errorf("the crash mail through msmtp:\n%s", msg)
	}

	// Replay the trace into the capture link on host B.
	start := time.Now()
	out = mhRun(t, "ip", "netns", "exec", b.name, "tcpreplay", "-q", "-i", "feed0", trace)
	t.Logf("tcpreplay in %v:\n%s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(out))

	// netstats: each worker's count; together, every packet of the trace
	// (592 frames, of which 3 are the fragments of one UDP datagram that
	// the kernel reassembles for the fanout group: 590 packets).
	const tracePackets = 590
	type stats struct {
		Nodes []netstat `json:"nodes"`
	}
	var ns stats
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := mustCtl(t, prefix, "netstats", "--json")
		ns = stats{}
		if err := json.Unmarshal([]byte(out), &ns); err != nil {
			t.Fatalf("netstats --json: %v\n%s", err, out)
		}
		var sum uint64
		for _, n := range ns.Nodes {
			sum += n.Recvd
		}
		if len(ns.Nodes) == 2 && sum >= tracePackets {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("netstats did not show the %d packets of the trace: %+v", tracePackets, ns)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var sum uint64
	for i, n := range ns.Nodes {
		sum += n.Recvd
		if n.Node != fmt.Sprintf("worker-%d", i+1) || n.Error != "" || n.Recvd == 0 || n.Dropped != 0 || n.Time < 1e9 {
			t.Errorf("netstats --json: %+v", n)
		}
	}
	if sum != tracePackets {
		t.Errorf("the workers received %d packets, want %d: %+v", sum, tracePackets, ns)
	}
	text = mustCtl(t, prefix, "netstats")
	t.Logf("netstats:\n%s", text)
	lines = strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 2 {
		t.Errorf("netstats:\n%s", text)
	}
	for i, l := range lines {
		if i >= len(ns.Nodes) {
			break
		}
		if !regexp.MustCompile(fmt.Sprintf(`^   worker-%d: [0-9]+\.[0-9]{6} recvd=%d dropped=0 link=[0-9]+$`, i+1, ns.Nodes[i].Recvd)).MatchString(l) {
			t.Errorf("netstats line %q", l)
		}
	}

	// stop: every node, and no heron process is left on any host.
	out = mustCtl(t, prefix, "stop")
	stopped = true
	if want := "stopping workers ...\nstopping proxy ...\nstopping logger ...\nstopping manager ...\n"; out != want {
		t.Errorf("stop printed %q, want %q", out, want)
	}
	for _, n := range getStatus(t, prefix).Nodes {
		if n.Status != "stopped" || n.Pid != 0 {
			t.Errorf("after stop: %+v", n)
		}
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		var left []string
		for _, h := range []*mhHost{a, b} {
			for pid, comm := range procsIn(h.name) {
				if comm == "heron" || comm == "heronctl" {
					left = append(left, fmt.Sprintf("%s on %s (pid %d)", comm, h.name, pid))
				}
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("after stop: %s", strings.Join(left, ", "))
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The logs: archived on host A under LogDir with zeekctl's names,
	// every connection of a standalone run of the trace there.
	logDir := a.root(filepath.Join(prefix, "logs"))
	if cur, err := os.Readlink(filepath.Join(logDir, "current")); err != nil || cur != filepath.Join(prefix, "spool", "logger") {
		t.Errorf("LogDir/current on host A: %q, %v; want a link to the logger's live directory", cur, err)
	}
	got, names := archivedConns(t, logDir)
	t.Logf("archives on host A: %q", names)
	if len(got) == 0 {
		var files []string
		filepath.WalkDir(a.root(prefix), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.Contains(p, "/bin/") {
				files = append(files, strings.TrimPrefix(p, a.root(prefix)))
			}
			return nil
		})
		layout, _ := os.ReadFile(a.root(filepath.Join(prefix, "spool", "installed-scripts-do-not-touch", "cluster-layout.json")))
		stderr, _ := os.ReadFile(a.root(filepath.Join(prefix, "spool", "logger", "stderr.log")))
		sup, _ := os.ReadFile(a.root(filepath.Join(prefix, "spool", "supervise", "supervisor.log")))
		t.Fatalf("no conn.log archive under LogDir on host A (%s); the prefix there holds %q\nlayout:\n%.1500s\nlogger's stderr:\n%s\nsupervisor:\n%s", logDir, files, layout, stderr, sup)
	}
	if _, err := os.Stat(b.root(filepath.Join(prefix, "logs"))); err == nil {
		if more, _ := archivedConns(t, b.root(filepath.Join(prefix, "logs"))); len(more) > 0 {
			t.Errorf("host B has conn.log archives too: %d records", len(more))
		}
	}
	sdir := t.TempDir()
	cmd := exec.Command(heronbin.Path(t), "-r", trace, "--logdir", sdir, "--progress", "never", "--networks", filepath.Join(prefix, "etc", "networks.cfg"))
	cmd.Env = append(os.Environ(), "CLUSTER_NODE=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("standalone heron -r: %v\n%s", err, out)
	}
	sl, err := zeeklog.ReadFile(filepath.Join(sdir, "conn.log"))
	if err != nil {
		t.Fatal(err)
	}
	want := connRows(sl)
	have := map[string]int{}
	for _, r := range got {
		have[r]++
	}
	var missing []string
	for _, r := range want {
		if have[r] == 0 {
			missing = append(missing, r)
			continue
		}
		have[r]--
	}
	if len(missing) > 0 {
		sort.Strings(got)
		t.Errorf("%d of the standalone run's %d connections are not in the cluster's archives:\n%s\n--- the cluster's %d:\n%s",
			len(missing), len(want), strings.Join(missing, "\n"), len(got), strings.Join(got, "\n"))
	}
	t.Logf("%d connections standalone, %d archived by the cluster; the test took %v", len(want), len(got), time.Since(began).Round(time.Millisecond))
}
