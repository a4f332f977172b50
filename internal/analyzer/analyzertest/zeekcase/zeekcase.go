package zeekcase

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/options"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/testutil/refdata"
	"github.com/heron-nsm/heron/internal/testutil/zeeklog"
)

// Case is one comparison with Zeek: a trace, how Zeek ran on it, and the
// baseline files compared.
type Case struct {
	// Name names the subtest; empty means Btest, or "default/"+Trace.
	Name string
	// Btest is the baseline folder of one of Zeek's tests
	// (testing/btest/Baseline/<Btest>); empty means the shared corpus's
	// default-mode run of Trace (baselines/default/<Trace with / as __>).
	Btest string
	// Trace is the trace's path under Zeek's testing/btest/Traces.
	Trace string
	// Bare is zeek -b; C is zeek -C (checksums ignored).
	Bare bool
	C    bool
	// Loads are the scripts named on Zeek's command line.
	Loads []string
	// Opts are ID=VALUE settings applied for this case only.
	Opts []string
	// Config are ID=VALUE settings of the node's own configuration
	// (node.Config.Options: Log::… and the like), as the test's redefs.
	Config []string
	// Files are the baseline files compared. A name with a suffix after
	// ".log" (a zeek-cut table such as "dns.log.cut") is compared with
	// the log before the suffix.
	Files []string
	// Check, when set, runs after the comparisons with the folder of
	// Heron's logs, for what a btest checks other than by a baseline.
	Check func(t *testing.T, logDir string)
}

// name is the subtest's name.
func (c *Case) name() string {
	switch {
	case c.Name != "":
		return c.Name
	case c.Btest != "":
		return c.Btest
	}
	return "default/" + c.Trace
}

// BaselineDir returns the folder that holds Zeek's logs for c, skipping t
// when it is not available.
func (c *Case) BaselineDir(t testing.TB) string {
	t.Helper()
	if c.Btest != "" {
		return filepath.Join(refdata.ZeekSource(t), "testing", "btest", "Baseline", c.Btest)
	}
	return filepath.Join(refdata.Baselines(t), "default", strings.ReplaceAll(c.Trace, "/", "__"))
}

// InBtests returns a copy of cases in which every case without a Btest
// is the btest prefix+Name: a table of one protocol's btests names them
// by their last part ("scripts.base.protocols.ftp." + "ftp-ipv6").
func InBtests(prefix string, cases []Case) []Case {
	out := make([]Case, len(cases))
	for i, c := range cases {
		if c.Btest == "" {
			c.Btest = prefix + c.Name
		}
		out[i] = c
	}
	return out
}

// Run applies c.Opts (restored when t ends), runs the node over c.Trace
// with c's scripts and flags, and returns the folder it wrote its logs
// to. It skips t when the trace is not available.
func Run(t testing.TB, c Case) string {
	t.Helper()
	trace := refdata.FindTrace(t, c.Trace)
	SetOptions(t, c.Opts)
	loaded, err := scripts.Load(c.Bare, c.Loads)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig()
	if len(c.Config) > 0 {
		reg := options.NewRegistry()
		cfg.Options(reg)
		for _, o := range c.Config {
			if err := reg.Apply(o); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg.Loaded = node.FeaturesOf(loaded)
	cfg.Trace = trace
	cfg.IgnoreChecksums = c.C
	cfg.Log.LogDir = t.TempDir()
	if _, err := node.Run(cfg); err != nil {
		t.Fatal(err)
	}
	return cfg.Log.LogDir
}

// SetOptions applies ID=VALUE settings (ID+=VALUE adds to a set) and
// restores the old values when t ends.
func SetOptions(t testing.TB, opts []string) {
	t.Helper()
	for _, o := range opts {
		name := o[:max(strings.IndexAny(o, "+="), 0)]
		v := options.Default.Lookup(name)
		if v == nil {
			t.Fatalf("zeekcase: option %s is not registered", name)
		}
		old := v.String()
		if err := options.Apply(o); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := options.Apply(name + "=" + old); err != nil {
				t.Errorf("zeekcase: restoring %s: %v", name, err)
			}
		})
	}
}

// ReadBaseline reads a btest baseline: a Zeek log, or a zeek-cut table
// (a line of field names, then rows), skipping btest's "###" header
// lines. The records are new and the caller's.
func ReadBaseline(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		if !strings.HasPrefix(sc.Text(), "###") {
			lines = append(lines, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("zeekcase: %s: %v", path, err)
	}
	if len(lines) > 0 && strings.HasPrefix(lines[0], "#separator") {
		l, err := zeeklog.Parse(strings.NewReader(strings.Join(lines, "\n") + "\n"))
		if err != nil {
			t.Fatalf("zeekcase: %s: %v", path, err)
		}
		return l.Records
	}
	var recs []map[string]string
	var fields []string
	for _, ln := range lines {
		if ln == "" {
			continue
		}
		if fields == nil {
			fields = strings.Split(ln, "\t")
			continue
		}
		rec := map[string]string{}
		for i, v := range strings.Split(ln, "\t") {
			if i < len(fields) {
				rec[fields[i]] = v
			}
		}
		recs = append(recs, rec)
	}
	return recs
}

// ReadLog reads one of Heron's logs, failing t when it cannot.
func ReadLog(t testing.TB, path string) []map[string]string {
	t.Helper()
	l, err := zeeklog.ReadFile(path)
	if err != nil {
		t.Fatalf("zeekcase: %s: %v", filepath.Base(path), err)
	}
	return l.Records
}

// Canonical turns records into sorted lines "f1=v1 f2=v2 …" of the given
// fields, so that two logs compare as multisets of records.
func Canonical(recs []map[string]string, fields []string) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		var vals []string
		for _, f := range fields {
			vals = append(vals, f+"="+r[f])
		}
		out = append(out, strings.Join(vals, " "))
	}
	slices.Sort(out)
	return out
}

// Compare fails t unless got and want hold the same records over fields
// (as multisets), showing both; name names the log. It reports whether
// they matched.
func Compare(t testing.TB, name string, got, want []map[string]string, fields []string) bool {
	t.Helper()
	g, w := Canonical(got, fields), Canonical(want, fields)
	if slices.Equal(g, w) {
		return true
	}
	t.Errorf("%s differs from Zeek's (fields %v):\n got:\n  %s\n want:\n  %s", name, fields,
		strings.Join(g, "\n  "), strings.Join(w, "\n  "))
	return false
}

// A Picker chooses the fields compared for one baseline file, from the
// baseline's records (never empty) and Heron's.
type Picker func(file string, want, got []map[string]string) []string

// FieldsOf returns the sorted fields of rec that skip does not reject.
func FieldsOf(rec map[string]string, skip func(field, value string) bool) []string {
	var fields []string
	for f, v := range rec {
		if skip == nil || !skip(f, v) {
			fields = append(fields, f)
		}
	}
	slices.Sort(fields)
	return fields
}

// IsID reports whether a field holds identifiers Zeek chose at random
// (uid, fuid, and the sets and vectors of them).
func IsID(field string) bool {
	return field == "uid" || field == "fuid" || strings.HasSuffix(field, "_fuids") || strings.HasSuffix(field, "_uids")
}

// Masked reports whether a baseline value is one btest's canonifiers
// masked (times and the like, shown as X's).
func Masked(value string) bool { return strings.HasPrefix(value, "XXXXXXXXXX") }

// SkipIDs compares every field of the baseline but the random
// identifiers (IsID) and the masked values.
func SkipIDs(_ string, want, _ []map[string]string) []string {
	return FieldsOf(want[0], func(f, v string) bool { return IsID(f) || Masked(v) })
}

// SkipUIDsAndTimes compares every field of the baseline but ts, uid and
// fuid.
func SkipUIDsAndTimes(_ string, want, _ []map[string]string) []string {
	return FieldsOf(want[0], func(f, _ string) bool { return f == "ts" || f == "uid" || f == "fuid" })
}

// ConnServiceOnly compares every field of the baseline but uid and the
// masked values, and of conn.log only the endpoints (id.*) and service.
func ConnServiceOnly(file string, want, _ []map[string]string) []string {
	conn := file == "conn.log"
	return FieldsOf(want[0], func(f, v string) bool {
		return f == "uid" || Masked(v) || conn && f != "service" && !strings.HasPrefix(f, "id.")
	})
}

// LogName is the log a baseline file shows: the name up to ".log", so
// that "dns.log.cut" is dns.log.
func LogName(file string) string {
	if i := strings.Index(file, ".log"); i >= 0 {
		return file[:i+len(".log")]
	}
	return file
}

// RunCases runs each case as a subtest: the node over its trace (Run),
// then every baseline file compared with the log Heron wrote over the
// fields pick chooses. An empty baseline fails the case (it would compare
// nothing).
func RunCases(t *testing.T, cases []Case, pick Picker) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name(), func(t *testing.T) {
			base := c.BaselineDir(t)
			dir := Run(t, c)
			for _, file := range c.Files {
				want := ReadBaseline(t, filepath.Join(base, file))
				if len(want) == 0 {
					t.Fatalf("%s: empty baseline", file)
				}
				got := ReadLog(t, filepath.Join(dir, LogName(file)))
				Compare(t, file, got, want, pick(file, want, got))
			}
			if c.Check != nil {
				c.Check(t, dir)
			}
		})
	}
}
