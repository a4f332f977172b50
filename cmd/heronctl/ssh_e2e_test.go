package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// sshHost is an OpenSSH server started by a test on 127.0.0.2 in its own
// mount namespace, where a tmpfs hides the control host's prefix: the
// "remote host" shares no file under the prefix with this one.
type sshHost struct {
	port       int
	dir        string // keys, config, known_hosts
	pid        int    // sshd's
	knownHosts string
	key        string
}

func startSSHD(t *testing.T, prefix string) *sshHost {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the SSH test runs sshd as root (it is not root)")
	}
	for _, p := range []string{"/usr/sbin/sshd", "/usr/bin/ssh-keygen", "/usr/bin/unshare"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("the SSH test needs %s (Debian's openssh-server, openssh-client, util-linux): %v", p, err)
		}
	}
	dir := t.TempDir()
	keygen := func(name string) {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", filepath.Join(dir, name)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	keygen("host_key")
	keygen("user_key")
	pub, _ := os.ReadFile(filepath.Join(dir, "user_key.pub"))
	os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600)
	os.MkdirAll("/run/sshd", 0o755)
	h := &sshHost{port: freePort(t), dir: dir, knownHosts: filepath.Join(dir, "known_hosts"), key: filepath.Join(dir, "user_key")}
	cfg := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.2
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
`, h.port, filepath.Join(dir, "host_key"), filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "sshd.pid"))
	os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(cfg), 0o600)
	script := fmt.Sprintf("mount -t tmpfs heron-test-host %s && exec /usr/sbin/sshd -D -e -f %s", prefix, filepath.Join(dir, "sshd_config"))
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script)
	logf, _ := os.Create(filepath.Join(dir, "sshd.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.pid = cmd.Process.Pid
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logf.Close()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := (&netDialer{}).dial(fmt.Sprintf("127.0.0.2:%d", h.port))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "sshd.log"))
			t.Fatalf("sshd does not listen: %v\n%s", err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	hostPub, _ := os.ReadFile(filepath.Join(dir, "host_key.pub"))
	f := strings.Fields(string(hostPub))
	os.WriteFile(h.knownHosts, fmt.Appendf(nil, "[127.0.0.2]:%d %s %s\n", h.port, f[0], f[1]), 0o600)
	return h
}

// remotePath is a path as the SSH host sees it, through sshd's root in
// its mount namespace.
func (h *sshHost) remotePath(p string) string {
	return filepath.Join(fmt.Sprintf("/proc/%d/root", h.sshdPid()), p)
}

// configure writes prefix's heronctl.cfg, which reaches the SSH host as
// root with the test's key, and its node.cfg, nodeCfg.
func (h *sshHost) configure(t *testing.T, prefix, nodeCfg string) {
	t.Helper()
	cfg := fmt.Sprintf("ZeekPort = %d\nMetricsPort = 0\nStopTimeout = 3\nSitePolicyScripts =\nSendMail =\nSSHUser = root\nSSHPort = %d\nSSHKeyFile = %s\nSSHKnownHosts = %s\n",
		freePort(t), h.port, h.key, h.knownHosts)
	os.MkdirAll(filepath.Join(prefix, "etc"), 0o755)
	os.WriteFile(filepath.Join(prefix, "etc", "heronctl.cfg"), []byte(cfg), 0o644)
	os.WriteFile(filepath.Join(prefix, "etc", "node.cfg"), []byte(nodeCfg), 0o644)
}

// sshdPid is the pid of sshd itself (unshare's sh execs it, so it is the
// process started).
func (h *sshHost) sshdPid() int { return h.pid }

// TestSSHHost installs and starts a node on "host" 127.0.0.2 through a
// real OpenSSH server, whose mount namespace hides this host's prefix:
// install copies everything the first time and nothing the second, start
// and status work through SSH, stop ends the node, and a host key that
// does not match known_hosts is refused with a clear message.
func TestSSHHost(t *testing.T) {
	live := liveFIFO(t)
	prefix := testPrefix(t, nil)
	h := startSSHD(t, prefix)
	h.configure(t, prefix, fmt.Sprintf("[heron]\ntype=standalone\nhost=127.0.0.2\nread=%s\nthreads=%d\n", live, runtime.NumCPU()))
	t.Cleanup(func() { ctl(t, prefix, "stop") })

	// check counts the host's cores through SSH.
	out, errOut, status := ctl(t, prefix, "check")
	if cores := runtime.NumCPU(); status != 0 || out != "heron scripts are ok.\n" || !strings.Contains(errOut, fmt.Sprintf("host 127.0.0.2 runs %d analysis threads on %d cores", cores, cores)) {
		t.Errorf("check: %d\n%s%s", status, out, errOut)
	}
	out = mustCtl(t, prefix, "install")
	if !strings.Contains(out, "installing on 127.0.0.2: 4 files copied, 0 unchanged") {
		t.Errorf("install:\n%s", out)
	}
	spool := filepath.Join(prefix, "spool")
	for _, f := range []string{"bin/heron", "bin/heronctl", "spool/installed-scripts-do-not-touch/cluster-layout.json"} {
		if _, err := os.Stat(h.remotePath(filepath.Join(prefix, f))); err != nil {
			t.Errorf("not installed on the host: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(spool, "installed-scripts-do-not-touch")); err == nil {
		t.Error("install wrote to the control host's prefix, not (only) the SSH host's")
	}
	out = mustCtl(t, prefix, "install")
	if !strings.Contains(out, "installing on 127.0.0.2: 0 files copied, 4 unchanged") {
		t.Errorf("second install:\n%s", out)
	}

	out, errOut, status = ctl(t, prefix, "start")
	if status != 0 {
		t.Fatalf("start: %d\n%s%s", status, out, errOut)
	}
	st := getStatus(t, prefix)
	if len(st.Nodes) != 1 || st.Nodes[0].Status != "running" || st.Nodes[0].Pid == 0 || st.Nodes[0].Host != "127.0.0.2" {
		t.Fatalf("status: %+v", st)
	}
	pid := st.Nodes[0].Pid
	// The node runs in the SSH host's mount namespace.
	if link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid)); err != nil {
		t.Error(err)
	} else if self, _ := os.Readlink("/proc/self/ns/mnt"); link == self {
		t.Errorf("the node runs in this host's mount namespace %s", link)
	}
	text := mustCtl(t, prefix, "status")
	if want := fmt.Sprintf("heron        standalone 127.0.0.2     running   %-6d ", pid); !strings.Contains(text, "\n"+want) {
		t.Errorf("status text:\n%s\nwant a line starting %q", text, want)
	}
	out = mustCtl(t, prefix, "exec", "echo", "hello from", "$(hostname)")
	if !strings.HasPrefix(out, "[127.0.0.2] hello from ") {
		t.Errorf("exec: %q", out)
	}
	mustCtl(t, prefix, "stop")
	if st := getStatus(t, prefix); st.Nodes[0].Status != "stopped" {
		t.Errorf("after stop: %+v", st)
	}
	deadline := time.Now().Add(3 * time.Second)
	for alivePid(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("node pid %d survived stop", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A different key in known_hosts: refused, saying what to do.
	other := filepath.Join(h.dir, "other")
	exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other).Run()
	pub, _ := os.ReadFile(other + ".pub")
	f := strings.Fields(string(pub))
	os.WriteFile(h.knownHosts, fmt.Appendf(nil, "[127.0.0.2]:%d %s %s\n", h.port, f[0], f[1]), 0o600)
	out, errOut, status = ctl(t, prefix, "install")
	if status == 0 || !strings.Contains(errOut, "the host key of 127.0.0.2 (SHA256:") || !strings.Contains(errOut, "does not match the one in "+h.knownHosts+":1") {
		t.Errorf("wrong host key: status %d\n%s%s", status, out, errOut)
	}
	t.Logf("wrong key: %s", lastLine(errOut))
	// No entry at all: refused too.
	os.WriteFile(h.knownHosts, nil, 0o600)
	_, errOut, status = ctl(t, prefix, "status")
	if status == 0 || !strings.Contains(errOut, "127.0.0.2 is not in "+h.knownHosts) {
		t.Errorf("unknown host: status %d\n%s", status, errOut)
	}
	t.Logf("unknown host: %s", lastLine(errOut))
}

type netDialer struct{}

func (netDialer) dial(addr string) (interface{ Close() error }, error) {
	return net.DialTimeout("tcp", addr, time.Second)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestTwoHosts deploys a cluster over two hosts: logger, manager and proxy
// here, two workers on 127.0.0.2 through SSH (in a mount namespace that
// hides this host's prefix). The remote workers reach the manager's NATS
// server and ship their logs to the logger here; a remote worker killed
// is restarted by its host's supervisor and diag fetches its report
// through SSH.
func TestTwoHosts(t *testing.T) {
	live := liveFIFO(t)
	sample := repoFile(t, "testdata/sample.pcap")
	prefix := testPrefix(t, nil)
	h := startSSHD(t, prefix)
	h.configure(t, prefix, fiveNodes("127.0.0.2", sample, live))
	spool := filepath.Join(prefix, "spool")
	killLeftovers(t, spool)
	t.Cleanup(func() { ctl(t, prefix, "stop") })

	out, errOut, status := ctl(t, prefix, "deploy")
	if status != 0 {
		t.Fatalf("deploy: %d\n%s%s", status, out, errOut)
	}
	for _, want := range []string{"installing on localhost: 2 files copied, 2 unchanged\n", "installing on 127.0.0.2: 4 files copied, 0 unchanged\n",
		"starting logger ...\nstarting manager ...\nstarting proxy ...\nstarting workers ...\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy output lacks %q:\n%s", want, out)
		}
	}
	text := mustCtl(t, prefix, "status")
	t.Logf("status:\n%s", text)
	st := getStatus(t, prefix)
	var w2 int
	for _, n := range st.Nodes {
		switch n.Name {
		case "worker-1":
			if n.Host != "127.0.0.2" || n.Status != "running" && n.Status != "finished" {
				t.Errorf("worker-1: %+v", n)
			}
		case "worker-2":
			w2 = n.Pid
			if n.Host != "127.0.0.2" || n.Status != "running" {
				t.Errorf("worker-2: %+v", n)
			}
		default:
			if n.Host != "localhost" || n.Status != "running" {
				t.Errorf("%+v", n)
			}
		}
	}
	if w2 == 0 {
		t.Fatal("worker-2 does not run")
	}
	killAndWait(t, prefix, 4, w2)
	diag := mustCtl(t, prefix, "diag", "worker-2")
	if !strings.Contains(diag, "Node worker-2 on 127.0.0.2 crashed at ") || !strings.Contains(diag, "killed by signal 9") {
		t.Errorf("diag:\n%s", diag)
	}
	if _, err := os.Stat(h.remotePath(filepath.Join(spool, "crash", "worker-2"))); err != nil {
		t.Errorf("the crash report is not on the worker's host: %v", err)
	}
	mustCtl(t, prefix, "stop")
	for _, n := range getStatus(t, prefix).Nodes {
		if n.Status != "stopped" {
			t.Errorf("after stop: %+v", n)
		}
	}
	// The remote worker's connections reached the logger here, which
	// archived them under LogDir when it stopped.
	archives, _ := filepath.Glob(filepath.Join(prefix, "logs", "*", "conn.*.log.gz"))
	var b []byte
	if len(archives) > 0 {
		if f, err := os.Open(archives[0]); err == nil {
			if zr, err := gzip.NewReader(f); err == nil {
				b, _ = io.ReadAll(zr)
			}
			f.Close()
		}
	}
	if !strings.Contains(string(b), "\ttcp\t") {
		t.Errorf("conn.log archives from the remote worker: %q\n%.500s", archives, b)
	}
}
