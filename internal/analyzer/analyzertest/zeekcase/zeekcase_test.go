package zeekcase_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/heron-nsm/heron/internal/analyzer/analyzertest/zeekcase"
)

func TestReadBaseline(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, text string
		want       []map[string]string
	}{
		{"log", "### btest header\n#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tx\n" +
			"#fields\tts\tuid\tname\n#types\ttime\tstring\tstring\n1.5\tCabc\tone\n2.5\tCdef\ttwo\n#close\t2024\n",
			[]map[string]string{{"ts": "1.5", "uid": "Cabc", "name": "one"}, {"ts": "2.5", "uid": "Cdef", "name": "two"}}},
		{"cut table", "### header\nid.orig_h\tservice\n10.0.0.1\tsocks\n\n10.0.0.2\t-\textra\n",
			[]map[string]string{{"id.orig_h": "10.0.0.1", "service": "socks"}, {"id.orig_h": "10.0.0.2", "service": "-"}}},
		{"empty", "### nothing\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := zeekcase.ReadBaseline(t, p); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCanonical(t *testing.T) {
	recs := []map[string]string{{"a": "2", "b": "x"}, {"a": "1", "b": "y", "c": "ignored"}}
	got := zeekcase.Canonical(recs, []string{"a", "b"})
	if want := []string{"a=1 b=y", "a=2 b=x"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestPickers(t *testing.T) {
	want := []map[string]string{{"ts": "XXXXXXXXXX.XXXXXX", "uid": "C1", "fuid": "F1", "conn_uids": "C1",
		"id.orig_h": "1.2.3.4", "service": "ssl", "duration": "1.0", "name": "n"}}
	for _, tc := range []struct {
		name string
		pick zeekcase.Picker
		file string
		want []string
	}{
		{"SkipIDs", zeekcase.SkipIDs, "x.log", []string{"duration", "id.orig_h", "name", "service"}},
		{"SkipUIDsAndTimes", zeekcase.SkipUIDsAndTimes, "x.log", []string{"conn_uids", "duration", "id.orig_h", "name", "service"}},
		{"ConnServiceOnly other", zeekcase.ConnServiceOnly, "x.log", []string{"conn_uids", "duration", "fuid", "id.orig_h", "name", "service"}},
		{"ConnServiceOnly conn", zeekcase.ConnServiceOnly, "conn.log", []string{"id.orig_h", "service"}},
	} {
		if got := tc.pick(tc.file, want, nil); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestInBtestsAndLogName(t *testing.T) {
	in := []zeekcase.Case{{Name: "a"}, {Name: "b", Btest: "keep"}}
	got := zeekcase.InBtests("p.", in)
	if got[0].Btest != "p.a" || got[1].Btest != "keep" || in[0].Btest != "" {
		t.Fatalf("got %+v (input %+v)", got, in)
	}
	for file, want := range map[string]string{"dns.log": "dns.log", "dns.log.cut": "dns.log", "weird.log-too-long": "weird.log", "x": "x"} {
		if got := zeekcase.LogName(file); got != want {
			t.Errorf("LogName(%q) = %q, want %q", file, got, want)
		}
	}
}

// TestCompareFails checks that a difference is reported.
func TestCompareFails(t *testing.T) {
	var rec recorder
	got := []map[string]string{{"a": "1"}}
	want := []map[string]string{{"a": "2"}}
	if zeekcase.Compare(&rec, "x.log", got, want, []string{"a"}) || !rec.failed {
		t.Fatal("a difference passed")
	}
	rec = recorder{}
	if !zeekcase.Compare(&rec, "x.log", got, got, []string{"a"}) || rec.failed {
		t.Fatal("equal logs failed")
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }

// TestRunCases runs one real comparison (skipped without the corpus).
func TestRunCases(t *testing.T) {
	zeekcase.RunCases(t, []zeekcase.Case{
		{Trace: "tls/imap-starttls.pcap", C: true, Files: []string{"ssl.log"}},
	}, zeekcase.SkipIDs)
}
