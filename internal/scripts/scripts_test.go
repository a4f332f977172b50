package scripts

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from Heron's output")

var zeekDir = flag.String("zeek", "", "Zeek source checkout used by the freshness tests (default: refdata's, HERON_ZEEK_SRC or ../ref; skipped when absent)")

// zeekSource returns the Zeek checkout the tests compare with, or "".
func zeekSource() string {
	if *zeekDir != "" {
		return *zeekDir
	}
	return refdata.ZeekSourceDir()
}

func TestResolve(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// Packages, in every spelling.
		{"base/protocols/conn", "base/protocols/conn"},
		{"base/protocols/conn/", "base/protocols/conn"},
		{"base/protocols/conn/__load__", "base/protocols/conn"},
		{"base/protocols/conn/__load__.zeek", "base/protocols/conn"},
		{"./base/protocols/conn", "base/protocols/conn"},
		{"././base/protocols/conn/", "base/protocols/conn"},
		{"base//protocols/./conn", "base/protocols/conn"},
		{"base/protocols/http/../conn", "base/protocols/conn"},
		// Files.
		{"base/protocols/conn/main", "base/protocols/conn/main"},
		{"base/protocols/conn/main.zeek", "base/protocols/conn/main"},
		{"base/init-default", "base/init-default"},
		{"base/init-bare.zeek", "base/init-bare"},
		{"test-all-policy", "test-all-policy"},
		{"zeekygen", "zeekygen"},
		// Policy scripts with and without policy/.
		{"policy/protocols/conn/vlan-logging", "policy/protocols/conn/vlan-logging"},
		{"policy/protocols/conn/vlan-logging.zeek", "policy/protocols/conn/vlan-logging"},
		{"protocols/conn/vlan-logging", "policy/protocols/conn/vlan-logging"},
		{"protocols/conn/vlan-logging.zeek", "policy/protocols/conn/vlan-logging"},
		{"./protocols/conn/vlan-logging", "policy/protocols/conn/vlan-logging"},
		{"frameworks/analyzer/debug-logging.zeek", "policy/frameworks/analyzer/debug-logging"},
		{"misc/loaded-scripts", "policy/misc/loaded-scripts"},
		{"tuning/json-logs", "policy/tuning/json-logs"},
		{"integration/collective-intel", "policy/integration/collective-intel"},
		{"integration/collective-intel/", "policy/integration/collective-intel"},
		// The short form finds policy's package, not base's.
		{"frameworks/notice", "policy/frameworks/notice"},
		// The site script.
		{"local", "site/local"},
		{"local.zeek", "site/local"},
		{"site/local", "site/local"},
		{"./local.zeek", "site/local"},
		// A path into an installed Zeek.
		{"/usr/local/zeek/share/zeek/policy/protocols/conn/vlan-logging.zeek", "policy/protocols/conn/vlan-logging"},
		{"/opt/zeek/share/zeek/base/protocols/conn/", "base/protocols/conn"},
		{"/opt/zeek/share/zeek/site/local.zeek", "site/local"},
	}
	for _, tt := range tests {
		got, err := Resolve(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct {
		in         string
		problem    int
		suggestion string
		msg        string // substring of the message
	}{
		{"base/protocols/con", NoSuchScript, "base/protocols/conn",
			`scripts: no Zeek script named "base/protocols/con" (did you mean base/protocols/conn?)`},
		{"protocols/conn/vlan-loging", NoSuchScript, "protocols/conn/vlan-logging", "did you mean protocols/conn/vlan-logging?"},
		{"base/protocols/conn.zeek", NoSuchScript, "base/protocols/conn", "no Zeek script named"},
		{"base/protocols/http/dpd.sig", NoSuchScript, "", "no Zeek script named"},
		{"__load__", NoSuchScript, "", "no Zeek script named"},
		{"", NoSuchScript, "", `no Zeek script named ""`},
		{".", NoSuchScript, "", "no Zeek script named"},
		{"no-such-thing-at-all", NoSuchScript, "", "no Zeek script named"},
		// A directory without __load__.zeek stops the search, as in Zeek.
		{"protocols/conn", BareDirectory, "base/protocols/conn", "policy/protocols/conn, which has no __load__.zeek"},
		{"base", BareDirectory, "", "is the directory base,"},
		{"policy/protocols/conn/", BareDirectory, "", "no __load__.zeek"},
		// Script files Heron cannot run.
		{"/tmp/mine.zeek", FilePath, "", "heron runs no script files"},
		{"~/mine.zeek", FilePath, "", "heron runs no script files"},
		{"../mine.zeek", FilePath, "", "heron runs no script files"},
		{"./a/../../mine", FilePath, "", "heron runs no script files"},
	}
	for _, tt := range tests {
		got, err := Resolve(tt.in)
		var ne *NameError
		if !errors.As(err, &ne) {
			t.Errorf("Resolve(%q) = %q, %v; want a *NameError", tt.in, got, err)
			continue
		}
		if !errors.Is(err, ErrUnknownScript) {
			t.Errorf("Resolve(%q): error does not wrap ErrUnknownScript", tt.in)
		}
		if ne.Problem != tt.problem || ne.Suggestion != tt.suggestion {
			t.Errorf("Resolve(%q): problem %d suggestion %q; want %d %q", tt.in, ne.Problem, ne.Suggestion, tt.problem, tt.suggestion)
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Resolve(%q): message %q lacks %q", tt.in, err, tt.msg)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("Resolve(%q): message spans lines: %q", tt.in, err)
		}
	}
}

// Every canonical name resolves to itself.
func TestResolveCanonical(t *testing.T) {
	names := Names()
	if len(names) < 400 {
		t.Fatalf("catalog has %d scripts; want the whole Zeek tree", len(names))
	}
	for _, n := range names {
		if got, err := Resolve(n); err != nil || got != n {
			t.Errorf("Resolve(%q) = %q, %v", n, got, err)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"", "", 3, 0},
		{"conn", "conn", 3, 0},
		{"con", "conn", 3, 1},
		{"kitten", "sitting", 5, 3},
		{"abc", "xyz", 3, 3},
		{"abc", "xyz", 1, 2}, // over max: max+1
		{"a", "abcdef", 2, 3},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, tt.max); got != tt.want {
			t.Errorf("editDistance(%q, %q, %d) = %d; want %d", tt.a, tt.b, tt.max, got, tt.want)
		}
	}
}

// Closures follow the @load lines of Zeek's files: vlan-logging.zeek loads
// base/protocols/conn, whose __load__.zeek loads ./main, which loads
// base/utils/site.
func TestLoadClosure(t *testing.T) {
	s, err := Load(true, []string{"protocols/conn/vlan-logging"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"base/init-bare", "base/init-frameworks-and-bifs", // always
		"policy/protocols/conn/vlan-logging",
		"base/protocols/conn", "base/protocols/conn/main", "base/protocols/conn/contents",
		"base/utils/site",
	} {
		if !s.Has(want) {
			t.Errorf("bare vlan-logging: %s not loaded", want)
		}
	}
	for _, not := range []string{"base/init-default", "base/protocols/http", "base/protocols/dns/main", "site/local"} {
		if s.Has(not) {
			t.Errorf("bare vlan-logging: %s loaded", not)
		}
	}
	// Has takes any spelling.
	for _, form := range []string{"base/protocols/conn/__load__.zeek", "base/protocols/conn/", "protocols/conn/vlan-logging.zeek"} {
		if !s.Has(form) {
			t.Errorf("Has(%q) = false", form)
		}
	}
	if s.Has("base/protocols/con") || s.Has("") {
		t.Error("Has accepted a non-script")
	}
	if got := s.Named(); !slices.Equal(got, []string{"policy/protocols/conn/vlan-logging"}) {
		t.Errorf("Named() = %q", got)
	}

	// Order: the named script comes after everything init-bare pulled in,
	// and its dependencies come right after it.
	order := s.Order()
	iv := slices.Index(order, "policy/protocols/conn/vlan-logging")
	ic := slices.Index(order, "base/protocols/conn")
	im := slices.Index(order, "base/protocols/conn/main")
	if order[0] != "base/init-bare" || !(iv >= 0 && iv < ic && ic < im) {
		t.Errorf("order: init-bare first %v, vlan %d < conn %d < conn/main %d", order[0] == "base/init-bare", iv, ic, im)
	}

	// Without -b, base/ is loaded and the named script adds itself only.
	d, err := Load(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Load(false, []string{"policy/protocols/conn/vlan-logging"})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Has("base/protocols/http") || !d.Has("base/protocols/conn") || d.Has("policy/protocols/conn/vlan-logging") {
		t.Error("default load lacks base/ or has policy/")
	}
	if got, want := len(v.Order()), len(d.Order())+1; got != want {
		t.Errorf("default+vlan-logging loads %d scripts; want %d", got, want)
	}
	if last := v.Order()[len(v.Order())-1]; last != "policy/protocols/conn/vlan-logging" {
		t.Errorf("last loaded %q", last)
	}

	// The site script is known and loads nothing.
	l, err := Load(false, []string{"local"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := l.Order(), append(d.Order(), "site/local"); !slices.Equal(got, want) {
		t.Errorf("default+local loads %d scripts; want %d", len(got), len(want))
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load(false, []string{"base/protocols/conn", "base/protocols/con"}); !errors.Is(err, ErrUnknownScript) {
		t.Errorf("Load with a bad name: %v", err)
	}
	if _, err := LoadEnv(Env{Node: "wrker"}, nil); err == nil {
		t.Error("LoadEnv accepted node type wrker")
	}
}

// Scripts load once each, and @if conditions follow the environment.
func TestLoadEnv(t *testing.T) {
	standalone, err := Load(false, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, n := range standalone.Order() {
		if seen[n] {
			t.Errorf("%s loaded twice", n)
		}
		seen[n] = true
	}
	// base/frameworks/sumstats loads ./cluster in a cluster, else ./non-cluster.
	if !standalone.Has("base/frameworks/sumstats/non-cluster") || standalone.Has("base/frameworks/sumstats/cluster") {
		t.Error("standalone: want sumstats/non-cluster only")
	}
	// The zero Env has no Spicy: QUIC's package loads, its main does not.
	if standalone.Has("base/protocols/quic/main") || !standalone.Has("base/protocols/quic") {
		t.Error("standalone without Spicy: want the quic package without its main")
	}
	worker, err := LoadEnv(Env{Node: "worker"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"base/frameworks/sumstats/cluster", "base/frameworks/cluster/nodes/worker", "base/frameworks/cluster/setup-subscriptions"} {
		if !worker.Has(want) {
			t.Errorf("worker: %s not loaded", want)
		}
	}
	if worker.Has("base/frameworks/sumstats/non-cluster") || worker.Has("base/frameworks/cluster/nodes/manager") {
		t.Error("worker: loaded non-cluster or manager scripts")
	}
	manager, err := LoadEnv(Env{Node: "manager"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !manager.Has("base/frameworks/cluster/nodes/manager") || !manager.Has("base/frameworks/cluster/nodes/logger") {
		t.Error("manager without a logger node: want nodes/manager and nodes/logger")
	}
	m2, err := LoadEnv(Env{Node: "manager", SeparateLogger: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Has("base/frameworks/cluster/nodes/logger") {
		t.Error("manager with a logger node loaded nodes/logger")
	}
	spicy, err := LoadEnv(Env{Spicy: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"base/protocols/quic/main", "base/protocols/ldap/main", "base/frameworks/spicy"} {
		if !spicy.Has(want) {
			t.Errorf("with Spicy: %s not loaded", want)
		}
	}
	// @load-sigs.
	if sigs := standalone.Signatures(); !slices.Contains(sigs, "base/protocols/http/dpd.sig") {
		t.Errorf("signatures lack base/protocols/http/dpd.sig: %q", sigs)
	}
	if d := standalone.Deprecated(); len(d) != 0 {
		t.Errorf("default load has deprecated scripts %q", d)
	}
	if d := worker.Deprecated(); !slices.Contains(d, "base/frameworks/cluster/broker-stores") {
		t.Errorf("worker: deprecated %q; want broker-stores", d)
	}
}

// Every @if condition in the catalog is one LoadEnv knows how to evaluate.
func TestConditionsKnown(t *testing.T) {
	c, err := embedded()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range c.scripts {
		for _, e := range s.edges {
			for _, cond := range e.conds {
				n++
				if conditions[strings.TrimPrefix(cond, "!")] == nil {
					t.Errorf("%s: condition %q unknown", s.name, cond)
				}
			}
		}
	}
	if n == 0 {
		t.Error("catalog has no conditions at all")
	}
	for _, node := range []string{"", "manager", "logger", "proxy", "worker"} {
		for _, bare := range []bool{false, true} {
			for _, spicy := range []bool{false, true} {
				if _, err := LoadEnv(Env{Node: node, Bare: bare, Spicy: spicy}, []string{"test-all-policy", "zeekygen"}); err != nil {
					t.Errorf("node %q bare %v spicy %v: %v", node, bare, spicy, err)
				}
			}
		}
	}
}

// Zeek's own tests record the load order of "zeek -b misc/loaded-scripts"
// and "zeek misc/loaded-scripts" (testing/btest/Baseline/coverage.*-load-
// baseline). Order must match them, without the build-generated BIF and
// plugin scripts. testdata/load-order-*.golden hold Heron's order
// (rewritten with -update) so that a change shows without a Zeek checkout.
func TestOrderMatchesZeek(t *testing.T) {
	for _, tc := range []struct {
		bare   bool
		golden string
		zeek   string
	}{
		{true, "testdata/load-order-bare.golden", "testing/btest/Baseline/coverage.bare-load-baseline/canonified_loaded_scripts.log"},
		{false, "testdata/load-order-default.golden", "testing/btest/Baseline/coverage.default-load-baseline/canonified_loaded_scripts.log"},
	} {
		// Zeek's baselines come from a build with Spicy.
		s, err := LoadEnv(Env{Bare: tc.bare, Spicy: true}, []string{"misc/loaded-scripts"})
		if err != nil {
			t.Fatal(err)
		}
		got := s.Order()
		if *update {
			if err := os.WriteFile(tc.golden, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(tc.golden)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < 100 {
			t.Fatalf("bare=%v: only %d scripts load", tc.bare, len(got))
		}
		compareOrder(t, tc.bare, got, strings.Fields(string(b)), tc.golden)
		src := zeekSource()
		if src == "" {
			t.Logf("bare=%v: not compared with Zeek's baseline: no Zeek source tree (HERON_ZEEK_SRC)", tc.bare)
			continue
		}
		zb, err := os.ReadFile(filepath.Join(src, tc.zeek))
		if err != nil {
			t.Fatal(err)
		}
		compareOrder(t, tc.bare, got, loadedScripts(zb), "Zeek")
	}
}

// compareOrder reports the first difference between two load orders.
func compareOrder(t *testing.T, bare bool, got, want []string, what string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("bare=%v: position %d: got %q, %s loads %q (%d vs %d scripts)", bare, i, g, what, w, len(got), len(want))
			return
		}
	}
}

// loadedScripts turns a canonified loaded_scripts.log into canonical names.
func loadedScripts(log []byte) []string {
	var out []string
	for _, l := range strings.Split(string(log), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		var ok bool
		if l, ok = strings.CutPrefix(l, "scripts/"); !ok {
			if l, ok = strings.CutPrefix(l, "build/scripts/"); !ok {
				continue
			}
		}
		l = strings.TrimSuffix(l, ".zeek")
		if strings.HasPrefix(l, "base/bif/") || strings.HasPrefix(l, "builtin-plugins/") {
			continue
		}
		out = append(out, strings.TrimSuffix(l, "/__load__"))
	}
	return out
}

// The embedded catalog is what the generator makes of the Zeek checkout.
func TestCatalogFresh(t *testing.T) {
	dir := filepath.Join(zeekSource(), "scripts")
	if _, err := os.Stat(filepath.Join(dir, "base/init-bare.zeek")); err != nil {
		t.Skipf("no Zeek scripts at %s", dir)
	}
	got, err := Generate(os.DirFS(dir), ZeekCommit())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body(got), body(catalogData)) {
		t.Errorf("internal/scripts/zeek-scripts.txt is stale w.r.t. %s; regenerate it (see its header)", dir)
	}
	if ZeekCommit() == "" || ZeekCommit() == "unknown" {
		t.Error("catalog header names no Zeek commit")
	}
}

// body drops comment lines.
func body(b []byte) []byte {
	var out []byte
	for _, l := range bytes.SplitAfter(b, []byte("\n")) {
		if !bytes.HasPrefix(l, []byte("#")) {
			out = append(out, l...)
		}
	}
	return out
}

func TestParseCatalogErrors(t *testing.T) {
	good := "S\tbase/init-bare\tfile\nS\tbase/init-frameworks-and-bifs\tfile\nS\tbase/init-default\tfile\n"
	if _, err := parseCatalog([]byte(good)); err != nil {
		t.Fatalf("minimal catalog: %v", err)
	}
	for _, bad := range []string{
		"L\tx\n" + good,                    // edge before script
		good + "S\tbase/init-bare\tfile\n", // duplicate
		good + "S\tx\tweird\n",             // kind
		good + "S\tx\tfile\tshiny\n",       // flag
		good + "Q\tx\n",                    // record
		good + "L\tnowhere\n",              // unknown target
		good + "D\n",                       // short D
		"S\tbase/init-bare\tfile\n",        // missing init scripts
		good + "S\tx\tfile\nL\t\n",         // empty target
		good + "S\t\tfile\n",               // empty name
		good + "S\tx\n",                    // short S
	} {
		if _, err := parseCatalog([]byte(bad)); err == nil {
			t.Errorf("parseCatalog accepted %q", bad)
		}
	}
}

func TestGenerateDirectives(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("base/init-bare.zeek", "@load base/bif/const.bif\n@load base/p\n")
	write("base/init-frameworks-and-bifs.zeek", "")
	write("base/init-default.zeek", "@if ( have_spicy() ) # comment\n@load base/p/b\n@else\n  @load ./p/c.zeek\n@endif\n")
	write("base/p/__load__.zeek", "@load ./a\n@load-sigs ./dpd\n\t@load ../p/b  # trailing\n")
	write("base/p/a.zeek", "@deprecated \"gone\"\n@load policy/x/y\n")
	write("base/p/b.zeek", "")
	write("base/p/c.zeek", "@unload x/y\n")
	write("base/p/dpd.sig", "")
	write("policy/x/y.zeek", "")
	write("site/local.zeek", "@load x/y\n")
	got, err := Generate(os.DirFS(dir), "abc")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"S\tbase/init-bare\tfile",
		"X\tbase/bif/const.bif",
		"L\tbase/p",
		"S\tbase/init-default\tfile",
		"L\tbase/p/b\tif have_spicy()",
		"L\tbase/p/c\t!if have_spicy()",
		"S\tbase/init-frameworks-and-bifs\tfile",
		"S\tbase/p\tpkg",
		"L\tbase/p/a",
		"G\tbase/p/dpd.sig",
		"L\tbase/p/b",
		"S\tbase/p/a\tfile\tdeprecated",
		"L\tpolicy/x/y",
		"S\tbase/p/b\tfile",
		"S\tbase/p/c\tfile",
		"U\tpolicy/x/y",
		"S\tpolicy/x/y\tfile",
		"S\tsite/local\tsite",
		"D\tbase",
		"D\tpolicy",
		"D\tpolicy/x",
		"D\tsite",
	}, "\n") + "\n"
	if string(body(got)) != want {
		t.Errorf("Generate:\n%s\nwant:\n%s", body(got), want)
	}
	if !bytes.Contains(got, []byte(commitPrefix+"abc\n")) {
		t.Error("header lacks the commit")
	}
	c, err := parseCatalog(got)
	if err != nil {
		t.Fatalf("parse generated: %v", err)
	}
	if c.commit != "abc" || len(c.names) != 9 {
		t.Errorf("parsed commit %q, %d names", c.commit, len(c.names))
	}

	for name, text := range map[string]string{
		"missing load": "@load base/nothing\n",
		"missing sigs": "@load-sigs ./nothing\n",
		"unbalanced":   "@if ( T )\n",
		"stray endif":  "@endif\n",
		"stray else":   "@else\n",
		"empty if":     "@if\n",
		"empty load":   "@load\n",
		"absolute":     "@load /etc/x\n",
	} {
		write("base/p/b.zeek", text)
		if _, err := Generate(os.DirFS(dir), ""); err == nil {
			t.Errorf("Generate accepted %s", name)
		}
	}
}

func TestImplement(t *testing.T) {
	// The registry is global; use names no Heron package registers.
	Implement("policy/protocols/conn/mac-logging", "test: mac-logging")
	Implement("protocols/conn/mac-logging.zeek", "test: second feature")
	Implement("policy/frameworks/notice", "test: a package")
	s, err := Load(false, []string{
		"policy/protocols/conn/mac-logging", "protocols/conn/weirds", "local",
		"policy/frameworks/notice/actions/drop", "policy/frameworks/notice",
		"protocols/conn/weirds",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Unimplemented(); !slices.Equal(got, []string{"policy/protocols/conn/weirds"}) {
		t.Errorf("Unimplemented() = %q", got)
	}
	all := s.UnimplementedLoaded()
	if slices.Contains(all, "policy/protocols/conn/mac-logging") || !slices.Contains(all, "base/init-bare") {
		t.Errorf("UnimplementedLoaded() wrong: %d names", len(all))
	}
	var mine []Feature
	for _, f := range Implemented() {
		if strings.HasPrefix(f.What, "test:") {
			mine = append(mine, f)
		}
	}
	want := []Feature{
		{"policy/frameworks/notice", "test: a package"},
		{"policy/protocols/conn/mac-logging", "test: mac-logging"},
		{"policy/protocols/conn/mac-logging", "test: second feature"},
	}
	if !slices.Equal(mine, want) {
		t.Errorf("Implemented() = %v", mine)
	}
	defer func() {
		if recover() == nil {
			t.Error("Implement of a non-script did not panic")
		}
	}()
	Implement("base/protocols/con", "typo")
}

func TestZeekCommit(t *testing.T) {
	if c := ZeekCommit(); len(c) != 40 {
		t.Errorf("ZeekCommit() = %q", c)
	}
}

func BenchmarkResolve(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Resolve("protocols/conn/vlan-logging.zeek"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(false, []string{"local"}); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"base/protocols/conn", "protocols/conn/vlan-logging.zeek", "local", "./x/../..", "/share/zeek/",
		"base/protocols/con", "~", "", "//", "base/protocols/conn/__load__", "\x00", "policy/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		canon, err := Resolve(name)
		if err != nil {
			var ne *NameError
			if !errors.As(err, &ne) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Resolve(%q): bad error %v", name, err)
			}
			if ne.Suggestion != "" {
				if _, err := Resolve(ne.Suggestion); err != nil {
					t.Fatalf("Resolve(%q) suggests %q, which does not resolve: %v", name, ne.Suggestion, err)
				}
			}
			return
		}
		if again, err := Resolve(canon); err != nil || again != canon {
			t.Fatalf("Resolve(%q) = %q, but that resolves to %q, %v", name, canon, again, err)
		}
	})
}
