//go:build !386

package afpacket

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc/afpacket/netnstest"
)

// helperEnv makes the test binary act as the unprivileged helper of
// TestPermissionMessage.
const helperEnv = "HERON_AFPACKET_PERM_HELPER"

// TestPermissionMessage runs a copy of the test binary as user nobody with
// no capabilities and checks the one-line message Open gives it.
func TestPermissionMessage(t *testing.T) {
	if mode := os.Getenv(helperEnv); mode != "" {
		c := DefaultConfig("lo")
		c.BufferSize = 1 << 20
		c.EnableFanout = false
		s, err := Open(c)
		if err == nil {
			s.Close()
		}
		fmt.Printf("perm=%v\nerr=%v\n", errors.Is(err, os.ErrPermission), err)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch to an unprivileged user")
	}
	netnstest.Need(t, "setpriv")
	// The test binary lives in a private build directory; copy it where
	// nobody can run it.
	dir, err := os.MkdirTemp("", "heron-perm")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "afpacket.test")
	if err := copyFile(self, bin); err != nil {
		t.Fatal(err)
	}
	run := func(caps ...string) string {
		args := append([]string{"--reuid=65534", "--regid=65534", "--clear-groups"}, caps...)
		cmd := exec.Command("setpriv", append(args, bin, "-test.run=^TestPermissionMessage$")...)
		cmd.Env = append(os.Environ(), helperEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Skipf("cannot run a helper as nobody: %v\n%s", err, out)
		}
		return string(out)
	}

	// CAP_NET_RAW alone opens a socket in promiscuous mode.
	if out := run("--inh-caps=+net_raw", "--ambient-caps=+net_raw"); !strings.Contains(out, "err=<nil>") {
		t.Errorf("with CAP_NET_RAW:\n%s", out)
	}

	out := run("--inh-caps=-all")
	t.Logf("unprivileged Open:\n%s", out)
	var msg string
	for _, line := range strings.Split(out, "\n") {
		if m, ok := strings.CutPrefix(line, "err="); ok {
			msg = m
		}
	}
	if !strings.Contains(out, "perm=true") {
		t.Errorf("the error does not wrap os.ErrPermission")
	}
	for _, want := range []string{"afpacket: lo: permission denied", "CAP_NET_RAW", "CAP_NET_ADMIN too for hardware timestamps", "setcap cap_net_raw,cap_net_admin=eip $(which heron)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
