package rotate

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/heronbin"
)

// The heron command accepts Zeek's rotation options and rotates its logs
// when it stops, as zeek does with Log::default_rotation_interval set.
func TestHeronRotationOption(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs heron")
	}
	trace, _ := filepath.Abs("../../../testdata/sample.pcap")
	if _, err := os.Stat(trace); err != nil {
		t.Skipf("no sample trace: %v", err)
	}
	bin := heronbin.Path(t)
	dir := t.TempDir()
	out, err := exec.Command(bin, "-r", trace, "--logdir", dir, "Log::default_rotation_interval=1hr").CombinedOutput()
	if err != nil {
		t.Fatalf("heron: %v\n%s", err, out)
	}
	ents, _ := os.ReadDir(dir)
	re := regexp.MustCompile(`^[a-z_]+\.\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.log$`)
	conn := false
	for _, e := range ents {
		if !re.MatchString(e.Name()) {
			t.Errorf("unexpected file %s", e.Name())
			continue
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if !strings.HasPrefix(string(b), "#separator") || !strings.Contains(string(b), "\n#close\t") {
			t.Errorf("%s is not a complete log", e.Name())
		}
		conn = conn || strings.HasPrefix(e.Name(), "conn.")
	}
	if !conn {
		t.Errorf("no rotated conn log among %v", ents)
	}
	out, err = exec.Command(bin, "-r", trace, "--logdir", t.TempDir(), "Log::default_rotation_interval=1hr", "log_rotate_base_time=25:00").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "log_rotate_base_time") {
		t.Errorf("bad log_rotate_base_time: %v\n%s", err, out)
	}
}
