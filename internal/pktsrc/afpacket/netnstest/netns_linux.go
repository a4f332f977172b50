package netnstest

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// NS is a named network namespace (ip netns) that exists for one test.
type NS struct {
	// Name is the namespace's name under /run/netns.
	Name string
	t    testing.TB
}

var seq atomic.Int64

// Skip skips t unless it runs as root with iproute2 and setns available.
func Skip(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces and packet sockets)")
	}
	if sysSetns == 0 {
		t.Skipf("setns is not known on %s", runtime.GOARCH)
	}
	Need(t, "ip")
}

// Need skips t when the command tool is not installed.
func Need(t testing.TB, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("needs %s (not installed)", tool)
	}
}

// New creates a namespace that is deleted when t ends. IPv6 is disabled
// in it, so that interfaces stay silent (no router solicitations or
// multicast reports) unless a test sends something.
func New(t testing.TB) *NS {
	t.Helper()
	Skip(t)
	name := fmt.Sprintf("heron-t%d-%d", os.Getpid(), seq.Add(1))
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace: %v: %s", err, out)
	}
	n := &NS{Name: name, t: t}
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Logf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	n.Exec("sh", "-c", "{ echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; } 2>/dev/null || true")
	n.Exec("ip", "link", "set", "lo", "up")
	return n
}

// Exec runs a command inside the namespace and returns its combined
// output; it fails the test when the command fails.
func (n *NS) Exec(name string, args ...string) string {
	n.t.Helper()
	out, err := n.Command(name, args...).CombinedOutput()
	if err != nil {
		n.t.Fatalf("ip netns exec %s %s %s: %v\n%s", n.Name, name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Command returns an exec.Cmd that runs inside the namespace.
func (n *NS) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Veth creates the veth pair a–b inside the namespace, both ends up.
func (n *NS) Veth(a, b string) {
	n.t.Helper()
	n.Exec("ip", "link", "add", a, "type", "veth", "peer", "name", b)
	n.Exec("ip", "link", "set", a, "up")
	n.Exec("ip", "link", "set", b, "up")
}

// Move moves the link name from n into the namespace to and sets it up.
func (n *NS) Move(name string, to *NS) {
	n.t.Helper()
	n.Exec("ip", "link", "set", name, "netns", to.Name)
	to.Exec("ip", "link", "set", name, "up")
}

// Do runs fn on an OS thread that has joined the namespace, so that the
// sockets fn opens belong to it (a socket keeps its namespace for life;
// using it later from any goroutine is fine). The thread is discarded
// afterwards.
func (n *NS) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the goroutine's exit ends the thread, and with it
		// the thread's namespace membership.
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + n.Name)
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if _, _, e := syscall.RawSyscall(sysSetns, f.Fd(), syscall.CLONE_NEWNET, 0); e != 0 {
			errc <- fmt.Errorf("setns %s: %w", n.Name, e)
			return
		}
		errc <- fn()
	}()
	return <-errc
}
