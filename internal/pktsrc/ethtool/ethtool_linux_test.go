package ethtool

import (
	"bufio"
	"strings"
	"syscall"
	"testing"

	"github.com/heron-nsm/heron/internal/pktsrc/afpacket/netnstest"
)

// query runs Query inside ns and also returns the raw feature map.
func query(t *testing.T, ns *netnstest.NS, iface string) (Report, map[string]feature) {
	t.Helper()
	var rep Report
	var features map[string]feature
	err := ns.Do(func() error {
		var err error
		if rep, err = Query(iface); err != nil {
			return err
		}
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
		if err != nil {
			return err
		}
		defer syscall.Close(fd)
		features, err = readFeatures(fd, iface)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep, features
}

// TestMatchesEthtool compares every feature with `ethtool -k`.
func TestMatchesEthtool(t *testing.T) {
	netnstest.Need(t, "ethtool")
	ns := netnstest.New(t)
	ns.Veth("heta", "hetb")
	_, features := query(t, ns, "heta")
	out := ns.Exec("ethtool", "-k", "heta")
	sc := bufio.NewScanner(strings.NewReader(out))
	compared := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		name, rest, ok := strings.Cut(line, ": ")
		if !ok || strings.HasPrefix(line, "Features for") {
			continue
		}
		f, known := features[name]
		if !known {
			continue // ethtool's summary names such as tcp-segmentation-offload
		}
		compared++
		active := strings.HasPrefix(rest, "on")
		fixed := strings.Contains(rest, "[fixed]")
		// ethtool shows "[requested on]" for wanted but inactive features.
		if f.active != active || f.fixed != fixed {
			t.Errorf("%s: ethtool says %q, we read active=%v fixed=%v", name, rest, f.active, f.fixed)
		}
	}
	if compared < 30 {
		t.Fatalf("compared only %d features", compared)
	}
}

// TestVethOffloads switches offloads on, checks the report, runs the fix
// command it gives and checks the interface is clean.
func TestVethOffloads(t *testing.T) {
	netnstest.Need(t, "ethtool")
	ns := netnstest.New(t)
	ns.Veth("heta", "hetb")
	ns.Exec("ethtool", "-K", "heta", "gro", "on", "tso", "on", "gso", "on", "rx", "on")
	rep, _ := query(t, ns, "heta")
	fix := "ethtool -K heta gro off tso off gso off rx off"
	if got := rep.FixCommand(); got != fix {
		t.Fatalf("FixCommand %q, want %q (report %+v)", got, fix, rep)
	}
	t.Log(rep.Warning())
	ns.Exec("sh", "-c", fix)
	rep, _ = query(t, ns, "heta")
	if len(rep.On) != 0 || rep.Warning() != "" {
		t.Fatalf("after the fix: %+v", rep)
	}
	// Only GRO.
	ns.Exec("ethtool", "-K", "heta", "gro", "on")
	if rep, _ = query(t, ns, "heta"); rep.FixCommand() != "ethtool -K heta gro off" {
		t.Fatalf("GRO only: %q", rep.FixCommand())
	}
}

func TestQueryErrors(t *testing.T) {
	ns := netnstest.New(t)
	err := ns.Do(func() error { _, err := Query("nosuch0"); return err })
	if err == nil || err.Error() != "ethtool: nosuch0: no such interface" {
		t.Fatalf("missing interface: %v", err)
	}
	if _, err := Query(""); err == nil {
		t.Fatal("empty name accepted")
	}
	if _, err := Check("abcdefghijklmnopq"); err == nil {
		t.Fatal("long name accepted")
	}
	// lo has no offloads to warn about but answers.
	err = ns.Do(func() error { _, err := Check("lo"); return err })
	if err != nil {
		t.Fatalf("lo: %v", err)
	}
}
