package sip

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/binpac"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the fuzz seed corpora under testdata/fuzz")

// sep separates the datagrams of a FuzzAnalyzer input.
var sep = []byte{0xff, 0xff}

// encodeDatagrams joins datagrams into a FuzzAnalyzer input.
func encodeDatagrams(ds ...string) []byte {
	var b []byte
	for i, d := range ds {
		if i > 0 {
			b = append(b, sep...)
		}
		b = append(b, d...)
	}
	return b
}

// seedConversations are FuzzAnalyzer's seeds: the conversations of the
// analyzer's tests, whole and cut short, and hostile lengths.
func seedConversations() map[string][]byte {
	seeds := map[string][]byte{}
	for _, tc := range analyzerCases {
		seeds[goldenName(tc.name)[:len(goldenName(tc.name))-len(".txt")]] = encodeDatagrams(tc.datagrams...)
	}
	inv := invite()
	seeds["truncated-invite"] = encodeDatagrams(inv[:len(inv)/2], reply("100 Trying"))
	seeds["huge-content-length"] = encodeDatagrams("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 4294967295\r\n\r\nbody")
	seeds["int-min-content-length"] = encodeDatagrams("MESSAGE sip:a@b SIP/2.0\r\nL: 2147483648\r\n\r\nbody", "SIP/2.0 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n")
	seeds["many-vias"] = encodeDatagrams(msg("INVITE sip:a@b SIP/2.0", strings.Fields(strings.Repeat("Via:x ", 150)), ""))
	return seeds
}

// fuzzDatagrams splits a FuzzAnalyzer input into at most 256 datagrams.
func fuzzDatagrams(data []byte) [][]byte {
	ds := bytes.Split(data, sep)
	if len(ds) > 256 {
		ds = ds[:256]
	}
	return ds
}

// FuzzAnalyzer feeds arbitrary datagrams to the analyzer: nothing may
// panic, its buffers stay within binpac's bounds, and every record it
// logs has the connection's identity.
func FuzzAnalyzer(f *testing.F) {
	for _, s := range seedConversations() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newRig()
		for i, d := range fuzzDatagrams(data) {
			r.DeliverPacket(d, i%2 == 0)
			for _, fl := range r.flows {
				if cap(fl.fb.buf) > 2*maxCapacity {
					t.Fatalf("buffer capacity %d", cap(fl.fb.buf))
				}
			}
		}
		r.Done()
		for _, l := range r.h.logs {
			if l.UID != "CTEST" || !l.RequestPath.Set || !l.ResponsePath.Set {
				t.Fatalf("bad record %+v", l)
			}
		}
	})
}

// FuzzLines parses arbitrary lines as request lines, status lines and
// headers: nothing may panic, and what a line yields lies within it.
func FuzzLines(f *testing.F) {
	f.Add([]byte("INVITE sip:bob@example.org SIP/2.0"))
	f.Add([]byte("\x00\x00REGISTER sip:1.1.1.1:5060 SIP/2.0"))
	f.Add([]byte("SIP/2.0 200 OK"))
	f.Add([]byte("SIP/2.0 2x0"))
	f.Add([]byte("Content-Length :  42"))
	f.Add([]byte("Via"))
	f.Fuzz(func(t *testing.T, line []byte) {
		check := func(name string, b []byte) {
			if len(b) > 0 && !bytes.Contains(line, b) {
				t.Fatalf("%s %q is not part of the line %q", name, b, line)
			}
		}
		ev := &checkEvents{check: check}
		fl := flow{ev: ev, isOrig: true}
		if err := fl.requestLine(line); err != nil && !errors.As(err, new(binpac.Error)) {
			t.Fatal(err)
		}
		if err := fl.statusLine(line); err != nil && !errors.As(err, new(binpac.Error)) {
			t.Fatal(err)
		}
		if err := fl.header(line); err == nil && ev.headers != 1 {
			t.Fatalf("a header line gave %d headers", ev.headers)
		}
	})
}

// checkEvents checks the slices the flows' events carry.
type checkEvents struct {
	check   func(string, []byte)
	headers int
}

func (e *checkEvents) confirm()             {}
func (e *checkEvents) weird(string, string) {}
func (e *checkEvents) request(method, uri, version []byte) {
	e.check("method", method)
	e.check("uri", uri)
	e.check("version", version)
}
func (e *checkEvents) reply(version []byte, code int, reason []byte) {
	e.check("version", version)
	e.check("reason", reason)
	if code < 0 || code > 999 {
		panic(fmt.Sprintf("status code %d", code))
	}
}
func (e *checkEvents) header(_ bool, _, value []byte) {
	e.headers++
	e.check("value", value)
}
func (e *checkEvents) endEntity(bool) {}

// FuzzVersion parses arbitrary SIP versions: a success consumes a prefix
// of the input whose number is "SIP/" + the version.
func FuzzVersion(f *testing.F) {
	for _, s := range []string{"SIP/2.0", "SIP/2.0 200", "SIP/", "SIP/1.", "HTTP/1.1", "SIP/12.345x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, vers, err := version(b)
		if err != nil {
			return
		}
		if n > len(b) || string(b[:n]) != "SIP/"+string(vers) || !regexp.MustCompile(`^[0-9]+\.[0-9]+$`).Match(vers) {
			t.Fatalf("version(%q) = %d, %q", b, n, vers)
		}
	})
}

// cSpace is C's isspace.
func cSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// refLong is strtol(b, 10) in a 64-bit long, from strconv.
func refLong(b []byte) int64 {
	i := 0
	for i < len(b) && cSpace(b[i]) {
		i++
	}
	j := i
	if j < len(b) && (b[j] == '+' || b[j] == '-') {
		j++
	}
	k := j
	for k < len(b) && '0' <= b[k] && b[k] <= '9' {
		k++
	}
	if k == j {
		return 0
	}
	v, err := strconv.ParseInt(string(b[i:k]), 10, 64)
	if err != nil && b[i] == '-' {
		return math.MinInt64
	}
	if err != nil {
		return math.MaxInt64
	}
	return v
}

// FuzzCLong compares cLong with strtol's behaviour rebuilt on strconv.
func FuzzCLong(f *testing.F) {
	for _, s := range []string{"42", " -7x", "+", "9223372036854775808", "-9223372036854775809", "4294967301", "\v12"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := cLong(b), int(int32(refLong(b))); got != want {
			t.Fatalf("cLong(%q) = %d, want %d", b, got, want)
		}
	})
}

// FuzzToCount compares toCount with Zeek's string-to-count cast rebuilt
// on strconv.
func FuzzToCount(f *testing.F) {
	for _, s := range []string{"42", " 42 ", "-1", "", "bad", "18446744073709551616", "5\x00", " "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := toCount(b)
		wantOK := len(b) > 0 && bytes.IndexByte(b, 0) < 0
		var want uint64
		i := 0
		for i < len(b) && cSpace(b[i]) {
			i++
		}
		j := i
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := j
		for k < len(b) && '0' <= b[k] && b[k] <= '9' {
			k++
		}
		if k == j {
			k = 0 // nothing converted
		} else {
			v, err := strconv.ParseUint(string(b[j:k]), 10, 64)
			switch {
			case err != nil:
				v = math.MaxUint64
			case b[i] == '-':
				v = -v
			}
			want = v
		}
		for _, c := range b[k:] {
			if !cSpace(c) {
				wantOK = false
			}
		}
		if !wantOK {
			want = 0
		}
		if got != want || ok != wantOK {
			t.Fatalf("toCount(%q) = %d, %v; want %d, %v", b, got, ok, want, wantOK)
		}
	})
}

var (
	tagRE    = regexp.MustCompile(`;[ ]?tag=`)
	branchRE = regexp.MustCompile(`;[ ]?branch`)
)

// FuzzBeforeParam compares beforeTag and beforeBranch with split_string1
// rebuilt on regular expressions.
func FuzzBeforeParam(f *testing.F) {
	for _, s := range []string{"<sip:a@b>;tag=1", "x; tag=1", "x;  tag=", "SIP/2.0/UDP h;branch=z", ";;branch", "a;"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, c := range []struct {
			re  *regexp.Regexp
			got string
		}{{tagRE, beforeTag(b)}, {branchRE, beforeBranch(b)}} {
			want := string(b)
			if loc := c.re.FindIndex(b); loc != nil {
				want = string(b[:loc[0]])
			}
			if c.got != want {
				t.Fatalf("%v on %q: got %q, want %q", c.re, b, c.got, want)
			}
		}
	})
}

// writeSeeds writes inputs as a Go fuzz corpus.
func writeSeeds(t *testing.T, target string, seeds map[string][]byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range seeds {
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUpdateFuzzSeeds rewrites the seed corpora with -update-seeds.
func TestUpdateFuzzSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update-seeds to rewrite the fuzz seeds")
	}
	convs := seedConversations()
	writeSeeds(t, "FuzzAnalyzer", convs)
	lines := map[string][]byte{}
	for name, c := range convs {
		for i, d := range fuzzDatagrams(c) {
			first, _, _ := bytes.Cut(d, []byte("\r\n"))
			lines[fmt.Sprintf("%s-%d", name, i)] = first
		}
	}
	lines["header"] = []byte("From : \"A\" <sip:a@b>;tag=1")
	lines["header-no-colon"] = []byte("Foo  ")
	writeSeeds(t, "FuzzLines", lines)
	writeSeeds(t, "FuzzVersion", map[string][]byte{"ok": []byte("SIP/2.0"), "long": []byte("SIP/100.2000 200"),
		"short": []byte("SIP/2"), "nul": []byte("SIP/\x002.0"), "http": []byte("HTTP/1.1")})
	ints := map[string][]byte{"small": []byte("42"), "space-sign": []byte(" \t-17;x"), "long-max": []byte("9223372036854775807"),
		"over": []byte("99999999999999999999999"), "neg-over": []byte("-99999999999999999999999"), "int-wrap": []byte("4294967301"),
		"empty": nil, "space": []byte(" "), "trailing": []byte("12 \r\n"), "nul": []byte("1\x002"), "plus": []byte("+")}
	writeSeeds(t, "FuzzCLong", ints)
	writeSeeds(t, "FuzzToCount", ints)
	writeSeeds(t, "FuzzBeforeParam", map[string][]byte{"tag": []byte("<sip:a@b>;tag=1"), "space-tag": []byte("<sip:a@b>; tag=1"),
		"branch": []byte("SIP/2.0/UDP h:5060;branch=z9hG4bK;rport"), "two-spaces": []byte("x;  tag=1;tag=2"), "semis": []byte(";;; branch")})
}
