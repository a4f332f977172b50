package main

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/logging"
	"github.com/heron-nsm/heron/internal/node"
	"github.com/heron-nsm/heron/internal/scripts"
	"github.com/heron-nsm/heron/internal/zeek"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

type sampleID struct {
	OrigH zeek.Addr `zeek:"orig_h"`
	OrigP zeek.Port `zeek:"orig_p"`
}

// sampleRec has a column of every kind zeek-cut meets in Zeek's logs.
type sampleRec struct {
	TS          zeek.Time               `zeek:"ts"`
	UID         string                  `zeek:"uid"`
	ID          sampleID                `zeek:"id"`
	Proto       zeek.Proto              `zeek:"proto,enum"`
	Note        zeek.Opt[string]        `zeek:"note"`
	Duration    zeek.Opt[zeek.Interval] `zeek:"duration"`
	RTT         zeek.Opt[float64]       `zeek:"rtt,interval"`
	PercentLost float64                 `zeek:"percent_lost"`
	Count       uint64                  `zeek:"count"`
	Delta       int64                   `zeek:"delta"`
	Flag        zeek.Opt[bool]          `zeek:"flag"`
	Names       zeek.Opt[[]string]      `zeek:"names,set"`
	Vec         []uint64                `zeek:"vec"`
	Addrs       []zeek.Addr             `zeek:"addrs,set"`
	Net         zeek.Subnet             `zeek:"net"`
	Till        zeek.Opt[zeek.Time]     `zeek:"till"`
	Times       []zeek.Time             `zeek:"times"`
}

func sampleRecords() []sampleRec {
	a := netip.MustParseAddr
	tcp := zeek.Port{Num: 80, Proto: zeek.ProtoTCP}
	return []sampleRec{
		{
			TS: 1329843175736107000, UID: "CjhGID4nQcgTWjvg4c", ID: sampleID{a("141.142.220.235"), tcp},
			Proto: zeek.ProtoTCP, Note: zeek.Some("plain"), Duration: zeek.Some[zeek.Interval](112432000),
			RTT: zeek.Some(1329843176.840242 - 1329843175.736107), PercentLost: 0.5, Count: 342, Delta: -7,
			Flag: zeek.Some(true), Names: zeek.Some([]string{"a", "b"}), Vec: []uint64{1, 2, 3},
			Addrs: []zeek.Addr{a("10.0.0.1"), a("2001:db8::1")}, Net: netip.MustParsePrefix("10.0.0.0/8"),
			Till: zeek.Some[zeek.Time](1329843179000000000), Times: []zeek.Time{1, 1329843175736107000},
		},
		{
			// Unset and empty values, and the strings Zeek must escape.
			TS: 1329843179871641000, UID: "CCvvfg3TEfuqmmG4bh", ID: sampleID{a("2001:db8::2"), tcp},
			Proto: zeek.ProtoUDP, Note: zeek.Some(""), PercentLost: 100, Names: zeek.Some([]string{}),
			Net: netip.MustParsePrefix("2001:db8::/32"),
		},
		{
			TS: 1329843194151526000, UID: "CsRx2w45OKnoww6xl4", ID: sampleID{a("10.1.2.3"), tcp},
			Proto: zeek.ProtoTCP, Note: zeek.Some("-"), PercentLost: 1e-7, Names: zeek.Some([]string{"", "-", "(empty)", "x,y"}),
			Flag: zeek.Some(false), Net: netip.MustParsePrefix("0.0.0.0/0"),
		},
		{
			TS: 1329843197783443000, UID: "CRJuHdVW0XPVINV8a", ID: sampleID{a("10.1.2.4"), tcp},
			Proto: zeek.ProtoICMP, Note: zeek.Some("tab\there, comma, back\\slash, \x01ctl, caf\u00e9, bad\xff\xfe bytes"),
			PercentLost: 1e21, Net: netip.MustParsePrefix("10.1.0.0/16"),
		},
		{
			TS: 1329843161968492000, UID: "CXWv6p3arKYeMETxOg", ID: sampleID{a("10.1.2.5"), tcp},
			Proto: zeek.ProtoTCP, Note: zeek.Some("(empty)"), Names: zeek.Some([]string{"caf\u00e9\n", "\xff"}),
			Duration: zeek.Some[zeek.Interval](38055625000), PercentLost: 33.333333333, Net: netip.MustParsePrefix("192.168.0.0/16"),
		},
	}
}

// writeSampleLogs writes the sample records with Heron's logging framework
// as sample.log in TSV and in JSON, and returns both.
func writeSampleLogs(t *testing.T) (tsv, js []byte) {
	t.Helper()
	for _, useJSON := range []bool{false, true} {
		dir := t.TempDir()
		cfg := logging.DefaultConfig()
		cfg.LogDir = dir
		cfg.UseJSON = useJSON
		cfg.Now = func() time.Time { return time.Unix(1400000000, 0) }
		m, err := logging.NewManager(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := logging.NewStream[sampleRec](m, "sample")
		if err != nil {
			t.Fatal(err)
		}
		recs := sampleRecords()
		for i := range recs {
			if err := s.Write(&recs[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "sample.log"))
		if err != nil {
			t.Fatal(err)
		}
		if useJSON {
			js = data
		} else {
			tsv = data
		}
	}
	return tsv, js
}

func cut(t *testing.T, args []string, env map[string]string, input []byte) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	status := run(args, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, bytes.NewReader(input), &out, &errb)
	return out.String(), errb.String(), status
}

// TestJSONLikeTSV: for every option set, heron-cut prints the JSON log as
// it prints the TSV log of the same records, and that output matches the
// golden file (checked by hand when written; -update rewrites it).
func TestJSONLikeTSV(t *testing.T) {
	tsv, js := writeSampleLogs(t)
	var all []string
	for _, l := range strings.Split(string(tsv), "\n") {
		if f, ok := strings.CutPrefix(l, "#fields\t"); ok {
			all = strings.Split(f, "\t")
		}
	}
	if len(all) != 18 {
		t.Fatalf("TSV log has %d columns: %q", len(all), all)
	}
	utc := map[string]string{"TZ": "UTC"}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		// headers: TSV and JSON differ (JSON logs have no header), so the
		// JSON output has its own golden file.
		ownJSON bool
	}{
		{name: "all-named", args: all},
		{name: "no-columns"},
		{name: "some", args: []string{"uid", "note", "names", "percent_lost", "rtt"}},
		{name: "reorder-missing", args: []string{"names", "nosuch", "ts", "id.orig_h"}, ownJSON: true},
		{name: "negate", args: []string{"-n", "note", "uid", "times"}},
		{name: "time-local", args: []string{"-d", "ts", "till", "times", "uid"}, env: map[string]string{"TZ": "PST+8"}},
		{name: "time-utc", args: []string{"-u", "uid", "ts", "till"}, env: utc},
		{name: "time-fmt", args: []string{"-U", "%s %j %a", "ts", "till"}, env: utc},
		{name: "ofs", args: []string{"-F", ",", "uid", "names", "vec"}},
		{name: "header-c", args: []string{"-c", "-d", "ts", "uid"}, env: utc, ownJSON: true},
		{name: "header-m", args: []string{"-m", "uid", "proto"}, ownJSON: true},
		{name: "header-n", args: []string{"-C", "-n", "note"}, ownJSON: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := c.env
			if env == nil {
				env = utc
			}
			gotTSV, errTSV, st := cut(t, c.args, env, tsv)
			if st != 0 || errTSV != "" {
				t.Fatalf("TSV: status %d, stderr %q", st, errTSV)
			}
			gotJSON, errJSON, st := cut(t, c.args, env, js)
			if st != 0 || errJSON != "" {
				t.Fatalf("JSON: status %d, stderr %q", st, errJSON)
			}
			golden(t, "json-"+c.name+".tsv.golden", gotTSV)
			if c.ownJSON {
				golden(t, "json-"+c.name+".json.golden", gotJSON)
			} else if gotJSON != gotTSV {
				t.Errorf("JSON and TSV differ\n--- JSON\n%s--- TSV\n%s", gotJSON, gotTSV)
			}
		})
	}
}

type hashRec struct {
	Name string `zeek:"name"`
	N    uint64 `zeek:"n"`
}

// TestJSONMetaPrefix: the TSV writer escapes a "#" that starts a data line;
// heron-cut prints the JSON form so too.
func TestJSONMetaPrefix(t *testing.T) {
	var outs []string
	for _, useJSON := range []bool{false, true} {
		dir := t.TempDir()
		cfg := logging.DefaultConfig()
		cfg.LogDir, cfg.UseJSON = dir, useJSON
		m, err := logging.NewManager(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := logging.NewStream[hashRec](m, "hash")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []hashRec{{"#x", 1}, {"a#", 2}} {
			if err := s.Write(&r); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "hash.log"))
		if err != nil {
			t.Fatal(err)
		}
		out, _, _ := cut(t, []string{"name", "n"}, nil, data)
		outs = append(outs, out)
	}
	if want := "\\x23x\t1\na#\t2\n"; outs[0] != want || outs[1] != want {
		t.Errorf("TSV %q, JSON %q, want %q", outs[0], outs[1], want)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestHeronLogs runs Heron on the project's sample trace, once writing TSV
// and once JSON, and checks that heron-cut prints every log's columns (as
// named in the TSV header) the same from both, plain and with -u.
func TestHeronLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the node on a trace")
	}
	dirs := map[bool]string{false: t.TempDir(), true: t.TempDir()}
	for useJSON, dir := range dirs {
		cfg := node.DefaultConfig()
		loaded, err := scripts.Load(false, nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Loaded = node.FeaturesOf(loaded)
		cfg.Trace = filepath.Join("..", "..", "testdata", "sample.pcap")
		cfg.Log.LogDir = dir
		cfg.Log.UseJSON = useJSON
		cfg.Conn.Seed = 42
		if _, err := node.Run(cfg); err != nil {
			t.Fatal(err)
		}
	}
	logs, err := filepath.Glob(filepath.Join(dirs[false], "*.log"))
	if err != nil || len(logs) < 2 {
		t.Fatalf("heron wrote %d logs (%v)", len(logs), err)
	}
	for _, tsvPath := range logs {
		name := filepath.Base(tsvPath)
		tsv, err := os.ReadFile(tsvPath)
		if err != nil {
			t.Fatal(err)
		}
		js, err := os.ReadFile(filepath.Join(dirs[true], name))
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for _, l := range strings.Split(string(tsv), "\n") {
			if f, ok := strings.CutPrefix(l, "#fields\t"); ok {
				cols = strings.Split(f, "\t")
			}
		}
		for _, flags := range [][]string{nil, {"-u"}} {
			args := append(append([]string{}, flags...), cols...)
			a, errA, _ := cut(t, args, map[string]string{"TZ": "UTC"}, tsv)
			b, errB, _ := cut(t, args, map[string]string{"TZ": "UTC"}, js)
			if errA != "" || errB != "" {
				t.Errorf("%s %v: stderr %q / %q", name, flags, errA, errB)
			}
			if a != b {
				t.Errorf("%s %v: JSON and TSV outputs differ\n--- TSV\n%s--- JSON\n%s", name, flags, a, b)
			}
			if strings.Count(a, "\n") < 1 {
				t.Errorf("%s: no records", name)
			}
		}
	}
	t.Logf("compared %d logs", len(logs))
}
