package site

import (
	"bufio"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/testutil/refdata"
)

// refDir and sharedDir are the Zeek checkout and the shared folder ("" when
// absent); tests that need them skip when their files are missing.
var (
	refDir    = refdata.ZeekSourceDir()
	sharedDir = refdata.SharedDir()
)

func TestDefaultPrivateAddressSpace(t *testing.T) {
	ps := DefaultPrivateAddressSpace()
	if len(ps) != 42 {
		t.Fatalf("%d prefixes, want 42", len(ps))
	}
	for _, p := range ps {
		if p != p.Masked() {
			t.Errorf("%s has host bits", p)
		}
	}
	ps[0] = netip.Prefix{}
	if DefaultPrivateAddressSpace()[0] != netip.MustParsePrefix("0.0.0.0/8") {
		t.Error("DefaultPrivateAddressSpace returns shared storage")
	}
}

// TestDefaultPrivateAddressSpaceMatchesZeek reads the default value of
// Site::private_address_space from Zeek's site.zeek and compares.
func TestDefaultPrivateAddressSpaceMatchesZeek(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(refDir, "scripts", "base", "utils", "site.zeek"))
	if err != nil {
		t.Skipf("Zeek's scripts not available: %v", err)
	}
	text := string(src)
	start := strings.Index(text, "option private_address_space: set[subnet] = {")
	if start < 0 {
		t.Fatal("private_address_space not found in site.zeek")
	}
	end := strings.Index(text[start:], "};")
	block := text[start : start+end]
	var want []netip.Prefix
	for _, line := range strings.Split(block, "\n")[1:] {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lit := strings.NewReplacer("[", "", "]", "", ",", "").Replace(line)
		p, err := netip.ParsePrefix(lit)
		if err != nil {
			t.Fatalf("site.zeek: %q: %v", line, err)
		}
		want = append(want, p)
	}
	got := DefaultPrivateAddressSpace()
	slices.SortFunc(got, comparePrefix)
	slices.SortFunc(want, comparePrefix)
	if !slices.Equal(got, want) {
		t.Errorf("DefaultPrivateAddressSpace() = %v\nsite.zeek has %v", got, want)
	}
}

func TestSite(t *testing.T) {
	def := DefaultConfig()
	noPrivate := DefaultConfig()
	noPrivate.PrivateAddressSpaceIsLocal = false
	withNets := DefaultConfig()
	withNets.LocalNets = prefixes(t, "131.243.0.0/16", "2001:db8:1200::/40", "10.0.0.0/8")
	withNetsNoPrivate := withNets
	withNetsNoPrivate.PrivateAddressSpaceIsLocal = false
	withNetsNoPrivate.NeighborNets = prefixes(t, "128.3.0.0/16")

	type check struct {
		addr                     string
		local, private, neighbor bool
	}
	tests := []struct {
		name         string
		cfg          Config
		logsLocality bool
		nLocalNets   int
		checks       []check
	}{
		{"zeek defaults", def, true, 42, []check{
			{"10.0.0.1", true, true, false},
			{"192.168.1.1", true, true, false},
			{"::ffff:192.168.1.1", true, true, false},
			{"127.0.0.1", true, true, false},
			{"100.127.255.255", true, true, false},
			{"100.128.0.0", false, false, false},
			{"172.32.0.1", false, false, false},
			{"8.8.8.8", false, false, false},
			{"224.0.0.251", true, true, false},
			{"224.0.1.1", false, false, false},
			{"239.255.255.250", true, true, false},
			{"255.255.255.255", true, true, false},
			{"::1", true, true, false},
			{"::", true, true, false},
			{"::2", false, false, false},
			{"fe80::1", true, true, false},
			{"ff02::1", false, false, false},
			{"2002:c0a8:101::1", true, true, false},
			{"2002:808:808::1", false, false, false},
			{"2001:db8::1", true, true, false},
			{"2607:f8b0::1", false, false, false},
		}},
		{"private not local, no networks", noPrivate, false, 0, []check{
			{"10.0.0.1", false, true, false},
			{"8.8.8.8", false, false, false},
			{"fe80::1", false, true, false},
		}},
		{"networks plus private", withNets, true, 44, []check{
			{"131.243.1.1", true, false, false},
			{"10.0.0.1", true, true, false},
			{"2001:db8:1200::5", true, true, false},
			{"8.8.8.8", false, false, false},
		}},
		{"networks only", withNetsNoPrivate, true, 3, []check{
			{"131.243.1.1", true, false, false},
			{"10.0.0.1", true, true, false},
			{"192.168.0.1", false, true, false},
			{"2001:db8:1200::5", true, true, false},
			{"2001:db8:1300::5", false, true, false},
			{"128.3.4.5", false, false, true},
		}},
		{"zero config", Config{}, false, 0, []check{
			{"10.0.0.1", false, false, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.cfg)
			if got := s.LogsLocality(); got != tt.logsLocality {
				t.Errorf("LogsLocality() = %v, want %v", got, tt.logsLocality)
			}
			if got := len(s.LocalNets()); got != tt.nLocalNets {
				t.Errorf("len(LocalNets()) = %d, want %d: %v", got, tt.nLocalNets, s.LocalNets())
			}
			for _, c := range tt.checks {
				a := netip.MustParseAddr(c.addr)
				if got := s.IsLocal(a); got != c.local {
					t.Errorf("IsLocal(%s) = %v, want %v", a, got, c.local)
				}
				if got := s.IsPrivate(a); got != c.private {
					t.Errorf("IsPrivate(%s) = %v, want %v", a, got, c.private)
				}
				if got := s.IsNeighbor(a); got != c.neighbor {
					t.Errorf("IsNeighbor(%s) = %v, want %v", a, got, c.neighbor)
				}
			}
		})
	}
}

func TestLocalNetsDeduplicates(t *testing.T) {
	cfg := Config{
		LocalNets:                  prefixes(t, "10.1.2.3/8", "10.0.0.0/8", "::ffff:10.0.0.0/104", "fe80::1/10", "fe80::/10"),
		PrivateAddressSpace:        prefixes(t, "10.0.0.0/8", "192.168.0.0/16"),
		PrivateAddressSpaceIsLocal: true,
	}
	s := New(cfg)
	want := prefixes(t, "10.0.0.0/8", "192.168.0.0/16", "fe80::/10")
	if got := s.LocalNets(); !slices.Equal(got, want) {
		t.Errorf("LocalNets() = %v, want %v", got, want)
	}
	s.LocalNets()[0] = netip.Prefix{}
	if s.LocalNets()[0] != want[0] {
		t.Error("LocalNets returns shared storage")
	}
	// An empty private space with is_local still leaves local_nets empty.
	if New(Config{PrivateAddressSpaceIsLocal: true}).LogsLocality() {
		t.Error("LogsLocality with nothing configured")
	}
}

// connLog is the part of a Zeek conn.log this package predicts.
type connRow struct {
	line                               int
	origH, respH, localOrig, localResp string
}

func readConnLog(t *testing.T, path string) []connRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []connRow
	col := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "#fields\t") {
			for i, name := range strings.Split(line, "\t")[1:] {
				col[name] = i
			}
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		if len(col) == 0 {
			t.Fatalf("%s:%d: data before #fields", path, n)
		}
		f := strings.Split(line, "\t")
		get := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(f) {
				t.Fatalf("%s:%d: no %s column", path, n, name)
			}
			return f[i]
		}
		rows = append(rows, connRow{n, get("id.orig_h"), get("id.resp_h"), get("local_orig"), get("local_resp")})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func zeekBool(b bool) string {
	if b {
		return "T"
	}
	return "F"
}

// TestDefaultBaselines recomputes local_orig and local_resp for every
// conn.log Zeek wrote in its default mode and requires full agreement.
func TestDefaultBaselines(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir, "zeek-corpus", "baselines", "default", "*", "conn.log"))
	if len(files) == 0 {
		t.Skip("no default-mode baselines under ../shared")
	}
	s := New(DefaultConfig())
	if !s.LogsLocality() {
		t.Fatal("default config does not log locality")
	}
	var rows, mismatches int
	for _, path := range files {
		for _, r := range readConnLog(t, path) {
			rows++
			o, err1 := netip.ParseAddr(r.origH)
			p, err2 := netip.ParseAddr(r.respH)
			if err1 != nil || err2 != nil {
				t.Errorf("%s:%d: bad address %q or %q", path, r.line, r.origH, r.respH)
				continue
			}
			wo, wr := zeekBool(s.IsLocal(o)), zeekBool(s.IsLocal(p))
			if wo != r.localOrig || wr != r.localResp {
				mismatches++
				t.Errorf("%s:%d: %s -> %s: local_orig/resp = %s/%s, Zeek wrote %s/%s",
					path, r.line, o, p, wo, wr, r.localOrig, r.localResp)
			}
		}
	}
	t.Logf("%d conn.log files, %d records, %d mismatches", len(files), rows, mismatches)
	if rows < 1000 {
		t.Errorf("only %d records: the corpus looks incomplete", rows)
	}
}

// siteRedef finds scripts in a btest that change the Site framework.
var siteRedef = regexp.MustCompile(`Site::(local_nets|private_address_space)`)

// TestCorpusBaselines does the same for the conn.logs of Zeek's own tests
// in the corpus, skipping tests whose script redefines Site options.
func TestCorpusBaselines(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir, "zeek-corpus", "baselines", "*", "conn.log"))
	if len(files) == 0 {
		t.Skip("no corpus baselines under ../shared")
	}
	s := New(DefaultConfig())
	checked := 0
	for _, path := range files {
		test := filepath.Base(filepath.Dir(path))
		script := filepath.Join(refDir, "testing", "btest", filepath.FromSlash(strings.ReplaceAll(test, ".", "/")))
		var src []byte
		var err error
		for _, ext := range []string{".zeek", ".test", ".sh", ""} {
			if src, err = os.ReadFile(script + ext); err == nil {
				break
			}
		}
		if err != nil {
			t.Logf("%s: test script not found; checking anyway", test)
		} else if siteRedef.Match(src) {
			t.Logf("%s: redefines Site options; skipped", test)
			continue
		}
		checked++
		for _, r := range readConnLog(t, path) {
			o, err1 := netip.ParseAddr(r.origH)
			p, err2 := netip.ParseAddr(r.respH)
			if err1 != nil || err2 != nil {
				t.Errorf("%s:%d: bad address %q or %q", path, r.line, r.origH, r.respH)
				continue
			}
			wo, wr := zeekBool(s.IsLocal(o)), zeekBool(s.IsLocal(p))
			if wo != r.localOrig || wr != r.localResp {
				t.Errorf("%s:%d: %s -> %s: local_orig/resp = %s/%s, Zeek wrote %s/%s",
					path, r.line, o, p, wo, wr, r.localOrig, r.localResp)
			}
		}
	}
	t.Logf("%d of %d corpus conn.logs checked", checked, len(files))
}
