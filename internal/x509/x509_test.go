package x509

import (
	"bytes"
	"encoding/base64"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/heron-nsm/heron/internal/logging/ascii"
	"github.com/heron-nsm/heron/internal/logging/schema"
	"github.com/heron-nsm/heron/internal/zeek"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/*.golden")

// logLines renders records as x509.log would (header and one line each).
func logLines(t *testing.T, recs []Info) []byte {
	t.Helper()
	s, err := schema.For[Info]()
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.View(schema.ViewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	enc := ascii.NewEncoder(ascii.DefaultOptions())
	out := enc.AppendHeader(nil, "x509", v.Columns(), time.Unix(0, 0).UTC())
	for i := range recs {
		out = enc.AppendRecord(out, v, schema.RecordOf(&recs[i]))
	}
	return out
}

// TestGolden decodes the generated certificates and compares x509.log
// lines (plus weirds and failures) with testdata/generated.golden, whose
// values were checked against OpenSSL by TestOpenSSLGeneratedCerts
// (build tag opensslgen).
func TestGolden(t *testing.T) {
	var recs []Info
	var notes bytes.Buffer
	for _, c := range generatedCerts(t) {
		d, err := Decode(c.der)
		if err != nil {
			notes.WriteString(c.name + ": " + WeirdParse + "\n")
			continue
		}
		in := NewInfo(d, zeek.Time(1e9), c.name == "base", false)
		in.Fingerprint = c.name + " " + in.Fingerprint
		recs = append(recs, in)
		for _, w := range d.Weirds {
			notes.WriteString(c.name + ": weird " + w.Name + " " + w.Addl + "\n")
		}
	}
	got := append(logLines(t, recs), notes.Bytes()...)
	const path = "testdata/generated.golden"
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s line %d:\n got  %q\n want %q\n(run with -update-golden after checking)", path, i+1, g, w)
			}
		}
	}
}

func TestTimes(t *testing.T) {
	for _, c := range []struct {
		tag   byte
		in    string
		want  int64
		weird string
	}{
		{tagUTCTime, "140409120508Z", 1397045108, ""},
		{tagUTCTime, "491231235959Z", 2524607999, ""},
		{tagUTCTime, "500101000000Z", -631152000, ""},
		{tagUTCTime, "1404091205Z", 1397045100, ""},
		{tagUTCTime, "140409120508", 0, "x509_utc_format"},
		{tagUTCTime, "1404Z", 0, "x509_utc_length"},
		{tagGeneralizedTime, "20150903123000Z", 1441283400, ""},
		{tagGeneralizedTime, "20501231235959.123Z", 2556143999, ""},
		// Zeek's offset arithmetic: +0130 adds 0*10+1*60+3*10+0 seconds.
		{tagGeneralizedTime, "20140409120508+0130", 1397045108 + 90, ""},
		{tagGeneralizedTime, "20140409120508+01", 0, "x509_time_offset_underflow"},
		{tagGeneralizedTime, "2014040912050", 0, "x509_time_add_char"},
		{tagGeneralizedTime, "201404091205081", 0, "x509_time_offset_underflow"},
		{tagGeneralizedTime, "20140409120508X0130", 0, "x509_time_offset_type"},
		{tagGeneralizedTime, "2014", 0, "x509_gen_time_length"},
		{tagInteger, "2014", 0, "x509_invalid_time_type"},
		{tagGeneralizedTime, "19700101000000Z", 0, ""},
	} {
		got, w := asn1Time(c.tag, []byte(c.in))
		if got != c.want || w != c.weird {
			t.Errorf("asn1Time(%q) = %d %q, want %d %q", c.in, got, w, c.want, c.weird)
		}
	}
}

func TestCheckHostname(t *testing.T) {
	for _, c := range []struct {
		host, cert string
		want       bool
	}{
		{"www.example.com", "www.example.com", true},
		{"www.example.com", "*.example.com", true},
		{"a.b.example.com", "*.example.com", false},
		{"example.com", "*.com", false},
		{"example.com", "*.example.com", false},
		{"abc.example.com", "a*.example.com", true},
		{"xbc.example.com", "a*.example.com", false},
		{"www.example.com", "w*w.example.com", false},
		{"WWW.example.com", "www.example.com", false},
		{"x", "*.a.b", false},
	} {
		if got := CheckHostname(c.host, c.cert); got != c.want {
			t.Errorf("CheckHostname(%q, %q) = %v", c.host, c.cert, got)
		}
	}
}

func TestKnownDeduplicates(t *testing.T) {
	k := NewKnown(DefaultRelogAfter, 10)
	day := 24 * 3600 * zeek.Second
	if !k.ShouldLog(0, "fp", true, false) {
		t.Fatal("first sighting not logged")
	}
	if k.ShouldLog(zeek.Time(day-1), "fp", true, false) {
		t.Error("repeat within a day logged")
	}
	if !k.ShouldLog(zeek.Time(day-1), "fp", false, false) {
		t.Error("same certificate in another role not logged")
	}
	if !k.ShouldLog(zeek.Time(day), "fp", true, false) {
		t.Error("repeat after a day not logged")
	}
	off := NewKnown(0, 10)
	for i := 0; i < 2; i++ {
		if !off.ShouldLog(0, "fp", true, false) {
			t.Error("relog 0 should disable deduplication")
		}
	}
}

func TestCache(t *testing.T) {
	c := NewCache(3)
	var sha [32]byte
	d := &Decoded{Fingerprint: "x", Weirds: []Weird{{Name: "w"}}}
	for i := 0; i < 3; i++ {
		if c.Lookup(zeek.Time(i), sha) != nil {
			t.Fatalf("hit before %d encounters", i)
		}
		c.Seen(zeek.Time(i), sha, d)
	}
	got := c.Lookup(zeek.Time(5), sha)
	if got == nil || got.Fingerprint != "x" || len(got.Weirds) != 0 {
		t.Fatalf("Lookup after 3 encounters = %+v", got)
	}
	if c.Lookup(zeek.Time(5).Add(DefaultCacheEvictionInterval), sha) != nil {
		t.Error("entry not evicted after the interval")
	}
}

// FuzzDecode: no input panics; decoded certificates have the invariants
// the log relies on.
func FuzzDecode(f *testing.F) {
	for _, c := range generatedCerts(f) {
		f.Add(c.der)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		d, err := Decode(der)
		if err != nil {
			return
		}
		if len(d.Fingerprint) != 64 || len(d.Cert.Subject) > bioLineMax {
			t.Fatalf("bad decode %+v", d)
		}
		d.MatchHostname("www.example.com")
	})
}

func BenchmarkDecode(b *testing.B) {
	der := generatedCerts(b)[0].der
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(der); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLogCertsBase64(t *testing.T) {
	LogCertsBase64 = true
	defer func() { LogCertsBase64 = false }()
	der := generatedCerts(t)[0].der
	d, err := Decode(append(der, 0, 0)) // trailing bytes are not part of it
	if err != nil {
		t.Fatal(err)
	}
	in := NewInfo(d, 0, true, false)
	if !in.Cert.Set || in.Cert.V != base64.StdEncoding.EncodeToString(der) {
		t.Errorf("cert = %q", in.Cert.V)
	}
}
