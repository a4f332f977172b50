package disk

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/control/config"
)

func TestStatMatchesDF(t *testing.T) {
	dir := t.TempDir()
	u, err := Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("df", "-kP", dir).Output()
	if err != nil {
		t.Skipf("no df to compare with: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) < 6 {
		t.Fatalf("df output %q", out)
	}
	if u.FS != f[0] {
		t.Errorf("FS %q, df says %q", u.FS, f[0])
	}
	if u.Mount != f[len(f)-1] {
		t.Errorf("Mount %q, df says %q", u.Mount, f[len(f)-1])
	}
	total, _ := strconv.ParseUint(f[1], 10, 64)
	if u.Total/1024 != total {
		t.Errorf("Total %d KiB, df says %d", u.Total/1024, total)
	}
	used, _ := strconv.ParseUint(f[2], 10, 64)
	avail, _ := strconv.ParseUint(f[3], 10, 64)
	if used+avail > 0 {
		pct := float64(used) * 100 / float64(used+avail)
		if d := pct - u.Percent; d > 1 || d < -1 {
			t.Errorf("Percent %.2f, df's numbers give %.2f", u.Percent, pct)
		}
	}
	if u.Used > u.Total || u.Avail > u.Total {
		t.Errorf("inconsistent usage %+v", u)
	}
	if _, err := Stat(dir + "/missing"); err == nil || !strings.HasPrefix(err.Error(), "disk: ") {
		t.Errorf("Stat of a missing path: %v", err)
	}
}

func TestStatAll(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	us, err := StatAll([]string{a, b, a + "/missing", ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Path != a {
		t.Errorf("two directories on one file system gave %+v", us)
	}
	us, err = StatAll([]string{a, "/proc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 || us[0].FS > us[1].FS {
		t.Errorf("StatAll = %+v", us)
	}
}

func TestLowAndChecker(t *testing.T) {
	u := func(fs string, pct float64) Usage { return Usage{FS: fs, Percent: pct} }
	if !u("/dev/sda1", 95.5).Low(5) || u("/dev/sda1", 95).Low(5) || u("/dev/sda1", 99).Low(0) {
		t.Errorf("Low is not Percent > 100 - MinDiskSpace")
	}
	c := &Checker{MinSpace: 5}
	steps := []struct {
		us   []Usage
		want []string
	}{
		{[]Usage{u("/dev/sda1", 50), u("tmpfs", 10)}, nil},
		{[]Usage{u("/dev/sda1", 96.34), u("tmpfs", 10)}, []string{"Disk space low on sensor:/dev/sda1 - 96.3% used."}},
		{[]Usage{u("/dev/sda1", 97), u("tmpfs", 99)}, []string{"Disk space low on sensor:tmpfs - 99.0% used."}},
		{[]Usage{u("/dev/sda1", 90), u("tmpfs", 99)}, nil},
		{[]Usage{u("/dev/sda1", 96), u("tmpfs", 99)}, []string{"Disk space low on sensor:/dev/sda1 - 96.0% used."}},
	}
	for i, s := range steps {
		got := c.Check("sensor", s.us)
		if strings.Join(got, "|") != strings.Join(s.want, "|") {
			t.Errorf("check %d: %q, want %q", i, got, s.want)
		}
	}
	if got := (&Checker{}).Check("h", []Usage{u("x", 100)}); got != nil {
		t.Errorf("MinSpace 0 alarmed: %q", got)
	}
	// Hosts are told apart.
	c2 := &Checker{MinSpace: 10}
	c2.Check("a", []Usage{u("/dev/sda1", 95)})
	if got := c2.Check("b", []Usage{u("/dev/sda1", 95)}); len(got) != 1 {
		t.Errorf("second host's alarm suppressed: %q", got)
	}
}

func TestNumberUnit(t *testing.T) {
	tests := []struct {
		n    float64
		want string
	}{
		{0, "   0"},
		{512, " 512"},
		{1023, " 1023"},
		{1024, "  1K"},
		{1536, "  2K"},
		{2.5 * 1024, "  2K"}, // round half to even, as Python's format
		{100 << 20, "100M"},
		{1 << 30, "  1G"},
		{1234 << 30, "1234G"},
	}
	for _, tc := range tests {
		if got := NumberUnit(tc.n); got != tc.want {
			t.Errorf("NumberUnit(%v) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestFormat(t *testing.T) {
	rows := []Row{
		{Node: "logger-1", Host: "sensor-1", Usage: Usage{FS: "/dev/sda1", Total: 100 << 30, Avail: 40 << 30, Percent: 58.7654}},
		{Node: "worker-1", Host: "10.0.0.2", Usage: Usage{FS: "tmpfs", Total: 512 << 20, Avail: 512 << 20, Percent: 0}},
	}
	want := "" +
		"                                              total  avail  capacity\n" +
		"           logger-1/sensor-1        /dev/sda1  100G    40G   58.8 %\n" +
		"           worker-1/10.0.0.2            tmpfs  512M   512M   0.0  %\n"
	// The expected text is what zeekctl's Python formatting prints for
	// these numbers.
	if got := Format(rows); got != want {
		t.Errorf("Format:\n%s\nwant:\n%s", got, want)
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{`/mnt/a\040b`: "/mnt/a b", `/x\134y`: `/x\y`, `/p\04`: `/p\04`, `/q\9999`: `/q\9999`} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzUnescapeMount(f *testing.F) {
	for _, s := range []string{`/mnt/a\040b`, `\`, `\0`, `\377`, `/plain`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := unescapeMount(s)
		if len(got) > len(s) {
			t.Fatalf("unescapeMount(%q) grew to %q", s, got)
		}
		if !strings.Contains(s, `\`) && got != s {
			t.Fatalf("unescapeMount changed %q", s)
		}
	})
}

func TestDirs(t *testing.T) {
	s, _, err := config.ReadSettings(strings.NewReader("LogDir = /data/logs\nSpoolDir = /var/spool/heron\n"), "heronctl.cfg",
		config.Builtins{Prefix: "/opt/heron", User: "root", Hostname: "sensor"})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(Dirs(s, true), " ")
	if want := "/data/logs /opt/heron/bin /opt/heron/etc /var/spool/heron /var/spool/heron/tmp"; got != want {
		t.Errorf("Dirs = %q, want %q", got, want)
	}
	if got := Dirs(s, false); got[0] != "/opt/heron/bin" {
		t.Errorf("a host without loggers checks %q", got)
	}
}
